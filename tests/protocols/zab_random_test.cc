// ZAB under random faults: partitions (disconnects), crashes and restarts on 3, 5 and 7 servers,
// with a steady write load. Safety: no zxid is ever applied with two different commands, and once
// everything heals every server converges on the same applied history. Liveness: after the heal
// a write commits on every server.
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

Outcome run_random(uint32_t nodes, uint64_t seed) {
  ZabClusterOptions options;
  options.nodes = nodes;
  options.seed = seed;
  ZabCluster cluster(options);
  Draws draws{seed * 7919 + nodes};
  uint64_t value = 1;
  for (int round = 0; round < 30; ++round) {
    const NodeId target{static_cast<uint32_t>(1 + draws.below(nodes))};
    switch (draws.below(6)) {
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
      default:
        break;
    }
    const Duration span = Duration::millis(100 + static_cast<int64_t>(draws.below(900)));
    const SimTime until = cluster.sim().now() + span;
    while (cluster.sim().now() < until) {
      if (const auto leader = cluster.leader()) {
        cluster.propose(*leader, value++);
      }
      cluster.run_for(Duration::millis(20));
    }
    if (!cluster.apply_error().empty()) {
      return {"seed " + std::to_string(seed) + ": " + cluster.apply_error()};
    }
  }
  for (uint32_t i = 1; i <= nodes; ++i) {
    cluster.connect(NodeId{i});
    if (!cluster.up(NodeId{i})) {
      cluster.restart(NodeId{i});
    }
  }
  const auto zxid = cluster.one(value++, nodes, Duration::seconds(60));
  if (!zxid.has_value()) {
    return {"seed " + std::to_string(seed) + ": no write committed on every server after the heal"};
  }
  if (!cluster.apply_error().empty()) {
    return {"seed " + std::to_string(seed) + ": " + cluster.apply_error()};
  }
  const auto reference = cluster.applied_by(NodeId{1});
  for (uint32_t i = 2; i <= nodes; ++i) {
    if (cluster.applied_by(NodeId{i}) != reference) {
      return {"seed " + std::to_string(seed) + ": n" + std::to_string(i) + " applied a different history than n1"};
    }
  }
  return {"", reference.size()};
}

class ZabRandom : public ::testing::TestWithParam<uint32_t> {};

TEST_P(ZabRandom, SafeAndLiveUnderPartitionsCrashesAndRestarts) {
  const uint32_t nodes = GetParam();
  uint64_t commits = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const Outcome outcome = run_random(nodes, seed);
    ASSERT_EQ(outcome.failure, "");
    commits += outcome.commits;
  }
  EXPECT_GT(commits, 60u * 10);  // the load made progress between faults
}

INSTANTIATE_TEST_SUITE_P(Sizes, ZabRandom, ::testing::Values(3u, 5u, 7u));

}  // namespace
}  // namespace consim::harness
