#include "sim/event_queue.h"

#include <utility>

#include "base/assert.h"

namespace consim::sim {
namespace {
constexpr size_t kArity = 4;
}  // namespace

EventId EventQueue::schedule(SimTime at, Callback callback) {
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
  return true;
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
  size_t index = 0;
  while (true) {
    const size_t first = index * kArity + 1;
    if (first >= count) {
      break;
    }
    size_t best = first;
    const size_t end = first + kArity < count ? first + kArity : count;
    for (size_t child = first + 1; child < end; ++child) {
      if (before(heap_[child], heap_[best])) {
        best = child;
      }
    }
    heap_[index] = heap_[best];
    index = best;
  }
  heap_[index] = last;
  sift_up(index);
}

void EventQueue::sift_up(size_t index) {
  const Entry moving = heap_[index];
  while (index > 0) {
    const size_t parent = (index - 1) / kArity;
    if (!before(moving, heap_[parent])) {
      break;
    }
    heap_[index] = heap_[parent];
    index = parent;
  }
  heap_[index] = moving;
}

}  // namespace consim::sim
