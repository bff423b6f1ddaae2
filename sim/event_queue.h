// The pending-event set: a 4-ary min-heap keyed by (time, insertion sequence).
//
// Events at the same instant run in the order they were scheduled (FoundationDB packs the
// issue counter into the key for the same reason). Cancellation is lazy: a cancelled event
// stays in the heap until it reaches the top and is skipped there.
#pragma once

#include <cstdint>
#include <vector>

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
  struct Entry {
    int64_t time_ns;
    uint64_t seq;
    uint32_t slot;
  };
  struct Slot {
    uint64_t seq = 0;  // the live event in this slot, 0 when cancelled or free
    Callback callback;
  };

  static bool before(const Entry& a, const Entry& b) {
    return a.time_ns < b.time_ns || (a.time_ns == b.time_ns && a.seq < b.seq);
  }
  void sift_up(size_t index);
  void sift_down(size_t index);
  void pop_top();
  void drop_cancelled_top();

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  uint64_t next_seq_ = 1;
  size_t live_ = 0;
};

}  // namespace consim::sim
