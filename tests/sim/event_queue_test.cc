// Tests for sim/event_queue and the Simulator loop: (time, insertion) order, cancellation, and
// run_until / schedule_after semantics, with properties against a naive sorted-vector reference.
#include "sim/event_queue.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "base/time.h"
#include "sim/simulator.h"

namespace consim::sim {
namespace {

SimTime at_ns(int64_t ns) { return SimTime{ns}; }

// Pops everything, returning the labels the callbacks appended, in order.
std::vector<int> drain(EventQueue& queue, std::vector<int>& log) {
  SimTime at;
  EventQueue::Callback callback;
  while (queue.pop(at, callback)) {
    callback();
  }
  return log;
}

// A deliberately naive model of the queue: every event ever scheduled, searched linearly.
struct ReferenceEvent {
  int64_t time_ns;
  uint64_t seq;  // our own insertion counter, 1-based like the queue's
  bool live;
};

class ReferenceQueue {
 public:
  uint64_t schedule(int64_t time_ns) {
    events_.push_back(ReferenceEvent{time_ns, events_.size() + 1, true});
    return events_.size();
  }
  bool cancel(uint64_t seq) {
    if (seq == 0 || seq > events_.size() || !events_[seq - 1].live) {
      return false;
    }
    events_[seq - 1].live = false;
    return true;
  }
  bool pending(uint64_t seq) const { return seq != 0 && seq <= events_.size() && events_[seq - 1].live; }
  // The live event with the smallest (time, seq), if any.
  std::optional<ReferenceEvent> earliest() const {
    std::optional<ReferenceEvent> best;
    for (const ReferenceEvent& event : events_) {
      if (event.live && (!best || std::tie(event.time_ns, event.seq) < std::tie(best->time_ns, best->seq))) {
        best = event;
      }
    }
    return best;
  }
  void mark_popped(uint64_t seq) { events_[seq - 1].live = false; }
  size_t live() const {
    return static_cast<size_t>(std::count_if(events_.begin(), events_.end(), [](const auto& e) { return e.live; }));
  }
  size_t total() const { return events_.size(); }

 private:
  std::vector<ReferenceEvent> events_;
};

TEST(EventQueue, SameTimeEventsRunInInsertionOrder) {
  EventQueue queue;
  std::vector<int> log;
  for (int i = 0; i < 20; ++i) {
    queue.schedule(at_ns(100), [&log, i] { log.push_back(i); });
  }
  std::vector<int> expected(20);
  for (int i = 0; i < 20; ++i) {
    expected[static_cast<size_t>(i)] = i;
  }
  EXPECT_EQ(drain(queue, log), expected);
}

TEST(EventQueue, EarlierTimeRunsFirstAndTiesKeepInsertionOrder) {
  EventQueue queue;
  std::vector<int> log;
  queue.schedule(at_ns(30), [&] { log.push_back(1); });
  queue.schedule(at_ns(10), [&] { log.push_back(2); });
  queue.schedule(at_ns(30), [&] { log.push_back(3); });
  queue.schedule(at_ns(20), [&] { log.push_back(4); });
  queue.schedule(at_ns(10), [&] { log.push_back(5); });
  queue.schedule(at_ns(0), [&] { log.push_back(6); });
  EXPECT_EQ(drain(queue, log), (std::vector<int>{6, 2, 5, 4, 1, 3}));
}

TEST(EventQueue, PopReportsTheEventTime) {
  EventQueue queue;
  queue.schedule(at_ns(42), [] {});
  SimTime at;
  EventQueue::Callback callback;
  ASSERT_TRUE(queue.pop(at, callback));
  EXPECT_EQ(at, at_ns(42));
  EXPECT_TRUE(callback != nullptr);
  EXPECT_FALSE(queue.pop(at, callback));
}

TEST(EventQueue, CancelledEventNeverRuns) {
  EventQueue queue;
  std::vector<int> log;
  queue.schedule(at_ns(1), [&] { log.push_back(1); });
  const EventId doomed = queue.schedule(at_ns(2), [&] { log.push_back(2); });
  queue.schedule(at_ns(3), [&] { log.push_back(3); });
  EXPECT_TRUE(queue.cancel(doomed));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(drain(queue, log), (std::vector<int>{1, 3}));
}

TEST(EventQueue, CancelTwiceReturnsFalse) {
  EventQueue queue;
  const EventId id = queue.schedule(at_ns(5), [] {});
  EXPECT_TRUE(queue.cancel(id));
  EXPECT_FALSE(queue.cancel(id));
  EXPECT_TRUE(queue.empty());
}

TEST(EventQueue, CancelAfterRunReturnsFalse) {
  EventQueue queue;
  const EventId id = queue.schedule(at_ns(5), [] {});
  SimTime at;
  EventQueue::Callback callback;
  ASSERT_TRUE(queue.pop(at, callback));
  EXPECT_FALSE(queue.pending(id));
  EXPECT_FALSE(queue.cancel(id));
}

TEST(EventQueue, CancelOfDefaultIdReturnsFalse) {
  EventQueue queue;
  queue.schedule(at_ns(5), [] {});
  EXPECT_FALSE(EventId{}.valid());
  EXPECT_FALSE(queue.cancel(EventId{}));
  EXPECT_FALSE(queue.pending(EventId{}));
  EXPECT_FALSE(queue.cancel(EventId{1000, 1000}));  // never existed
  EXPECT_EQ(queue.size(), 1u);
}

TEST(EventQueue, PendingFollowsTheEventLifecycle) {
  EventQueue queue;
  const EventId first = queue.schedule(at_ns(1), [] {});
  const EventId second = queue.schedule(at_ns(2), [] {});
  EXPECT_TRUE(queue.pending(first));
  EXPECT_TRUE(queue.pending(second));
  SimTime at;
  EventQueue::Callback callback;
  ASSERT_TRUE(queue.pop(at, callback));
  EXPECT_FALSE(queue.pending(first));
  EXPECT_TRUE(queue.pending(second));
  EXPECT_TRUE(queue.cancel(second));
  EXPECT_FALSE(queue.pending(second));
}

// Slots are reused; an old id must not name the new event living in its slot.
TEST(EventQueue, StaleIdDoesNotTouchTheEventReusingItsSlot) {
  EventQueue queue;
  std::vector<int> log;
  const EventId ran = queue.schedule(at_ns(1), [&] { log.push_back(1); });
  const EventId cancelled = queue.schedule(at_ns(2), [&] { log.push_back(2); });
  queue.schedule(at_ns(10), [&] { log.push_back(10); });
  SimTime at;
  EventQueue::Callback callback;
  ASSERT_TRUE(queue.pop(at, callback));  // frees `ran`'s slot
  callback();
  ASSERT_TRUE(queue.cancel(cancelled));
  EXPECT_EQ(queue.next_time(), at_ns(10));  // skips the cancelled entry, freeing its slot too
  const EventId reuse_a = queue.schedule(at_ns(4), [&] { log.push_back(4); });
  const EventId reuse_b = queue.schedule(at_ns(5), [&] { log.push_back(5); });
  // Both new events live in the freed slots, under new sequence numbers.
  EXPECT_TRUE(reuse_a.slot == ran.slot || reuse_a.slot == cancelled.slot);
  EXPECT_TRUE(reuse_b.slot == ran.slot || reuse_b.slot == cancelled.slot);
  EXPECT_NE(reuse_a.slot, reuse_b.slot);
  EXPECT_FALSE(queue.cancel(ran));
  EXPECT_FALSE(queue.cancel(cancelled));
  EXPECT_FALSE(queue.pending(ran));
  EXPECT_FALSE(queue.pending(cancelled));
  EXPECT_TRUE(queue.pending(reuse_a));
  EXPECT_TRUE(queue.pending(reuse_b));
  EXPECT_EQ(drain(queue, log), (std::vector<int>{1, 4, 5, 10}));
}

TEST(EventQueue, SizeNextTimeAndTotalsSkipCancelledEvents) {
  EventQueue queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.next_time(), SimTime::max());
  const EventId early = queue.schedule(at_ns(10), [] {});
  queue.schedule(at_ns(20), [] {});
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.next_time(), at_ns(10));
  queue.cancel(early);
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.next_time(), at_ns(20));
  EXPECT_EQ(queue.scheduled_total(), 2u);
  SimTime at;
  EventQueue::Callback callback;
  ASSERT_TRUE(queue.pop(at, callback));
  EXPECT_EQ(at, at_ns(20));
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.next_time(), SimTime::max());
  EXPECT_EQ(queue.scheduled_total(), 2u);
}

// Once cancelled entries outnumber the live ones they are swept out of the heap in one go; the
// order of what remains, the ids, and slot reuse must be as if each had been skipped at the top.
TEST(EventQueue, SweepingCancelledEventsKeepsOrderIdsAndSlots) {
  EventQueue queue;
  ReferenceQueue reference;
  std::vector<EventId> ids;
  std::vector<uint64_t> ran;
  auto schedule = [&](int64_t time_ns) {
    const uint64_t seq = reference.schedule(time_ns);
    ids.push_back(queue.schedule(at_ns(time_ns), [&ran, seq] { ran.push_back(seq); }));
  };
  for (int64_t i = 0; i < 200; ++i) {
    schedule(i * 7 % 101);  // ties among 101 times
  }
  // Cancel three of every four: the live ones soon fall behind, so several sweeps happen.
  for (uint64_t seq = 1; seq <= 200; ++seq) {
    if (seq % 4 != 0) {
      EXPECT_TRUE(queue.cancel(ids[seq - 1]));
      EXPECT_TRUE(reference.cancel(seq));
    }
    EXPECT_EQ(queue.size(), reference.live());
  }
  for (uint64_t seq = 1; seq <= 200; ++seq) {
    EXPECT_EQ(queue.pending(ids[seq - 1]), reference.pending(seq));
    EXPECT_EQ(queue.cancel(ids[seq - 1]), reference.cancel(seq));  // the live ones go too, now
  }
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.next_time(), SimTime::max());
  // Freed slots serve new events; none of the old ids names one of them.
  for (int64_t i = 0; i < 60; ++i) {
    schedule(i * 13 % 17);
  }
  for (uint64_t seq = 1; seq <= 200; ++seq) {
    EXPECT_FALSE(queue.pending(ids[seq - 1]));
  }
  for (uint64_t seq = 201; seq <= 260; seq += 3) {
    EXPECT_TRUE(queue.cancel(ids[seq - 1]));
    EXPECT_TRUE(reference.cancel(seq));
  }
  std::vector<uint64_t> expected;
  while (const std::optional<ReferenceEvent> earliest = reference.earliest()) {
    expected.push_back(earliest->seq);
    reference.mark_popped(earliest->seq);
  }
  SimTime at;
  EventQueue::Callback callback;
  while (queue.pop(at, callback)) {
    callback();
  }
  EXPECT_EQ(ran, expected);
}

TEST(EventQueue, IdsCarryIncreasingSequencesFromOne) {
  EventQueue queue;
  EXPECT_EQ(queue.schedule(at_ns(9), [] {}).seq, 1u);
  EXPECT_EQ(queue.schedule(at_ns(1), [] {}).seq, 2u);
  EXPECT_EQ(queue.schedule(at_ns(5), [] {}).seq, 3u);
}

// Operations: 0 = schedule at `time`, 1 = cancel the `pick`-th id handed out (or a
// never-issued id when none), 2 = pop and run.
RC_GTEST_PROP(EventQueueProperty, PopsInTimeThenSequenceOrderLikeNaiveReference,
              (const std::vector<std::tuple<uint8_t, uint8_t, uint16_t>>& ops)) {
  EventQueue queue;
  ReferenceQueue reference;
  std::vector<EventId> ids;  // ids[k] was issued for reference seq k + 1
  std::vector<uint64_t> ran;

  auto pop_one = [&] {
    const std::optional<ReferenceEvent> expected = reference.earliest();
    SimTime at;
    EventQueue::Callback callback;
    const bool popped = queue.pop(at, callback);
    RC_ASSERT(popped == expected.has_value());
    if (!popped) {
      return false;
    }
    RC_ASSERT(at.ns == expected->time_ns);
    const size_t before = ran.size();
    callback();
    RC_ASSERT(ran.size() == before + 1);
    RC_ASSERT(ran.back() == expected->seq);
    reference.mark_popped(expected->seq);
    return true;
  };

  for (const auto& [kind, time, pick] : ops) {
    switch (kind % 3) {
      case 0: {
        const uint64_t seq = reference.schedule(time % 16);  // few distinct times: many ties
        ids.push_back(queue.schedule(at_ns(time % 16), [&ran, seq] { ran.push_back(seq); }));
        RC_ASSERT(ids.back().seq == seq);
        break;
      }
      case 1: {
        if (ids.empty()) {
          RC_ASSERT(!queue.cancel(EventId{pick, pick}));
          break;
        }
        const uint64_t seq = pick % ids.size() + 1;
        RC_ASSERT(queue.pending(ids[seq - 1]) == reference.pending(seq));
        RC_ASSERT(queue.cancel(ids[seq - 1]) == reference.cancel(seq));
        RC_ASSERT(!queue.pending(ids[seq - 1]));
        break;
      }
      default:
        pop_one();
        break;
    }
    RC_ASSERT(queue.size() == reference.live());
    RC_ASSERT(queue.empty() == (reference.live() == 0));
    const std::optional<ReferenceEvent> earliest = reference.earliest();
    RC_ASSERT(queue.next_time() == (earliest ? at_ns(earliest->time_ns) : SimTime::max()));
    RC_ASSERT(queue.scheduled_total() == reference.total());
  }
  while (pop_one()) {
  }
  RC_ASSERT(queue.empty());
  for (size_t k = 0; k < ids.size(); ++k) {
    RC_ASSERT(!queue.pending(ids[k]));
  }
}

// Each event, when it runs, schedules children at small delays (zero included: same instant)
// and cancels one event picked among all ids handed out so far.
RC_GTEST_PROP(EventQueueProperty, SchedulingAndCancellingDuringARunKeepsOrder, ()) {
  const auto initial_times =
      *rc::gen::nonEmpty(rc::gen::container<std::vector<uint8_t>>(rc::gen::inRange<uint8_t>(0, 8)));
  const auto child_delays = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::vector<uint8_t>>>(
      rc::gen::container<std::vector<uint8_t>>(rc::gen::inRange<uint8_t>(0, 4))));
  const auto cancels = *rc::gen::nonEmpty(rc::gen::container<std::vector<uint16_t>>(rc::gen::arbitrary<uint16_t>()));
  constexpr size_t kMaxEvents = 300;  // keeps a branching script finite

  Simulator sim(1);
  ReferenceQueue reference;
  std::vector<EventId> ids;
  size_t runs = 0;

  std::function<void(uint64_t)> run_event;
  auto schedule = [&](int64_t time_ns) {
    const uint64_t seq = reference.schedule(time_ns);
    ids.push_back(sim.schedule_at(at_ns(time_ns), [&run_event, seq] { run_event(seq); }));
  };
  run_event = [&](uint64_t seq) {
    const std::optional<ReferenceEvent> expected = reference.earliest();
    RC_ASSERT(expected.has_value());
    RC_ASSERT(expected->seq == seq);
    RC_ASSERT(sim.now().ns == expected->time_ns);
    reference.mark_popped(seq);
    ++runs;
    if (reference.total() < kMaxEvents) {
      for (const uint8_t delay : child_delays[(seq - 1) % child_delays.size()]) {
        schedule(sim.now().ns + delay);
      }
    }
    const uint64_t victim = cancels[(seq - 1) % cancels.size()] % ids.size() + 1;
    RC_ASSERT(sim.cancel(ids[victim - 1]) == reference.cancel(victim));
  };

  for (const uint8_t time : initial_times) {
    schedule(time);
  }
  while (sim.step()) {
  }
  RC_ASSERT(reference.live() == 0u);
  RC_ASSERT(sim.events_processed() == runs);
}

TEST(Simulator, RunUntilRunsExactlyEventsAtOrBeforeUntilAndSetsNow) {
  Simulator sim(1);
  std::vector<int64_t> ran;
  for (const int64_t t : {30, 10, 20, 21, 20}) {
    sim.schedule_at(at_ns(t), [&sim, &ran] { ran.push_back(sim.now().ns); });
  }
  sim.run_until(at_ns(20));
  EXPECT_EQ(ran, (std::vector<int64_t>{10, 20, 20}));
  EXPECT_EQ(sim.now(), at_ns(20));
  EXPECT_EQ(sim.events_processed(), 3u);

  sim.run_until(at_ns(20));  // nothing left at or before 20
  EXPECT_EQ(sim.events_processed(), 3u);

  sim.run_until(at_ns(25));
  EXPECT_EQ(ran, (std::vector<int64_t>{10, 20, 20, 21}));
  EXPECT_EQ(sim.now(), at_ns(25));

  sim.run_until(at_ns(1000));
  EXPECT_EQ(ran, (std::vector<int64_t>{10, 20, 20, 21, 30}));
  EXPECT_EQ(sim.now(), at_ns(1000));
  EXPECT_EQ(sim.events_processed(), 5u);
}

TEST(Simulator, RunUntilOnAnEmptyQueueStillAdvancesTime) {
  Simulator sim(1);
  sim.run_until(SimTime::from_ms(7));
  EXPECT_EQ(sim.now(), SimTime::from_ms(7));
  EXPECT_EQ(sim.events_processed(), 0u);
}

TEST(Simulator, RunUntilRunsEventsScheduledDuringItUpToUntil) {
  Simulator sim(1);
  std::vector<int64_t> ran;
  std::function<void()> tick = [&] {
    ran.push_back(sim.now().ns);
    sim.schedule_after(Duration::nanos(10), tick);
  };
  sim.schedule_at(at_ns(0), tick);
  sim.run_until(at_ns(35));
  EXPECT_EQ(ran, (std::vector<int64_t>{0, 10, 20, 30}));
  EXPECT_EQ(sim.now(), at_ns(35));
  EXPECT_EQ(sim.events_processed(), 4u);
}

TEST(Simulator, ScheduleAfterFromACallbackIsRelativeToTheEventTime) {
  Simulator sim(1);
  std::vector<std::pair<std::string, int64_t>> ran;
  auto record = [&](std::string name) { return [&, name] { ran.emplace_back(name, sim.now().ns); }; };
  sim.schedule_at(at_ns(100), [&] {
    ran.emplace_back("parent", sim.now().ns);
    sim.schedule_after(Duration::nanos(5), record("child+5"));
    sim.schedule_after(Duration::zero(), record("child+0"));
  });
  sim.schedule_at(at_ns(100), record("sibling"));  // queued before child+0 at the same instant
  sim.schedule_at(at_ns(103), record("later"));
  EXPECT_EQ(sim.run(100), 5u);
  EXPECT_EQ(ran, (std::vector<std::pair<std::string, int64_t>>{
                     {"parent", 100}, {"sibling", 100}, {"child+0", 100}, {"later", 103}, {"child+5", 105}}));
  EXPECT_EQ(sim.now(), at_ns(105));
}

TEST(Simulator, ScheduleAfterBeforeAnyEventCountsFromNow) {
  Simulator sim(1);
  sim.run_until(at_ns(50));
  int64_t ran_at = -1;
  sim.schedule_after(Duration::nanos(7), [&] { ran_at = sim.now().ns; });
  sim.run(10);
  EXPECT_EQ(ran_at, 57);
}

TEST(Simulator, RunStopsAfterMaxEventsAndStepReportsEmptiness) {
  Simulator sim(1);
  int runs = 0;
  for (int i = 0; i < 5; ++i) {
    sim.schedule_at(at_ns(i), [&] { ++runs; });
  }
  EXPECT_EQ(sim.run(3), 3u);
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(sim.events_processed(), 3u);
  EXPECT_EQ(sim.now(), at_ns(2));
  EXPECT_TRUE(sim.step());
  EXPECT_EQ(sim.run(100), 1u);
  EXPECT_FALSE(sim.step());
  EXPECT_EQ(sim.run(100), 0u);
  EXPECT_EQ(sim.events_processed(), 5u);
  EXPECT_EQ(runs, 5);
}

TEST(Simulator, CancelledEventsAreNotCountedAsProcessed) {
  Simulator sim(1);
  bool ran = false;
  const EventId id = sim.schedule_at(at_ns(10), [&] { ran = true; });
  sim.schedule_at(at_ns(20), [] {});
  EXPECT_TRUE(sim.pending(id));
  EXPECT_TRUE(sim.cancel(id));
  EXPECT_FALSE(sim.pending(id));
  EXPECT_FALSE(sim.cancel(id));
  sim.run_until(at_ns(100));
  EXPECT_FALSE(ran);
  EXPECT_EQ(sim.events_processed(), 1u);
}

TEST(Simulator, NamedStreamsDependOnlyOnSeedAndName) {
  Simulator a(5);
  Simulator b(5);
  Simulator c(6);
  Rng a_net = a.rng("network");
  Rng b_net = b.rng("network");
  Rng c_net = c.rng("network");
  const uint64_t first = a_net.next_u64();
  EXPECT_EQ(first, b_net.next_u64());
  EXPECT_NE(first, c_net.next_u64());
  EXPECT_EQ(a.rng("disk", 2).next_u64(), Rng(5).fork("disk", 2).next_u64());
  EXPECT_EQ(a.seed(), 5u);
}

TEST(SimulatorDeathTest, SchedulingInThePastIsAProgrammerError) {
  Simulator sim(1);
  sim.run_until(at_ns(100));
  EXPECT_DEATH(sim.schedule_at(at_ns(99), [] {}), "at >= now_");
  EXPECT_DEATH(sim.schedule_after(Duration::nanos(-1), [] {}), "delay >= Duration::zero");
}

}  // namespace
}  // namespace consim::sim
