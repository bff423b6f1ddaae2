// The pending-event set: a 4-ary min-heap keyed by (time, insertion sequence).
//
// Events at the same instant run in the order they were scheduled (FoundationDB packs the
// issue counter into the key for the same reason). Cancellation is lazy: a cancelled event
// stays in the heap until it reaches the top and is skipped there, or until cancelled events
// outnumber the live ones and are swept out together (a workload that cancels most of what it
// schedules, such as clients' timeouts, would otherwise make every pop and push dig through
// them). Keys are unique, so neither changes the order in which events run.
#pragma once

#include <cstdint>
#include <vector>

#include "base/int128.h"
#include "base/time.h"
#include "sim/callback.h"

namespace consim::sim {

// Names one scheduled event. A default-constructed id names nothing.
struct EventId {
  uint32_t slot = 0;
  uint64_t seq = 0;  // 0 = none; sequences start at 1

  bool valid() const { return seq != 0; }
  auto operator<=>(const EventId&) const = default;
};

class EventQueue {
 public:
  using Callback = sim::Callback;

  // Schedules `callback` at `at`. Events with equal times pop in scheduling order.
  EventId schedule(SimTime at, Callback&& callback);
  // Cancels a pending event. Returns false if it already ran, was cancelled, or never existed.
  bool cancel(EventId id);
  bool pending(EventId id) const;

  // Pops the earliest live event into (at, callback). Returns false when none is left.
  bool pop(SimTime& at, Callback& callback);
  // Time of the earliest live event, or SimTime::max() when there is none. Inline: asked before
  // every event by Simulator::run_until.
  SimTime next_time() {
    drop_cancelled_top();
    return heap_.empty() ? SimTime::max() : SimTime{entry_time_ns(heap_.front())};
  }

  bool empty() const { return live_ == 0; }
  size_t size() const { return live_; }
  uint64_t scheduled_total() const { return next_seq_ - 1; }

 private:
  // One heap entry, one 128-bit key: the time (sign bit flipped, so that unsigned order is signed
  // order) in the high word, then the sequence with the slot in its lowest bits. Sequences are
  // unique, so the slot bits never decide an order; and one unsigned comparison of the whole key
  // orders by time, then by scheduling order, without a branch (the heap's comparisons depend on
  // the data, so a branch on them is mispredicted about every other time).
  static constexpr int kSlotBits = 24;
  static constexpr uint64_t kSlotMask = (uint64_t{1} << kSlotBits) - 1;
  static constexpr uint64_t kSeqMax = (uint64_t{1} << (64 - kSlotBits)) - 1;
  static constexpr uint64_t kSignBit = uint64_t{1} << 63;
  using Entry = UInt128;
  static Entry make_entry(SimTime at, uint64_t seq, uint32_t slot) {
    return static_cast<Entry>(static_cast<uint64_t>(at.ns) ^ kSignBit) << 64 | (seq << kSlotBits | slot);
  }
  static int64_t entry_time_ns(Entry entry) {
    return static_cast<int64_t>(static_cast<uint64_t>(entry >> 64) ^ kSignBit);
  }
  static uint64_t entry_order(Entry entry) { return static_cast<uint64_t>(entry); }
  static uint64_t entry_seq(Entry entry) { return entry_order(entry) >> kSlotBits; }
  static uint32_t entry_slot(Entry entry) { return static_cast<uint32_t>(entry_order(entry) & kSlotMask); }
  struct Slot {
    uint64_t seq = 0;  // the live event in this slot, 0 when cancelled or free
    Callback callback;
  };

  // Whether the top of the heap was cancelled (checked before every pop; rarely true).
  bool top_cancelled() const { return slots_[entry_slot(heap_.front())].seq != entry_seq(heap_.front()); }
  void drop_cancelled_top() {
    while (!heap_.empty() && top_cancelled()) {
      drop_top();
    }
  }
  void drop_top();
  // Removes every cancelled entry and rebuilds the heap from what is left.
  void sweep_cancelled();
  void sift_up(size_t index);
  void sift_down(size_t index);
  void pop_top();

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  uint64_t next_seq_ = 1;
  size_t live_ = 0;
  size_t cancelled_ = 0;  // cancelled events whose entries are still in the heap
};

}  // namespace consim::sim
