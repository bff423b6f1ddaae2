// ZAB under random faults on 3, 5 and 7 servers with a steady write load: partitions
// (disconnects), crashes (some right before a Ready's sync), restarts, pauses, clock steps and
// drift, message loss (which resets the FIFO streams) and latency changes. Safety: the online
// invariants hold after every event and no zxid is ever applied with two different commands.
// Liveness: once everything heals a write commits on every server, and every server converges on
// the same applied history.
#include <gtest/gtest.h>

#include <string>

#include "harness/zab_cluster.h"

namespace consim::harness {
namespace {

using protocols::NodeId;

// splitmix64: the test's own deterministic draws.
struct Draws {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t bound) { return next() % bound; }
};

struct Outcome {
  std::string failure;  // empty: the run held
  uint64_t commits = 0;
};

sim::LinkParams link(Draws& draws) {
  sim::LinkParams params;
  params.latency_min = Duration::millis(1);
  params.latency_max = Duration::millis(1 + static_cast<int64_t>(draws.below(30)));
  params.drop_probability = draws.below(3) == 0 ? 0.002 * static_cast<double>(draws.below(5)) : 0.0;
  return params;
}

Outcome run_random(uint32_t nodes, uint64_t seed) {
  ZabClusterOptions options;
  options.nodes = nodes;
  options.seed = seed;
  options.host.snapshot_every_entries = 50;
  options.zab.commit_log_count = 20;  // SNAP and log-based DIFF both happen
  ZabCluster cluster(options);
  Draws draws{seed * 7919 + nodes};
  const auto fail = [&](const std::string& what) {
    return Outcome{"n=" + std::to_string(nodes) + " seed " + std::to_string(seed) + ": " + what};
  };
  uint64_t value = 1;
  bool crash_armed = false;
  for (int round = 0; round < 20; ++round) {
    const NodeId target{static_cast<uint32_t>(1 + draws.below(nodes))};
    const sim::HostId host = host_of(target);
    switch (draws.below(10)) {
      case 0:
        cluster.disconnect(target);
        break;
      case 1:
        cluster.connect(target);
        break;
      case 2:
        if (cluster.up(target)) {
          cluster.crash(target);
        }
        break;
      case 3:
        if (!cluster.up(target)) {
          cluster.restart(target);
        }
        break;
      case 4:
        if (cluster.up(target)) {
          cluster.world().pause(host, Duration::millis(100 + static_cast<int64_t>(draws.below(1500))));
        }
        break;
      case 5:
        cluster.world().clock_step(host, Duration::millis(static_cast<int64_t>(draws.below(2000)) - 1000));
        cluster.world().set_clock_drift_ppb(host, static_cast<int64_t>(draws.below(200'000'000)) - 100'000'000);
        break;
      case 6:
        cluster.world().network().set_all_links(link(draws));
        break;
      case 7:
        if (!crash_armed) {
          // The next Ready of `target` that reaches its sync crashes the machine there.
          crash_armed = true;
          cluster.set_crash_point([target, &crash_armed](NodeId node, std::string_view step) {
            if (node != target || step != "sync" || !crash_armed) {
              return false;
            }
            crash_armed = false;
            return true;
          });
        }
        break;
      default:
        break;
    }
    const Duration span = Duration::millis(100 + static_cast<int64_t>(draws.below(900)));
    const SimTime until = cluster.sim().now() + span;
    while (cluster.sim().now() < until && cluster.invariants().ok()) {
      if (const auto leader = cluster.leader()) {
        cluster.propose(*leader, value++);
      }
      cluster.run_for(Duration::millis(20));
    }
    if (!cluster.violation_report().empty()) {
      return fail(cluster.violation_report());
    }
    if (!cluster.apply_error().empty()) {
      return fail(cluster.apply_error());
    }
  }
  cluster.set_crash_point(nullptr);
  cluster.world().network().set_all_links(sim::LinkParams{});
  for (uint32_t i = 1; i <= nodes; ++i) {
    cluster.connect(NodeId{i});
    cluster.world().set_clock_drift_ppb(host_of(NodeId{i}), 0);
    if (!cluster.up(NodeId{i})) {
      cluster.restart(NodeId{i});
    }
  }
  const auto zxid = cluster.one(value++, nodes, Duration::seconds(60));
  cluster.invariants().finish();
  if (!cluster.violation_report().empty()) {
    return fail(cluster.violation_report());
  }
  if (!zxid.has_value()) {
    return fail("no write committed on every server after the heal");
  }
  if (!cluster.apply_error().empty()) {
    return fail(cluster.apply_error());
  }
  const auto reference = cluster.applied_by(NodeId{1});
  for (uint32_t i = 2; i <= nodes; ++i) {
    if (cluster.applied_by(NodeId{i}) != reference) {
      return fail("n" + std::to_string(i) + " applied a different history than n1");
    }
  }
  return {"", reference.size()};
}

class ZabRandom : public ::testing::TestWithParam<uint32_t> {};

// 3 x 170 = 510 seeds.
TEST_P(ZabRandom, SafeAndLiveUnderRandomFaults) {
  const uint32_t nodes = GetParam();
  uint64_t commits = 0;
  for (uint64_t seed = 1; seed <= 170; ++seed) {
    const Outcome outcome = run_random(nodes, seed);
    ASSERT_EQ(outcome.failure, "");
    commits += outcome.commits;
  }
  EXPECT_GT(commits, 170u * 10);  // the load made progress between faults
}

INSTANTIATE_TEST_SUITE_P(Sizes, ZabRandom, ::testing::Values(3u, 5u, 7u));

}  // namespace
}  // namespace consim::harness
