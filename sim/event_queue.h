// The pending-event set: a 4-ary min-heap keyed by (time, insertion sequence).
//
// Events at the same instant run in the order they were scheduled (FoundationDB packs the
// issue counter into the key for the same reason). Cancellation is lazy: a cancelled event
// stays in the heap until it reaches the top and is skipped there.
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
  EventId schedule(SimTime at, Callback callback);
  // Cancels a pending event. Returns false if it already ran, was cancelled, or never existed.
  bool cancel(EventId id);
  bool pending(EventId id) const;

  // Pops the earliest live event into (at, callback). Returns false when none is left.
  bool pop(SimTime& at, Callback& callback);
  // Time of the earliest live event, or SimTime::max() when there is none.
  SimTime next_time();

  bool empty() const { return live_ == 0; }
  size_t size() const { return live_; }
  uint64_t scheduled_total() const { return next_seq_ - 1; }

 private:
  // One heap entry, packed into a single 128-bit key compared with one `<`: the time (sign bit
  // flipped, so that unsigned order is signed order) above, the sequence below, and the slot in
  // the sequence's lowest bits. Sequences are unique, so the slot bits never decide an order.
  using Key = UInt128;
  static constexpr int kSlotBits = 24;
  static constexpr uint64_t kSlotMask = (uint64_t{1} << kSlotBits) - 1;
  static constexpr uint64_t kSeqMax = (uint64_t{1} << (64 - kSlotBits)) - 1;
  static constexpr uint64_t kSignBit = uint64_t{1} << 63;
  static Key make_key(SimTime at, uint64_t seq, uint32_t slot) {
    return Key{static_cast<uint64_t>(at.ns) ^ kSignBit} << 64 | Key{seq << kSlotBits | slot};
  }
  static int64_t key_time_ns(Key key) { return static_cast<int64_t>(static_cast<uint64_t>(key >> 64) ^ kSignBit); }
  static uint64_t key_seq(Key key) { return static_cast<uint64_t>(key) >> kSlotBits; }
  static uint32_t key_slot(Key key) { return static_cast<uint32_t>(static_cast<uint64_t>(key) & kSlotMask); }
  using Entry = Key;
  struct Slot {
    uint64_t seq = 0;  // the live event in this slot, 0 when cancelled or free
    Callback callback;
  };

  // Whether the top of the heap was cancelled (checked before every pop; rarely true).
  bool top_cancelled() const { return slots_[key_slot(heap_.front())].seq != key_seq(heap_.front()); }
  void drop_cancelled_top() {
    while (!heap_.empty() && top_cancelled()) {
      drop_top();
    }
  }
  void drop_top();
  void sift_up(size_t index);
  void sift_down(size_t index);
  void pop_top();

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  uint64_t next_seq_ = 1;
  size_t live_ = 0;
};

}  // namespace consim::sim
