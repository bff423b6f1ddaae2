// Tests for sim/world: hosts and their processes under faults — timers in drifting and stepped
// local time, crashes and restarts with disk recovery, pauses, and whole-run determinism.
#include "sim/world.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/int128.h"
#include "base/time.h"
#include "sim/clock.h"
#include "sim/disk.h"
#include "sim/ids.h"
#include "sim/network.h"
#include "sim/payload.h"
#include "sim/simulator.h"
#include "sim/trace.h"

namespace consim::sim {
namespace {

class TestPayload final : public Payload {
 public:
  explicit TestPayload(uint64_t seq) : seq_(seq) {}
  std::string_view kind() const override { return "Test"; }
  uint64_t seq() const { return seq_; }

 private:
  uint64_t seq_;
};

PayloadPtr message(uint64_t seq) { return std::make_shared<TestPayload>(seq); }
uint64_t seq_of(const PayloadPtr& payload) { return static_cast<const TestPayload&>(*payload).seq(); }
DiskRecord record(uint64_t seq) { return DiskRecord{message(seq), 8, false}; }

// One callback a process received.
struct Entry {
  SimTime time;
  uint32_t host = 0;
  uint64_t incarnation = 0;  // 1 for the first process of the host, 2 after one restart, ...
  std::string what;          // start, message, timer, opened, closed, sync
  uint64_t value = 0;        // message: seq; timer: tag; sync: id
  uint64_t conn = 0;
  std::string reason;
};

// A compact (what, value, time) view of an entry, for whole-sequence comparisons.
struct Seen {
  std::string what;
  uint64_t value = 0;
  int64_t time_ms = 0;

  bool operator==(const Seen&) const = default;
};

void PrintTo(const Seen& seen, std::ostream* out) {
  *out << "{" << seen.what << " " << seen.value << " @" << seen.time_ms << "ms}";
}

struct Shared {
  Simulator* sim = nullptr;
  std::vector<Entry> log;
  std::map<uint32_t, std::vector<DiskImage>> recovered;  // per host, one image per (re)start
  uint64_t destroyed = 0;
  // Runs after a message is recorded; lets a test make a process react.
  std::function<void(HostContext&, const Packet&)> on_message;
};

class RecordingProcess final : public Process {
 public:
  RecordingProcess(HostContext context, uint64_t incarnation, Shared& shared)
      : context_(context), incarnation_(incarnation), shared_(shared) {}
  ~RecordingProcess() override { ++shared_.destroyed; }

  void on_start() override { record("start"); }
  void on_message(const Packet& packet) override {
    record("message", seq_of(packet.payload), packet.conn.value);
    if (shared_.on_message) {
      shared_.on_message(context_, packet);
    }
  }
  void on_timer(TimerId /*timer*/, uint64_t tag) override { record("timer", tag); }
  void on_stream_opened(HostId /*peer*/, ConnId conn) override { record("opened", 0, conn.value); }
  void on_stream_closed(HostId /*peer*/, ConnId conn, std::string_view reason) override {
    record("closed", 0, conn.value, reason);
  }
  void on_sync_complete(SyncId sync) override { record("sync", sync.value); }

 private:
  void record(std::string what, uint64_t value = 0, uint64_t conn = 0, std::string_view reason = {}) {
    shared_.log.push_back(Entry{shared_.sim->now(), context_.self().index, incarnation_, std::move(what), value, conn,
                                std::string(reason)});
  }

  HostContext context_;
  uint64_t incarnation_;
  Shared& shared_;
};

WorldConfig config_with(uint32_t hosts, Duration latency) {
  WorldConfig config;
  config.hosts = hosts;
  config.link.latency_min = latency;
  config.link.latency_max = latency;
  config.disk.sync_latency_min = Duration::millis(1);
  config.disk.sync_latency_max = Duration::millis(1);
  return config;
}

// A started world of recording processes.
struct WorldFixture {
  explicit WorldFixture(const WorldConfig& config, uint64_t seed = 1)
      : sim(seed), world(sim, config, [this](HostContext context, const DiskImage& recovered) {
          std::vector<DiskImage>& images = shared.recovered[context.self().index];
          images.push_back(recovered);
          return std::make_unique<RecordingProcess>(context, images.size(), shared);
        }) {
    shared.sim = &sim;
    sim.trace().keep_records(true);
    world.start_all();
  }

  // Acts as the host's process would (the process exposes nothing more than this context).
  HostContext context(HostId host) { return HostContext(world, host); }
  void run_to_ms(int64_t ms) { sim.run_until(SimTime::from_ms(ms)); }
  void at_ms(int64_t ms, std::function<void()> action) { sim.schedule_at(SimTime::from_ms(ms), std::move(action)); }

  // What `host` handled, excluding starts, as (what, value, time in ms).
  std::vector<Seen> seen(HostId host) const {
    std::vector<Seen> found;
    for (const Entry& entry : shared.log) {
      if (entry.host == host.index && entry.what != "start") {
        found.push_back(Seen{entry.what, entry.value, entry.time.ns / 1'000'000});
      }
    }
    return found;
  }

  std::vector<Entry> entries(HostId host, std::string_view what) const {
    std::vector<Entry> found;
    for (const Entry& entry : shared.log) {
      if (entry.host == host.index && entry.what == what) {
        found.push_back(entry);
      }
    }
    return found;
  }

  std::vector<const TraceRecord*> trace_records(std::string_view kind) {
    std::vector<const TraceRecord*> found;
    for (const TraceRecord& record : sim.trace().records()) {
      if (record.kind == kind) {
        found.push_back(&record);
      }
    }
    return found;
  }

  Simulator sim;
  Shared shared;
  World world;
};

std::vector<uint64_t> seqs_in(const DiskImage& image, const std::string& file) {
  std::vector<uint64_t> seqs;
  auto it = image.find(file);
  if (it != image.end()) {
    for (const DiskRecord& disk_record : it->second) {
      seqs.push_back(seq_of(disk_record.payload));
    }
  }
  return seqs;
}

constexpr HostId kN1{0};
constexpr HostId kN2{1};
constexpr HostId kN3{2};
constexpr HostId kN4{3};

// ---------------------------------------------------------------------------------------------
// World: start-up and determinism

TEST(World, StartAllStartsEveryHostWithAnEmptyDisk) {
  WorldFixture f(config_with(3, Duration::millis(1)));
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(f.world.state(HostId{i}), HostState::kUp);
    EXPECT_EQ(f.world.incarnation(HostId{i}), 1u);
    EXPECT_NE(f.world.process(HostId{i}), nullptr);
    ASSERT_EQ(f.shared.recovered[i].size(), 1u);
    EXPECT_TRUE(f.shared.recovered[i][0].empty());
    EXPECT_EQ(f.entries(HostId{i}, "start").size(), 1u);
  }
}

// A process that chats at random intervals over datagrams and a stream and syncs its disk.
class Chatter final : public Process {
 public:
  Chatter(HostContext context, const DiskImage& recovered) : context_(context), rng_(context.rng()) {
    auto it = recovered.find("log");
    recovered_records_ = it == recovered.end() ? 0 : it->second.size();
  }

  void on_start() override {
    context_.trace(TraceEvent("test.start").add("recovered", static_cast<uint64_t>(recovered_records_)));
    arm();
  }
  void on_message(const Packet& packet) override {
    context_.trace(TraceEvent("test.got").add("from", packet.from).add("seq", seq_of(packet.payload)));
  }
  void on_timer(TimerId /*timer*/, uint64_t /*tag*/) override {
    ++sent_;
    const HostId to{static_cast<uint32_t>(rng_.uniform_u64(context_.hosts()))};
    context_.send(to, message(sent_), 16 + static_cast<uint32_t>(rng_.uniform_u64(100)));
    if (conn_) {
      context_.stream_send(*conn_, message(sent_), 32);
    } else {
      conn_ = context_.connect(HostId{(context_.self().index + 1) % context_.hosts()});
    }
    if (sent_ % 3 == 0) {
      context_.disk().append("log", record(sent_));
      context_.sync();
    }
    arm();
  }
  void on_stream_closed(HostId /*peer*/, ConnId conn, std::string_view /*reason*/) override {
    if (conn_ && *conn_ == conn) {
      conn_.reset();
    }
  }

 private:
  void arm() {
    context_.set_timer_after(Duration{rng_.uniform_int(Duration::millis(1).ns, Duration::millis(20).ns)}, 0);
  }

  HostContext context_;
  Rng rng_;
  size_t recovered_records_ = 0;
  uint64_t sent_ = 0;
  std::optional<ConnId> conn_;
};

struct RunResult {
  uint64_t digest = 0;
  uint64_t records = 0;
  uint64_t delivered = 0;
};

// Random latencies, loss and duplication, and one of each fault.
RunResult run_chatter(uint64_t seed) {
  Simulator sim(seed);
  WorldConfig config;
  config.hosts = 4;
  config.link.latency_min = Duration::millis(1);
  config.link.latency_max = Duration::millis(30);
  config.link.drop_probability = 0.05;
  config.link.duplicate_probability = 0.05;
  World world(sim, config, [](HostContext context, const DiskImage& recovered) {
    return std::make_unique<Chatter>(context, recovered);
  });
  world.start_all();
  auto at_ms = [&sim](int64_t ms, std::function<void()> action) {
    sim.schedule_at(SimTime::from_ms(ms), std::move(action));
  };
  at_ms(500, [&world] { world.network().partition({{kN1, kN2}}); });
  at_ms(900, [&world] { world.network().heal(); });
  at_ms(1200, [&world] { world.crash(kN3); });
  at_ms(1500, [&world] { world.restart(kN3); });
  at_ms(1700, [&world] { world.pause(kN4, Duration::millis(200)); });
  at_ms(2000, [&world] { world.set_clock_drift_ppb(kN1, 50'000'000); });
  at_ms(2200, [&world] { world.clock_step(kN2, Duration::millis(-50)); });
  sim.run_until(SimTime::from_ms(3000));
  return RunResult{sim.trace().digest(), sim.trace().count(), world.network().stats().delivered.messages};
}

TEST(World, SameSeedGivesTheSameTraceDigest) {
  const RunResult first = run_chatter(7);
  const RunResult second = run_chatter(7);
  EXPECT_GT(first.records, 1000u);  // the scenario does enough for the digest to mean something
  EXPECT_GT(first.delivered, 100u);
  EXPECT_EQ(first.digest, second.digest);
  EXPECT_EQ(first.records, second.records);
}

TEST(World, DifferentSeedGivesADifferentTraceDigest) {
  const RunResult seven = run_chatter(7);
  const RunResult eight = run_chatter(8);
  EXPECT_NE(seven.digest, eight.digest);
}

// ---------------------------------------------------------------------------------------------
// WorldTimers

// The global instant a timer fired, or SimTime::max() if it never did.
SimTime fired_at(const WorldFixture& f, HostId host, uint64_t tag) {
  for (const Entry& entry : f.entries(host, "timer")) {
    if (entry.value == tag) {
      return entry.time;
    }
  }
  return SimTime::max();
}

TEST(WorldTimers, FireWhenTheLocalClockReadsTheDeadline) {
  WorldFixture f(config_with(1, Duration::millis(1)));
  f.context(kN1).set_timer_after(Duration::micros(5'123), 1);
  f.context(kN1).set_timer(LocalTime::from_ms(2), 2);
  f.run_to_ms(100);
  EXPECT_EQ(fired_at(f, kN1, 1).ns, 5'123'000);
  EXPECT_EQ(fired_at(f, kN1, 2).ns, 2'000'000);
}

// Drift +20% from t0 = 1 s: local(g) = 1e9 + e + floor(e / 5) with e = g − 1e9.
TEST(WorldTimers, FasterDriftReconvertsAPendingTimer) {
  WorldFixture f(config_with(1, Duration::millis(1)));
  f.context(kN1).set_timer(LocalTime{2'000'000'000}, 1);  // armed before the drift change
  f.at_ms(1000, [&f] { f.world.set_clock_drift_ppb(kN1, 200'000'000); });
  f.at_ms(1500, [&f] {
    EXPECT_EQ(f.context(kN1).now_local().ns, 1'600'000'000);
    f.context(kN1).set_timer(LocalTime{1'900'000'000}, 2);  // armed after it
  });
  f.run_to_ms(5000);
  // e = 833'333'334 is the first with e + floor(e/5) >= 1e9 (833'333'333 gives 999'999'999).
  EXPECT_EQ(fired_at(f, kN1, 1).ns, 1'833'333'334);
  // e = 750'000'000 gives exactly 900'000'000.
  EXPECT_EQ(fired_at(f, kN1, 2).ns, 1'750'000'000);
}

// Drift −10% from t0 = 1 s: local(g) = 1e9 + e + floor(−e / 10).
TEST(WorldTimers, SlowerDriftReconvertsAPendingTimer) {
  WorldFixture f(config_with(1, Duration::millis(1)));
  f.context(kN1).set_timer(LocalTime{2'000'000'000}, 1);
  f.context(kN1).set_timer(LocalTime{500'000'000}, 2);  // due before the change: unaffected
  f.at_ms(1000, [&f] { f.world.set_clock_drift_ppb(kN1, -100'000'000); });
  f.run_to_ms(5000);
  // e = 1'111'111'112: e − 111'111'112 = 1e9; e − 1 gives 999'999'999.
  EXPECT_EQ(fired_at(f, kN1, 1).ns, 2'111'111'112);
  EXPECT_EQ(fired_at(f, kN1, 2).ns, 500'000'000);
}

// floor(a / b) for b > 0.
Int128 floor_div(Int128 a, Int128 b) {
  Int128 quotient = a / b;
  if (a % b != 0 && a < 0) {
    --quotient;
  }
  return quotient;
}

// A naive reading of the clock formula for a clock with drift 0 until t0 and drift_ppb after.
int64_t naive_local(int64_t g, int64_t t0, int64_t drift_ppb) {
  if (g <= t0) {
    return g;
  }
  const int64_t e = g - t0;
  return static_cast<int64_t>(t0 + e + floor_div(static_cast<Int128>(e) * drift_ppb, 1'000'000'000));
}

// The first g >= from with naive_local(g) >= deadline, by bisection.
int64_t naive_fire_time(int64_t deadline, int64_t from, int64_t t0, int64_t drift_ppb) {
  int64_t lo = from;
  if (naive_local(lo, t0, drift_ppb) >= deadline) {
    return lo;
  }
  // The clock runs at least at half speed, so twice the remaining local time is enough.
  int64_t hi = from + 2 * (deadline - naive_local(from, t0, drift_ppb)) + 10;
  CONSIM_ASSERT(naive_local(hi, t0, drift_ppb) >= deadline);
  while (hi - lo > 1) {  // invariant: local(lo) < deadline <= local(hi)
    const int64_t mid = lo + (hi - lo) / 2;
    (naive_local(mid, t0, drift_ppb) >= deadline ? hi : lo) = mid;
  }
  return hi;
}

RC_GTEST_PROP(WorldTimers, FireAtTheFirstGlobalInstantTheDriftingClockReadsTheDeadline, ()) {
  const int64_t t0 = *rc::gen::inRange<int64_t>(1, 2'000'000'000);
  // Slower and faster clocks both, each from its extreme (inRange grows from its lower end).
  const int64_t drift_ppb = *rc::gen::oneOf(rc::gen::inRange<int64_t>(NodeClock::kDriftPpbMin, 0),
                                            rc::gen::inRange<int64_t>(0, NodeClock::kDriftPpbMax + 1));
  const int64_t early_deadline = t0 + *rc::gen::inRange<int64_t>(1, 5'000'000'000);
  const int64_t late_armed_at = t0 + *rc::gen::inRange<int64_t>(0, 1'000'000'000);
  const int64_t late_delay = *rc::gen::inRange<int64_t>(1, 5'000'000'000);

  WorldFixture f(config_with(1, Duration::millis(1)));
  f.context(kN1).set_timer(LocalTime{early_deadline}, 1);
  f.sim.schedule_at(SimTime{t0}, [&f, drift_ppb] { f.world.set_clock_drift_ppb(kN1, drift_ppb); });
  f.sim.schedule_at(SimTime{late_armed_at},
                    [&f, late_delay] { f.context(kN1).set_timer_after(Duration{late_delay}, 2); });
  f.sim.run(1'000);

  const int64_t late_deadline = naive_local(late_armed_at, t0, drift_ppb) + late_delay;
  RC_ASSERT(fired_at(f, kN1, 1).ns == naive_fire_time(early_deadline, 0, t0, drift_ppb));
  RC_ASSERT(fired_at(f, kN1, 2).ns == naive_fire_time(late_deadline, late_armed_at, t0, drift_ppb));
}

TEST(WorldTimers, StepForwardMakesAPendingTimerFireEarlierByTheStep) {
  WorldFixture f(config_with(1, Duration::millis(1)));
  f.context(kN1).set_timer(LocalTime::from_ms(1000), 1);
  f.at_ms(300, [&f] { f.world.clock_step(kN1, Duration::millis(200)); });
  f.run_to_ms(5000);
  EXPECT_EQ(fired_at(f, kN1, 1), SimTime::from_ms(800));
}

TEST(WorldTimers, StepForwardPastTheDeadlineFiresAtOnce) {
  WorldFixture f(config_with(1, Duration::millis(1)));
  f.context(kN1).set_timer(LocalTime::from_ms(1000), 1);
  f.at_ms(300, [&f] { f.world.clock_step(kN1, Duration::seconds(2)); });
  f.run_to_ms(5000);
  EXPECT_EQ(fired_at(f, kN1, 1), SimTime::from_ms(300));
}

TEST(WorldTimers, StepBackMakesAPendingTimerFireLaterByTheStep) {
  WorldFixture f(config_with(1, Duration::millis(1)));
  f.context(kN1).set_timer(LocalTime::from_ms(1000), 1);
  f.at_ms(300, [&f] { f.world.clock_step(kN1, Duration::millis(-200)); });
  f.run_to_ms(5000);
  EXPECT_EQ(fired_at(f, kN1, 1), SimTime::from_ms(1200));
  EXPECT_EQ(f.world.clock(kN1).local_at(SimTime::from_ms(1200)), LocalTime::from_ms(1000));
}

TEST(WorldTimers, CancelledTimerNeverFires) {
  WorldFixture f(config_with(1, Duration::millis(1)));
  const TimerId cancelled = f.context(kN1).set_timer(LocalTime::from_ms(100), 1);
  f.context(kN1).set_timer(LocalTime::from_ms(200), 2);
  f.at_ms(50, [&f, cancelled] { EXPECT_TRUE(f.context(kN1).cancel_timer(cancelled)); });
  f.run_to_ms(1000);
  EXPECT_EQ(f.seen(kN1), (std::vector<Seen>{{"timer", 2, 200}}));
  EXPECT_FALSE(f.context(kN1).cancel_timer(cancelled));  // already gone
}

// ---------------------------------------------------------------------------------------------
// WorldCrash

TEST(WorldCrash, CrashDropsTheProcessItsTimersAndItsConnections) {
  WorldFixture f(config_with(2, Duration::millis(1)));
  const std::optional<ConnId> conn = f.context(kN1).connect(kN2);
  ASSERT_TRUE(conn.has_value());
  f.run_to_ms(10);
  ASSERT_EQ(f.entries(kN2, "opened").size(), 1u);
  f.context(kN2).set_timer(LocalTime::from_ms(100), 7);

  f.at_ms(50, [&f] { f.world.crash(kN2); });
  f.run_to_ms(55);
  EXPECT_EQ(f.world.state(kN2), HostState::kCrashed);
  EXPECT_EQ(f.world.process(kN2), nullptr);
  EXPECT_EQ(f.shared.destroyed, 1u);
  EXPECT_FALSE(f.world.network().is_open(*conn));
  EXPECT_FALSE(f.context(kN1).stream_send(*conn, message(1), 8));
  const std::vector<Entry> closed = f.entries(kN1, "closed");
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].conn, conn->value);
  EXPECT_EQ(closed[0].reason, "host_down");
  EXPECT_EQ(closed[0].time, SimTime::from_ms(50));

  // Restarted before the old timer's deadline: the new process must not inherit it.
  f.at_ms(60, [&f] { f.world.restart(kN2); });
  f.run_to_ms(1000);
  EXPECT_EQ(f.world.state(kN2), HostState::kUp);
  EXPECT_EQ(f.world.incarnation(kN2), 2u);
  EXPECT_EQ(f.entries(kN2, "timer").size(), 0u);
  EXPECT_EQ(f.entries(kN2, "closed").size(), 0u);
  const std::vector<Entry> starts = f.entries(kN2, "start");
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[1].incarnation, 2u);
  EXPECT_EQ(starts[1].time, SimTime::from_ms(60));
}

TEST(WorldCrash, RestartAtTheCrashInstantIsNotToldOfItsPredecessorsConnections) {
  WorldFixture f(config_with(2, Duration::millis(1)));
  const std::optional<ConnId> conn = f.context(kN1).connect(kN2);
  ASSERT_TRUE(conn.has_value());
  f.run_to_ms(10);
  ASSERT_EQ(f.entries(kN2, "opened").size(), 1u);
  f.at_ms(50, [&f] {
    f.world.crash(kN2);
    f.world.restart(kN2);
  });
  f.run_to_ms(100);
  EXPECT_EQ(f.world.incarnation(kN2), 2u);
  // The surviving end learns the connection died; the new process never knew it.
  ASSERT_EQ(f.entries(kN1, "closed").size(), 1u);
  EXPECT_EQ(f.entries(kN1, "closed")[0].reason, "host_down");
  EXPECT_EQ(f.entries(kN2, "closed").size(), 0u);
}

TEST(WorldCrash, DatagramsToACrashedHostAreDropped) {
  WorldFixture f(config_with(2, Duration::millis(10)));
  f.at_ms(5, [&f] { f.context(kN1).send(kN2, message(1), 8); });  // in flight at the crash
  f.at_ms(10, [&f] { f.world.crash(kN2); });
  f.at_ms(20, [&f] { f.context(kN1).send(kN2, message(2), 8); });  // sent while it is down
  f.at_ms(40, [&f] { f.world.restart(kN2); });
  f.at_ms(50, [&f] { f.context(kN1).send(kN2, message(3), 8); });
  f.run_to_ms(200);

  const std::vector<Entry> messages = f.entries(kN2, "message");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].value, 3u);
  EXPECT_EQ(messages[0].incarnation, 2u);
  EXPECT_EQ(messages[0].time, SimTime::from_ms(60));
  int host_down_drops = 0;
  for (const TraceRecord* drop : f.trace_records("net.drop")) {
    const std::string* reason = drop->string_field("reason");
    host_down_drops += reason != nullptr && *reason == "host_down" ? 1 : 0;
  }
  EXPECT_EQ(host_down_drops, 2);
}

TEST(WorldCrash, ConnectToACrashedHostFails) {
  WorldFixture f(config_with(2, Duration::millis(1)));
  f.world.crash(kN2);
  EXPECT_EQ(f.context(kN1).connect(kN2), std::nullopt);
  f.world.restart(kN2);
  EXPECT_TRUE(f.context(kN1).connect(kN2).has_value());
}

TEST(WorldCrash, RestartRecoversSyncedWritesAndLosesUnsyncedOnes) {
  WorldConfig config = config_with(1, Duration::millis(1));
  config.disk.sync_latency_min = Duration::millis(5);
  config.disk.sync_latency_max = Duration::millis(5);
  WorldFixture f(config);
  f.context(kN1).disk().append("log", record(1));
  f.context(kN1).disk().append("log", record(2));
  f.context(kN1).sync();  // completes at 5 ms
  f.at_ms(10, [&f] {
    f.context(kN1).disk().append("log", record(3));
    f.context(kN1).sync();  // would complete at 15 ms
    f.context(kN1).disk().append("log", record(4));
    f.context(kN1).disk().append("other", record(5));
  });
  f.at_ms(12, [&f] {
    EXPECT_EQ(seqs_in(f.world.disk(kN1).current(), "log"), (std::vector<uint64_t>{1, 2, 3, 4}));
    f.world.crash(kN1);
  });
  f.at_ms(20, [&f] { f.world.restart(kN1); });
  f.run_to_ms(100);

  ASSERT_EQ(f.shared.recovered[0].size(), 2u);
  const DiskImage& recovered = f.shared.recovered[0][1];
  EXPECT_EQ(seqs_in(recovered, "log"), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(recovered.count("other"), 0u);
  EXPECT_EQ(f.world.disk(kN1).stats().writes_lost, 3u);
  // Only the first sync was acknowledged, and to the first incarnation.
  const std::vector<Entry> syncs = f.entries(kN1, "sync");
  ASSERT_EQ(syncs.size(), 1u);
  EXPECT_EQ(syncs[0].incarnation, 1u);
  EXPECT_EQ(syncs[0].time, SimTime::from_ms(5));
}

TEST(WorldCrash, SyncCompletionIsNeverDeliveredAfterACrash) {
  WorldFixture f(config_with(1, Duration::millis(1)));
  f.context(kN1).disk().append("log", record(1));
  const SyncId lost = f.context(kN1).sync();
  // Crashed and restarted at once, so a new process is there to receive a stray completion.
  f.world.crash(kN1);
  f.world.restart(kN1);
  f.context(kN1).disk().append("log", record(2));
  const SyncId kept = f.context(kN1).sync();
  ASSERT_NE(lost, kept);
  f.run_to_ms(100);

  const std::vector<Entry> syncs = f.entries(kN1, "sync");
  ASSERT_EQ(syncs.size(), 1u);
  EXPECT_EQ(syncs[0].value, kept.value);
  EXPECT_EQ(syncs[0].incarnation, 2u);
  EXPECT_EQ(seqs_in(f.world.disk(kN1).durable(), "log"), std::vector<uint64_t>{2});
}

TEST(WorldCrash, SyncCompletedDuringAPauseIsLostIfTheHostCrashes) {
  WorldFixture f(config_with(1, Duration::millis(1)));
  f.context(kN1).disk().append("log", record(1));
  f.context(kN1).sync();  // completes at 1 ms, while the host is paused
  f.world.pause(kN1, Duration::millis(10));
  f.at_ms(5, [&f] { f.world.crash(kN1); });
  f.at_ms(6, [&f] { f.world.restart(kN1); });
  f.run_to_ms(100);

  EXPECT_EQ(f.entries(kN1, "sync").size(), 0u);
  // The write itself was durable before the crash: the disk acknowledged it.
  EXPECT_EQ(seqs_in(f.shared.recovered[0][1], "log"), std::vector<uint64_t>{1});
}

// ---------------------------------------------------------------------------------------------
// WorldPause

// n2 has timers due at 30 ms and 70 ms and is paused from 10 ms to 110 ms; n1 sends to it at 20,
// 50, 90 and 150 ms (arriving 1 ms later).
void schedule_pause_scenario(WorldFixture& f) {
  f.context(kN2).set_timer(LocalTime::from_ms(30), 30);
  f.context(kN2).set_timer(LocalTime::from_ms(70), 70);
  f.at_ms(10, [&f] { f.world.pause(kN2, Duration::millis(100)); });
  uint64_t seq = 0;
  for (int64_t ms : {20, 50, 90, 150}) {
    f.at_ms(ms, [&f, next = ++seq] { f.context(kN1).send(kN2, message(next), 8); });
  }
}

TEST(WorldPause, WhatArrivesDuringAPauseIsHandledAtResumeInArrivalOrder) {
  WorldFixture f(config_with(2, Duration::millis(1)));
  schedule_pause_scenario(f);
  f.context(kN1).set_timer(LocalTime::from_ms(60), 60);  // n1 is not paused
  f.run_to_ms(60);
  EXPECT_EQ(f.world.state(kN2), HostState::kPaused);
  EXPECT_EQ(f.seen(kN2), std::vector<Seen>{});  // nothing handled while paused
  EXPECT_EQ(f.seen(kN1), (std::vector<Seen>{{"timer", 60, 60}}));
  f.run_to_ms(300);

  EXPECT_EQ(f.world.state(kN2), HostState::kUp);
  EXPECT_EQ(f.seen(kN2), (std::vector<Seen>{{"message", 1, 110},
                                            {"timer", 30, 110},
                                            {"message", 2, 110},
                                            {"timer", 70, 110},
                                            {"message", 3, 110},
                                            {"message", 4, 151}}));
}

TEST(WorldPause, CrashDuringAPauseLosesWhatWasWaiting) {
  WorldFixture f(config_with(2, Duration::millis(1)));
  schedule_pause_scenario(f);
  f.at_ms(95, [&f] { f.world.crash(kN2); });
  f.at_ms(140, [&f] { f.world.restart(kN2); });
  f.run_to_ms(300);

  for (const Entry& entry : f.shared.log) {
    if (entry.host == kN2.index && entry.incarnation == 1) {
      EXPECT_EQ(entry.what, "start") << entry.what << " " << entry.value << " handled by the crashed process";
    }
  }
  EXPECT_EQ(f.seen(kN2), (std::vector<Seen>{{"message", 4, 151}}));
  const std::vector<const TraceRecord*> crashes = f.trace_records("host.crash");
  ASSERT_EQ(crashes.size(), 1u);
  ASSERT_NE(crashes[0]->int_field("deferred"), nullptr);
  EXPECT_EQ(*crashes[0]->int_field("deferred"), 5);  // three messages and two timer expiries
}

TEST(WorldPause, CancelledTimerWhoseExpiryWasDeferredDoesNotFire) {
  WorldFixture f(config_with(2, Duration::millis(1)));
  const TimerId doomed = f.context(kN2).set_timer(LocalTime::from_ms(50), 50);
  f.context(kN2).set_timer(LocalTime::from_ms(60), 60);
  std::optional<bool> cancel_result;
  // Handling the message (it arrived first) cancels the timer whose expiry is already waiting.
  f.shared.on_message = [&cancel_result, doomed](HostContext& context, const Packet& /*packet*/) {
    cancel_result = context.cancel_timer(doomed);
  };
  f.at_ms(10, [&f] { f.world.pause(kN2, Duration::millis(100)); });
  f.at_ms(20, [&f] { f.context(kN1).send(kN2, message(1), 8); });
  f.run_to_ms(300);

  EXPECT_EQ(cancel_result, std::optional<bool>(true));
  EXPECT_EQ(f.seen(kN2), (std::vector<Seen>{{"message", 1, 110}, {"timer", 60, 110}}));
}

TEST(WorldPause, PauseDuringAPauseExtendsIt) {
  WorldFixture f(config_with(2, Duration::millis(1)));
  f.at_ms(10, [&f] { f.world.pause(kN2, Duration::millis(100)); });  // until 110
  f.at_ms(50, [&f] { f.world.pause(kN2, Duration::millis(100)); });  // until 150
  f.at_ms(60, [&f] { f.world.pause(kN2, Duration::millis(10)); });   // within it: no change
  f.at_ms(20, [&f] { f.context(kN1).send(kN2, message(1), 8); });
  f.run_to_ms(300);
  EXPECT_EQ(f.seen(kN2), (std::vector<Seen>{{"message", 1, 150}}));
}

TEST(WorldPause, AcceptorIsToldOfAStreamBeforeItsDataAfterAPause) {
  WorldFixture f(config_with(2, Duration::millis(1)));
  f.world.pause(kN2, Duration::millis(100));
  std::optional<ConnId> conn;
  f.at_ms(10, [&f, &conn] {
    conn = f.context(kN1).connect(kN2);
    ASSERT_TRUE(conn.has_value());
    EXPECT_TRUE(f.context(kN1).stream_send(*conn, message(1), 8));
    EXPECT_TRUE(f.context(kN1).stream_send(*conn, message(2), 8));
    f.context(kN1).close(*conn);  // the FIN, too, arrives while n2 is paused
  });
  f.run_to_ms(300);

  ASSERT_TRUE(conn.has_value());
  EXPECT_EQ(f.seen(kN2),
            (std::vector<Seen>{{"opened", 0, 100}, {"message", 1, 100}, {"message", 2, 100}, {"closed", 0, 100}}));
  for (const Entry& entry : f.entries(kN2, "opened")) {
    EXPECT_EQ(entry.conn, conn->value);
  }
}

}  // namespace
}  // namespace consim::sim
