// Tests for sim/disk: pending writes, syncs that complete in order, crashes that keep exactly the
// synced prefix (optionally tearing the first lost append), and the lying-sync fault.
#include "sim/disk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/time.h"
#include "sim/payload.h"
#include "sim/simulator.h"

namespace consim::sim {
namespace {

class Tag final : public Payload {
 public:
  explicit Tag(std::string name) : name_(std::move(name)) {}
  std::string_view kind() const override { return name_; }

 private:
  std::string name_;
};

DiskRecord rec(std::string name, uint32_t bytes = 10) {
  return DiskRecord{std::make_shared<const Tag>(std::move(name)), bytes, false};
}

std::vector<DiskRecord> recs(std::initializer_list<std::string> names) {
  std::vector<DiskRecord> records;
  for (const std::string& name : names) {
    records.push_back(rec(name));
  }
  return records;
}

// "file=[a,b~]; other=[]": every file and record, a torn record marked with '~'.
std::string show(const DiskImage& image) {
  std::string text;
  for (const auto& [file, records] : image) {
    if (!text.empty()) {
      text += "; ";
    }
    text += file + "=[";
    for (size_t i = 0; i < records.size(); ++i) {
      text += i == 0 ? "" : ",";
      text += std::string(records[i].payload->kind());
      text += records[i].torn ? "~" : "";
    }
    text += "]";
  }
  return text;
}

DiskParams fixed_latency(Duration latency) {
  DiskParams params;
  params.sync_latency_min = latency;
  params.sync_latency_max = latency;
  return params;
}

// Requests a sync and runs the simulator until it completes; returns whether it did.
bool sync_and_wait(Simulator& sim, Disk& disk) {
  bool done = false;
  disk.sync([&done](SyncId) { done = true; });
  sim.run(1'000);
  return done;
}

TEST(Disk, WritesAreNotDurableUntilASyncCompletes) {
  Simulator sim(1);
  Disk disk(sim, HostId{0}, DiskParams{});  // latency 0.5 .. 2 ms
  disk.append("log", rec("a"));
  disk.append("log", rec("b"));
  EXPECT_EQ(show(disk.durable()), "");
  EXPECT_EQ(show(disk.current()), "log=[a,b]");
  EXPECT_EQ(disk.pending_writes(), 2u);

  std::vector<SyncId> completed;
  std::string durable_in_callback;
  SimTime completed_at;
  const SyncId id = disk.sync([&](SyncId done) {
    completed.push_back(done);
    durable_in_callback = show(disk.durable());
    completed_at = sim.now();
  });
  EXPECT_EQ(id.value, 1u);
  disk.append("log", rec("c"));  // issued after the sync request: not covered by it

  sim.run_until(SimTime{0} + Duration::micros(499));
  EXPECT_TRUE(completed.empty());
  EXPECT_EQ(show(disk.durable()), "");

  sim.run(100);
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0], id);
  EXPECT_EQ(durable_in_callback, "log=[a,b]");
  EXPECT_EQ(show(disk.durable()), "log=[a,b]");
  EXPECT_EQ(show(disk.current()), "log=[a,b,c]");
  EXPECT_EQ(disk.pending_writes(), 1u);
  EXPECT_GE(completed_at, SimTime{0} + Duration::micros(500));
  EXPECT_LE(completed_at, SimTime{0} + Duration::millis(2));
}

TEST(Disk, SyncLatencyStaysWithinConfiguredBounds) {
  Simulator sim(2);
  DiskParams params;
  params.sync_latency_min = Duration::micros(100);
  params.sync_latency_max = Duration::micros(300);
  Disk disk(sim, HostId{1}, params);
  Duration shortest = Duration::seconds(1);
  Duration longest = Duration::zero();
  for (int i = 0; i < 300; ++i) {
    const SimTime start = sim.now();
    ASSERT_TRUE(sync_and_wait(sim, disk));
    const Duration latency = sim.now() - start;
    shortest = std::min(shortest, latency);
    longest = std::max(longest, latency);
  }
  EXPECT_GE(shortest, Duration::micros(100));
  EXPECT_LE(longest, Duration::micros(300));
  EXPECT_LT(shortest, Duration::micros(110));  // the range is actually sampled, not pinned
  EXPECT_GT(longest, Duration::micros(290));
}

TEST(Disk, CrashLosesUnsyncedWritesAndKeepsSyncedOnes) {
  Simulator sim(1);
  Disk disk(sim, HostId{0}, DiskParams{});
  disk.append("log", rec("a"));
  disk.append("meta", rec("m"));
  ASSERT_TRUE(sync_and_wait(sim, disk));
  disk.append("log", rec("b"));
  disk.append("other", rec("x"));
  EXPECT_EQ(show(disk.current()), "log=[a,b]; meta=[m]; other=[x]");
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "log=[a]; meta=[m]");
  EXPECT_EQ(show(disk.current()), "log=[a]; meta=[m]");
  EXPECT_EQ(disk.pending_writes(), 0u);
}

TEST(Disk, SyncInFlightAtCrashNeverCompletesAndItsWritesAreLost) {
  Simulator sim(1);
  Disk disk(sim, HostId{0}, DiskParams{});
  disk.append("log", rec("a"));
  ASSERT_TRUE(sync_and_wait(sim, disk));

  disk.append("log", rec("b"));
  bool in_flight_done = false;
  disk.sync([&](SyncId) { in_flight_done = true; });
  sim.run_until(sim.now() + Duration::micros(100));  // before the earliest completion
  disk.crash();
  sim.run(1'000);
  EXPECT_FALSE(in_flight_done);
  EXPECT_EQ(show(disk.durable()), "log=[a]");
  EXPECT_EQ(disk.stats().syncs, 2u);
  EXPECT_EQ(disk.stats().syncs_completed, 1u);

  // The disk works again after the restart: a new sync completes and persists new writes only.
  disk.append("log", rec("c"));
  EXPECT_TRUE(sync_and_wait(sim, disk));
  EXPECT_FALSE(in_flight_done);
  EXPECT_EQ(show(disk.durable()), "log=[a,c]");
}

TEST(Disk, SyncAfterACrashIsNotHeldBackByLostSyncs) {
  Simulator sim(1);
  Disk disk(sim, HostId{0}, fixed_latency(Duration::millis(10)));
  disk.append("log", rec("a"));
  disk.sync(nullptr);  // would complete at 10 ms
  sim.run_until(SimTime::from_ms(1));
  disk.crash();
  disk.set_params(fixed_latency(Duration::millis(1)));
  disk.append("log", rec("b"));
  SimTime done_at;
  disk.sync([&](SyncId) { done_at = sim.now(); });
  sim.run(100);
  EXPECT_EQ(done_at, SimTime::from_ms(2));
  EXPECT_EQ(show(disk.durable()), "log=[b]");
}

TEST(Disk, ALostSyncsCompletionTimeDoesNotCompleteALaterSync) {
  Simulator sim(1);
  Disk disk(sim, HostId{0}, fixed_latency(Duration::millis(10)));
  disk.append("log", rec("a"));
  disk.sync(nullptr);  // lost: its completion event still fires at 10 ms
  sim.run_until(SimTime::from_ms(1));
  disk.crash();
  disk.set_params(fixed_latency(Duration::millis(20)));
  disk.append("log", rec("b"));
  SimTime done_at;
  disk.sync([&](SyncId) { done_at = sim.now(); });
  sim.run_until(SimTime::from_ms(15));
  EXPECT_EQ(done_at, SimTime{});
  EXPECT_EQ(show(disk.durable()), "");
  sim.run(100);
  EXPECT_EQ(done_at, SimTime::from_ms(21));
  EXPECT_EQ(show(disk.durable()), "log=[b]");
}

TEST(Disk, SyncsCompleteInRequestOrderEvenWhenLatenciesWouldReorderThem) {
  // Latency 0 .. 10 ms, the second sync requested 1 ms after the first: whenever the second
  // sample is more than 1 ms shorter, the second sync must wait for the first.
  DiskParams params;
  params.sync_latency_min = Duration::zero();
  params.sync_latency_max = Duration::millis(10);
  int clamped = 0;
  for (uint32_t host = 0; host < 100; ++host) {
    Simulator sim(7);
    Disk disk(sim, HostId{host}, params);
    std::vector<std::pair<int, SimTime>> done;
    std::vector<std::string> durable_seen;
    disk.append("log", rec("a"));
    disk.sync([&](SyncId) {
      done.emplace_back(1, sim.now());
      durable_seen.push_back(show(disk.durable()));
    });
    sim.run_until(SimTime{0} + Duration::millis(1));
    disk.append("log", rec("b"));
    disk.sync([&](SyncId) {
      done.emplace_back(2, sim.now());
      durable_seen.push_back(show(disk.durable()));
    });
    sim.run(100);
    ASSERT_EQ(done.size(), 2u) << "host " << host;
    EXPECT_EQ(done[0].first, 1) << "host " << host;
    EXPECT_EQ(done[1].first, 2) << "host " << host;
    EXPECT_LE(done[0].second, done[1].second) << "host " << host;
    EXPECT_EQ(durable_seen, (std::vector<std::string>{"log=[a]", "log=[a,b]"})) << "host " << host;
    clamped += done[0].second == done[1].second ? 1 : 0;
  }
  // The reordering case really happened (about 40% of hosts); otherwise the test proves nothing.
  EXPECT_GT(clamped, 10);
}

TEST(Disk, TruncateSuffixKeepsThePrefixAndSurvivesCrashOnlyWhenSynced) {
  Simulator sim(1);
  Disk disk(sim, HostId{0}, DiskParams{});
  disk.replace("log", recs({"a", "b", "c", "d"}));
  ASSERT_TRUE(sync_and_wait(sim, disk));

  disk.truncate_suffix("log", 2);
  EXPECT_EQ(show(disk.current()), "log=[a,b]");
  EXPECT_EQ(show(disk.durable()), "log=[a,b,c,d]");
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "log=[a,b,c,d]");

  disk.truncate_suffix("log", 2);
  disk.truncate_suffix("log", 10);    // keeping more than there is changes nothing
  disk.truncate_suffix("absent", 0);  // truncating a missing file does not create it
  ASSERT_TRUE(sync_and_wait(sim, disk));
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "log=[a,b]");

  disk.truncate_suffix("log", 0);
  ASSERT_TRUE(sync_and_wait(sim, disk));
  EXPECT_EQ(show(disk.durable()), "log=[]");
}

TEST(Disk, TruncatePrefixDropsTheFirstRecordsAndSurvivesCrashOnlyWhenSynced) {
  Simulator sim(1);
  Disk disk(sim, HostId{0}, DiskParams{});
  disk.replace("log", recs({"a", "b", "c", "d"}));
  ASSERT_TRUE(sync_and_wait(sim, disk));

  disk.truncate_prefix("log", 1);
  EXPECT_EQ(show(disk.current()), "log=[b,c,d]");
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "log=[a,b,c,d]");

  disk.truncate_prefix("log", 3);
  disk.truncate_prefix("absent", 1);
  ASSERT_TRUE(sync_and_wait(sim, disk));
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "log=[d]");

  disk.truncate_prefix("log", 5);  // dropping more than there is empties the file
  EXPECT_EQ(show(disk.current()), "log=[]");
}

TEST(Disk, ReplaceIsAtomicAndSurvivesCrashOnlyWhenSynced) {
  Simulator sim(1);
  Disk disk(sim, HostId{0}, DiskParams{});
  disk.replace("snapshot", recs({"s1", "s2"}));
  ASSERT_TRUE(sync_and_wait(sim, disk));

  disk.replace("snapshot", recs({"t1"}));
  EXPECT_EQ(show(disk.current()), "snapshot=[t1]");
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "snapshot=[s1,s2]");  // old version whole, never a mix

  disk.replace("snapshot", recs({"t1"}));
  ASSERT_TRUE(sync_and_wait(sim, disk));
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "snapshot=[t1]");

  disk.replace("snapshot", {});
  ASSERT_TRUE(sync_and_wait(sim, disk));
  EXPECT_EQ(show(disk.durable()), "snapshot=[]");
}

TEST(Disk, RemoveDeletesTheFileAndSurvivesCrashOnlyWhenSynced) {
  Simulator sim(1);
  Disk disk(sim, HostId{0}, DiskParams{});
  disk.append("a", rec("x"));
  disk.append("b", rec("y"));
  ASSERT_TRUE(sync_and_wait(sim, disk));

  disk.remove("a");
  EXPECT_EQ(show(disk.current()), "b=[y]");
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "a=[x]; b=[y]");

  disk.remove("a");
  disk.remove("never");
  ASSERT_TRUE(sync_and_wait(sim, disk));
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "b=[y]");

  // Writing to a removed file starts it afresh.
  disk.remove("b");
  disk.append("b", rec("z"));
  ASSERT_TRUE(sync_and_wait(sim, disk));
  EXPECT_EQ(show(disk.durable()), "b=[z]");
}

// After any crash, the durable image is what current() showed when the last completed sync was
// requested. Drives a deterministic random mix of every operation against that rule.
TEST(Disk, DurableImageAfterCrashIsTheImageAtTheLastCompletedSync) {
  Simulator sim(3);
  Rng rng = sim.rng("test");
  Disk disk(sim, HostId{0}, DiskParams{});
  const std::vector<std::string> files{"log", "meta", "snap"};
  std::string expected_after_crash;  // show(current()) as of the last completed sync request
  int name = 0;
  int syncs_completed = 0;
  for (int round = 0; round < 300; ++round) {
    const std::string& file = files[rng.uniform_u64(files.size())];
    switch (rng.uniform_u64(8)) {
      case 0:
      case 1:
      case 2:
        disk.append(file, rec("r" + std::to_string(name++)));
        break;
      case 3:
        disk.truncate_suffix(file, rng.uniform_u64(4));
        break;
      case 4:
        disk.truncate_prefix(file, rng.uniform_u64(3));
        break;
      case 5:
        disk.replace(file, recs({"p" + std::to_string(name++), "q" + std::to_string(name++)}));
        break;
      case 6:
        disk.remove(file);
        break;
      default: {
        const std::string at_request = show(disk.current());
        disk.sync([&, at_request](SyncId) {
          expected_after_crash = at_request;
          ++syncs_completed;
        });
        break;
      }
    }
    sim.run_until(sim.now() + Duration::micros(static_cast<int64_t>(rng.uniform_u64(1'500))));
    if (rng.bernoulli(0.05)) {
      disk.crash();
      ASSERT_EQ(show(disk.durable()), expected_after_crash) << "round " << round;
      ASSERT_EQ(show(disk.current()), expected_after_crash) << "round " << round;
    }
  }
  EXPECT_GT(syncs_completed, 10);
  EXPECT_GT(disk.stats().crashes, 5u);
}

TEST(Disk, TornWriteLeavesTheFirstLostAppendMarkedTorn) {
  Simulator sim(1);
  DiskParams params;
  params.torn_write_probability = 1.0;
  Disk disk(sim, HostId{0}, params);
  disk.append("log", rec("a", 40));
  ASSERT_TRUE(sync_and_wait(sim, disk));
  disk.append("log", rec("b", 100));
  disk.append("log", rec("c", 100));
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "log=[a,b~]");
  const DiskRecord& torn = disk.durable().at("log").back();
  EXPECT_TRUE(torn.torn);
  EXPECT_LT(torn.bytes, 100u);  // only part of it reached the platter
  EXPECT_FALSE(disk.durable().at("log").front().torn);

  // Only an append can tear: a lost truncation first in line leaves nothing torn.
  disk.truncate_suffix("log", 1);
  disk.append("log", rec("d"));
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "log=[a,b~]");

  // Nothing pending, nothing torn.
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "log=[a,b~]");
}

TEST(Disk, TornWriteCanStartANewFile) {
  Simulator sim(1);
  DiskParams params;
  params.torn_write_probability = 1.0;
  Disk disk(sim, HostId{0}, params);
  disk.append("fresh", rec("x"));
  disk.crash();
  EXPECT_EQ(show(disk.durable()), "fresh=[x~]");
}

TEST(Disk, ZeroTornWriteProbabilityNeverTears) {
  for (uint32_t host = 0; host < 200; ++host) {
    Simulator sim(host);
    Disk disk(sim, HostId{host}, DiskParams{});
    disk.append("log", rec("a"));
    disk.crash();
    ASSERT_EQ(show(disk.durable()), "") << "host " << host;
  }
}

TEST(Disk, IntermediateTornWriteProbabilityTearsSometimes) {
  DiskParams params;
  params.torn_write_probability = 0.5;
  int torn = 0;
  for (uint32_t host = 0; host < 200; ++host) {
    Simulator sim(9);
    Disk disk(sim, HostId{host}, params);
    disk.append("log", rec("a"));
    disk.crash();
    torn += disk.durable().contains("log") ? 1 : 0;
  }
  EXPECT_GT(torn, 60);
  EXPECT_LT(torn, 140);
}

TEST(Disk, LyingSyncReportsSuccessButPersistsNothing) {
  Simulator sim(1);
  Disk disk(sim, HostId{0}, DiskParams{});
  disk.append("log", rec("a"));
  ASSERT_TRUE(sync_and_wait(sim, disk));

  DiskParams lying;
  lying.lying_sync = true;
  disk.set_params(lying);
  EXPECT_TRUE(disk.params().lying_sync);
  disk.append("log", rec("b"));
  disk.replace("meta", recs({"m"}));
  EXPECT_TRUE(sync_and_wait(sim, disk));  // the callback does run
  EXPECT_EQ(show(disk.durable()), "log=[a]");
  EXPECT_EQ(show(disk.current()), "log=[a,b]; meta=[m]");
  EXPECT_EQ(disk.pending_writes(), 2u);
  EXPECT_EQ(disk.stats().syncs_completed, 2u);

  disk.crash();
  EXPECT_EQ(show(disk.durable()), "log=[a]");
  EXPECT_EQ(show(disk.current()), "log=[a]");
}

TEST(Disk, StatsCountWritesBytesSyncsCrashesAndLostWrites) {
  Simulator sim(1);
  Disk disk(sim, HostId{0}, DiskParams{});
  disk.append("log", rec("a", 100));
  disk.append("log", rec("b", 20));
  disk.replace("snap", {rec("s", 7), rec("t", 8)});
  ASSERT_TRUE(sync_and_wait(sim, disk));
  disk.truncate_suffix("log", 1);
  disk.truncate_prefix("log", 1);
  disk.remove("snap");
  disk.sync(nullptr);  // in flight at the crash
  disk.crash();

  const DiskStats& stats = disk.stats();
  EXPECT_EQ(stats.writes, 6u);
  EXPECT_EQ(stats.bytes_written, 135u);
  EXPECT_EQ(stats.syncs, 2u);
  EXPECT_EQ(stats.syncs_completed, 1u);
  EXPECT_EQ(stats.crashes, 1u);
  EXPECT_EQ(stats.writes_lost, 3u);
  sim.run(100);
  EXPECT_EQ(disk.stats().syncs_completed, 1u);
}

TEST(Disk, EmitsTraceRecordsForSyncsAndCrashes) {
  Simulator sim(1);
  sim.trace().keep_records(true);
  Disk disk(sim, HostId{2}, fixed_latency(Duration::millis(1)));
  disk.append("log", rec("a"));
  ASSERT_TRUE(sync_and_wait(sim, disk));
  disk.append("log", rec("b"));
  disk.crash();

  const std::vector<TraceRecord>& records = sim.trace().records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].kind, "disk.sync");
  EXPECT_EQ(records[0].time, SimTime{0});
  ASSERT_TRUE(records[0].node.has_value());
  EXPECT_EQ(*records[0].node, HostId{2});
  ASSERT_NE(records[0].int_field("latency_ns"), nullptr);
  EXPECT_EQ(*records[0].int_field("latency_ns"), 1'000'000);
  EXPECT_EQ(records[1].kind, "disk.synced");
  EXPECT_EQ(records[1].time, SimTime::from_ms(1));
  ASSERT_NE(records[1].int_field("durable_writes"), nullptr);
  EXPECT_EQ(*records[1].int_field("durable_writes"), 1);
  EXPECT_EQ(records[2].kind, "disk.crash");
  ASSERT_NE(records[2].int_field("lost_writes"), nullptr);
  EXPECT_EQ(*records[2].int_field("lost_writes"), 1);
}

TEST(Disk, SameSeedAndHostGiveTheSameSyncTimes) {
  auto completion_times = [](uint64_t seed, uint32_t host) {
    Simulator sim(seed);
    Disk disk(sim, HostId{host}, DiskParams{});
    std::vector<int64_t> times;
    for (int i = 0; i < 20; ++i) {
      disk.sync([&](SyncId) { times.push_back(sim.now().ns); });
      sim.run(10);
    }
    return times;
  };
  EXPECT_EQ(completion_times(4, 1), completion_times(4, 1));
  EXPECT_NE(completion_times(4, 1), completion_times(4, 2));
  EXPECT_NE(completion_times(4, 1), completion_times(5, 1));
}

TEST(Disk, ParamsValidateRejectsBadValues) {
  EXPECT_EQ(DiskParams{}.validate(), "");
  DiskParams negative;
  negative.sync_latency_min = Duration::nanos(-1);
  EXPECT_NE(negative.validate(), "");
  DiskParams inverted;
  inverted.sync_latency_min = Duration::millis(3);
  inverted.sync_latency_max = Duration::millis(2);
  EXPECT_NE(inverted.validate(), "");
  for (const double p : {-0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    DiskParams torn;
    torn.torn_write_probability = p;
    EXPECT_NE(torn.validate(), "") << p;
  }
  DiskParams edge;
  edge.torn_write_probability = 1.0;
  edge.sync_latency_min = Duration::zero();
  edge.sync_latency_max = Duration::zero();
  EXPECT_EQ(edge.validate(), "");
}

}  // namespace
}  // namespace consim::sim
