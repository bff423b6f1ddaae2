#include "sim/event_queue.h"

#include <utility>

#include "base/assert.h"

namespace consim::sim {
namespace {
constexpr size_t kArity = 4;
// Cancelled entries are swept out once they outnumber the live ones and this many (so that a
// queue with a few events does not sweep on every cancellation).
constexpr size_t kSweepCancelledMin = 16;

// `first` when `take_first` is 1, `second` when it is 0, by masks: a conditional here would be
// compiled as a branch on the keys, which no predictor can learn.
UInt128 select(size_t take_first, UInt128 first, UInt128 second) {
  const uint64_t mask = 0 - static_cast<uint64_t>(take_first);
  const uint64_t high = (static_cast<uint64_t>(first >> 64) & mask) | (static_cast<uint64_t>(second >> 64) & ~mask);
  const uint64_t low = (static_cast<uint64_t>(first) & mask) | (static_cast<uint64_t>(second) & ~mask);
  return static_cast<UInt128>(high) << 64 | low;
}
size_t select(size_t take_first, size_t first, size_t second) { return second ^ ((first ^ second) & (0 - take_first)); }
}  // namespace

EventId EventQueue::schedule(SimTime at, Callback&& callback) {
  CONSIM_ASSERT(callback != nullptr);
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  CONSIM_ASSERT(slot <= kSlotMask);  // at most 2^24 events pending at once
  const uint64_t seq = next_seq_++;
  CONSIM_ASSERT(seq <= kSeqMax);  // 2^40 events per queue
  slots_[slot].seq = seq;
  slots_[slot].callback = std::move(callback);
  heap_.push_back(make_entry(at, seq, slot));
  sift_up(heap_.size() - 1);
  ++live_;
  return EventId{slot, seq};
}

bool EventQueue::cancel(EventId id) {
  if (!pending(id)) {
    return false;
  }
  Slot& slot = slots_[id.slot];
  slot.seq = 0;
  slot.callback = nullptr;
  --live_;
  ++cancelled_;
  if (cancelled_ > kSweepCancelledMin && cancelled_ > live_) {
    sweep_cancelled();
  }
  return true;
}

void EventQueue::sweep_cancelled() {
  size_t kept = 0;
  for (const Entry entry : heap_) {
    if (slots_[entry_slot(entry)].seq == entry_seq(entry)) {
      heap_[kept++] = entry;
    } else {
      free_slots_.push_back(entry_slot(entry));  // only now is it safe to reuse the slot
    }
  }
  CONSIM_ASSERT(heap_.size() - kept == cancelled_);
  heap_.resize(kept);
  cancelled_ = 0;
  // Floyd's heap construction: every parent sifted down, the last one ((kept - 2) / 4) first.
  if (kept > 1) {
    for (size_t index = (kept - 2) / kArity + 1; index-- > 0;) {
      sift_down(index);
    }
  }
}

bool EventQueue::pending(EventId id) const {
  return id.valid() && id.slot < slots_.size() && slots_[id.slot].seq == id.seq;
}

bool EventQueue::pop(SimTime& at, Callback& callback) {
  drop_cancelled_top();
  if (heap_.empty()) {
    return false;
  }
  const Entry top = heap_.front();
  const uint32_t top_slot = entry_slot(top);
  Slot& slot = slots_[top_slot];
  CONSIM_ASSERT(slot.seq == entry_seq(top));
  at = SimTime{entry_time_ns(top)};
  callback = std::move(slot.callback);
  slot.seq = 0;
  free_slots_.push_back(top_slot);
  pop_top();
  --live_;
  return true;
}

void EventQueue::drop_top() {
  // The slot was cancelled (seq reset to 0); only now is it safe to reuse it.
  free_slots_.push_back(entry_slot(heap_.front()));
  --cancelled_;
  pop_top();
}

void EventQueue::pop_top() {
  // Bottom-up (Floyd): the hole left at the root sinks along the earliest children to a leaf,
  // and the last entry, which usually belongs near the bottom (a far timer), rises from there.
  // This skips comparing the last entry on the way down. Keys are unique, so the pop order is
  // the same as with any other heap discipline.
  const Entry last = heap_.back();
  heap_.pop_back();
  const size_t count = heap_.size();
  if (count == 0) {
    return;
  }
  Entry* const heap = heap_.data();
  size_t index = 0;
  // Full groups of four children: the earliest is picked by a tournament of three comparisons
  // whose results select entries and offsets arithmetically (no branch depends on the keys).
  for (size_t first = 1; first + kArity <= count; first = index * kArity + 1) {
    const Entry* children = heap + first;
    const size_t left = static_cast<size_t>(children[1] < children[0]);
    const size_t right = static_cast<size_t>(children[3] < children[2]);
    const Entry left_entry = select(left, children[1], children[0]);
    const Entry right_entry = select(right, children[3], children[2]);
    const size_t right_wins = static_cast<size_t>(right_entry < left_entry);
    heap[index] = select(right_wins, right_entry, left_entry);
    index = first + select(right_wins, 2 + right, left);
  }
  // At most one group has fewer than four children: the last one.
  const size_t first = index * kArity + 1;
  if (first < count) {
    size_t best = first;
    for (size_t child = first + 1; child < count; ++child) {
      if (heap[child] < heap[best]) {
        best = child;
      }
    }
    heap[index] = heap[best];
    index = best;
  }
  heap[index] = last;
  sift_up(index);
}

void EventQueue::sift_down(size_t index) {
  const Entry moving = heap_[index];
  const size_t count = heap_.size();
  while (true) {
    const size_t first = index * kArity + 1;
    if (first >= count) {
      break;
    }
    size_t best = first;
    for (size_t child = first + 1; child < first + kArity && child < count; ++child) {
      if (heap_[child] < heap_[best]) {
        best = child;
      }
    }
    if (!(heap_[best] < moving)) {
      break;
    }
    heap_[index] = heap_[best];
    index = best;
  }
  heap_[index] = moving;
}

void EventQueue::sift_up(size_t index) {
  const Entry moving = heap_[index];
  while (index > 0) {
    const size_t parent = (index - 1) / kArity;
    if (!(moving < heap_[parent])) {
      break;
    }
    heap_[index] = heap_[parent];
    index = parent;
  }
  heap_[index] = moving;
}

}  // namespace consim::sim
