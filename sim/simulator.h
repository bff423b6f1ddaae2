// The discrete-event loop: simulated time, the event queue, the root generator and the trace.
//
// One thread per simulation. Time only moves when the loop pops an event; nothing here reads
// the wall clock. Everything that happens in a run is an event popped from this loop, so a
// seed and a build fix the whole run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "base/assert.h"
#include "base/time.h"
#include "sim/event_queue.h"
#include "sim/rng.h"
#include "sim/trace.h"

namespace consim::sim {

class Simulator : private AssertContext {
 public:
  explicit Simulator(uint64_t seed);
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  SimTime now() const { return now_; }
  uint64_t seed() const { return seed_; }
  uint64_t events_processed() const { return events_processed_; }

  // Schedules a callback; `at` must not be in the past. Inline, so that the callback is built
  // once, in the caller, and moved only into the queue.
  EventId schedule_at(SimTime at, EventQueue::Callback callback) {
    CONSIM_ASSERT(at >= now_);
    return queue_.schedule(at, std::move(callback));
  }
  EventId schedule_after(Duration delay, EventQueue::Callback callback) {
    CONSIM_ASSERT(delay >= Duration::zero());
    return queue_.schedule(now_ + delay, std::move(callback));
  }
  bool cancel(EventId id) { return queue_.cancel(id); }
  bool pending(EventId id) const { return queue_.pending(id); }

  // Time of the next pending event, or SimTime::max() when there is none.
  SimTime next_event_time() { return queue_.next_time(); }
  // Runs one event. Returns false when the queue is empty.
  bool step();
  // Runs every event with time <= `until`, then sets the clock to `until`.
  void run_until(SimTime until);
  // Runs until the queue is empty or `max_events` more events have run; returns how many ran.
  uint64_t run(uint64_t max_events);

  // The generator of a named sub-stream of this run's seed.
  Rng rng(std::string_view name) const { return root_rng_.fork(name); }
  Rng rng(std::string_view name, uint64_t index) const { return root_rng_.fork(name, index); }

  Trace& trace() { return trace_; }
  void emit(TraceEvent&& event) { trace_.emit(now_, std::move(event)); }
  // A record of the busiest kinds (network, disk, timers): `build` gives it its node and fields
  // with TraceEvent's calls, as in `[&](auto& record) { record.node(host).add("id", id); }`. It
  // is built as a TraceEvent only when someone reads records of `kind`; otherwise `build` fills a
  // DigestOnlyEvent, which the digest folds identically.
  template <typename Build>
  void record(Name kind, Build&& build) {
    if (trace_.wants(kind)) {
      TraceEvent event(kind);
      build(event);
      trace_.emit(now_, std::move(event));
    } else {
      DigestOnlyEvent event(kind);
      build(event);
      trace_.emit(now_, event);
    }
  }

 private:
  std::string describe() const override;

  uint64_t seed_;
  Rng root_rng_;
  SimTime now_;
  EventQueue queue_;
  Trace trace_;
  uint64_t events_processed_ = 0;
  ScopedAssertContext assert_context_;
};

}  // namespace consim::sim
