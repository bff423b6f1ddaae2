// Randomized runs: 3, 5 and 7 Raft nodes under partitions of every shape, crashes and restarts
// (some at chosen points between a Ready's effects), pauses, message loss and duplication, and
// clock skew, with proposals flowing throughout. After the faults heal, the cluster must elect
// a leader and commit again (liveness). The online invariants must never fire.
#include <gtest/gtest.h>

#include "harness/raft_cluster.h"
#include "sim/rng.h"

namespace consim::harness {
namespace {

using protocols::NodeId;

struct RandomRun {
  std::string violation;  // empty when safe
  bool live = false;
  uint64_t leaders = 0;
  uint64_t committed = 0;
};

sim::HostId host(uint32_t node) { return sim::HostId{node - 1}; }

void random_fault(RaftCluster& cluster, sim::Rng& rng) {
  sim::World& world = cluster.world();
  sim::Network& network = world.network();
  const uint32_t n = cluster.size();
  const uint32_t victim = static_cast<uint32_t>(rng.uniform_int(1, n));
  switch (rng.uniform_int(0, 9)) {
    case 0: {  // random halves
      std::vector<sim::HostId> side;
      for (uint32_t i = 1; i <= n; ++i) {
        if (rng.bernoulli(0.5)) {
          side.push_back(host(i));
        }
      }
      network.partition({side});
      break;
    }
    case 1:
      network.isolate(host(victim));
      break;
    case 2:
      network.cut(host(victim), host(static_cast<uint32_t>(rng.uniform_int(1, n))));
      break;
    case 3:
      network.majority_ring();
      break;
    case 4: {
      std::vector<sim::HostId> a;
      std::vector<sim::HostId> b;
      for (uint32_t i = 1; i <= n; ++i) {
        if (i != victim) {
          (i % 2 == 0 ? a : b).push_back(host(i));
        }
      }
      network.bridge(a, b, host(victim));
      break;
    }
    case 5:
      network.heal();
      break;
    case 6:
      world.crash(host(victim));
      break;
    case 7:
      for (uint32_t i = 1; i <= n; ++i) {
        if (world.state(host(i)) == sim::HostState::kCrashed) {
          world.restart(host(i));
        }
      }
      break;
    case 8:
      world.pause(host(victim), Duration::millis(rng.uniform_int(10, 400)));
      break;
    case 9:
      if (rng.bernoulli(0.5)) {
        world.set_clock_drift_ppb(host(victim), rng.uniform_int(-200'000'000, 200'000'000));
      } else {
        world.clock_step(host(victim), Duration::millis(rng.uniform_int(-500, 500)));
      }
      break;
  }
}

RandomRun run_random(uint64_t seed, std::string_view bug = {}) {
  sim::Rng rng(seed);
  RaftClusterOptions options;
  if (!bug.empty()) {
    EXPECT_TRUE(protocols::raft::enable_bug(options.raft.bugs, bug)) << bug;
  }
  options.seed = seed;
  options.nodes = std::array<uint32_t, 3>{3, 5, 7}[seed % 3];
  options.raft.election_ticks = 10;
  options.raft.heartbeat_ticks = 2;
  options.raft.pre_vote = rng.bernoulli(0.7);
  options.raft.check_quorum = rng.bernoulli(0.7);
  options.link.latency_min = Duration::millis(rng.uniform_int(0, 2));
  options.link.latency_max = Duration::millis(rng.uniform_int(3, 30));
  options.link.drop_probability = rng.bernoulli(0.5) ? rng.uniform_real(0.0, 0.2) : 0.0;
  options.link.duplicate_probability = rng.bernoulli(0.5) ? rng.uniform_real(0.0, 0.1) : 0.0;
  options.host.snapshot_every_entries = rng.bernoulli(0.5) ? static_cast<uint64_t>(rng.uniform_int(3, 20)) : 0;
  RaftCluster cluster(options);
  // A few crashes strike between two effects of a Ready: after the writes, before the sync, ...
  sim::Rng crash_points = rng.fork("crash_points");
  const double crash_point_probability = rng.bernoulli(0.3) ? 0.002 : 0.0;
  cluster.set_crash_point([crash_points, crash_point_probability](NodeId, std::string_view) mutable {
    return crash_points.bernoulli(crash_point_probability);
  });

  uint64_t value = 0;
  const int64_t faults = rng.uniform_int(5, 25);
  for (int64_t i = 0; i < faults && cluster.invariants().ok(); ++i) {
    random_fault(cluster, rng);
    for (int k = 0; k < 3; ++k) {
      for (const NodeId node : cluster.nodes()) {
        const auto* raft = cluster.raft(node);
        if (raft != nullptr && raft->role() == protocols::raft::Role::kLeader) {
          cluster.propose(node, ++value);
        }
      }
      cluster.run_for(Duration::millis(rng.uniform_int(20, 200)));
    }
  }
  // Heal: every machine up, links clean, clocks steady (offsets stay), then require progress.
  cluster.set_crash_point(nullptr);
  cluster.world().network().heal();
  cluster.world().network().set_all_links(sim::LinkParams{});
  for (const NodeId node : cluster.nodes()) {
    if (cluster.world().state(host(node.value)) == sim::HostState::kCrashed) {
      cluster.restart(node);
    }
    cluster.world().set_clock_drift_ppb(host(node.value), 0);
  }
  RandomRun result;
  result.live = cluster.one(1'000'000 + seed, cluster.size(), Duration::seconds(20)).has_value();
  cluster.invariants().finish();
  result.violation = cluster.violation_report() + cluster.apply_error();
  result.leaders = cluster.invariants().terms_with_leader();
  result.committed = cluster.invariants().max_committed_index();
  return result;
}

void run_seeds(uint64_t first, uint64_t last) {
  uint64_t leaders = 0;
  for (uint64_t seed = first; seed <= last; ++seed) {
    const RandomRun run = run_random(seed);
    ASSERT_EQ(run.violation, "") << "seed " << seed;
    EXPECT_TRUE(run.live) << "seed " << seed << ": no commit within 20 s after healing";
    EXPECT_GT(run.committed, 0u) << "seed " << seed;
    leaders += run.leaders;
  }
  // The faults must actually have forced elections: a quiet run would prove nothing.
  EXPECT_GT(leaders, 2 * (last - first + 1));
}

TEST(RaftRandom, Seeds1To100) { run_seeds(1, 100); }
TEST(RaftRandom, Seeds101To200) { run_seeds(101, 200); }
TEST(RaftRandom, Seeds201To300) { run_seeds(201, 300); }
TEST(RaftRandom, Seeds301To400) { run_seeds(301, 400); }
TEST(RaftRandom, Seeds401To500) { run_seeds(401, 500); }

// The same randomized runs find the bugs they can reach, and name the invariant: proof that
// the seeds above are not passing because nothing is checked.
void expect_caught(std::string_view bug, std::string_view invariant, uint64_t max_seeds) {
  for (uint64_t seed = 1; seed <= max_seeds; ++seed) {
    const RandomRun run = run_random(seed, bug);
    if (!run.violation.empty()) {
      EXPECT_NE(run.violation.find(invariant), std::string::npos) << bug << " seed " << seed << ": " << run.violation;
      return;
    }
  }
  ADD_FAILURE() << bug << " was not caught within " << max_seeds << " seeds";
}

TEST(RaftRandom, CatchesTruncateOnStaleAppend) {
  expect_caught("raft.truncate_on_stale_append", "committed_is_durable", 100);
}

TEST(RaftRandom, CatchesVoteWithoutLogCheck) {
  expect_caught("raft.vote_without_log_check", "leader_completeness", 200);
}

TEST(RaftRandom, SameSeedSameDigest) {
  const auto digest = [](uint64_t seed) {
    sim::Rng rng(seed);
    RaftClusterOptions options;
    options.seed = seed;
    options.nodes = 5;
    options.link.drop_probability = 0.1;
    options.link.duplicate_probability = 0.05;
    RaftCluster cluster(options);
    for (int i = 0; i < 10; ++i) {
      random_fault(cluster, rng);
      cluster.run_for(Duration::millis(200));
    }
    return cluster.sim().trace().digest();
  };
  EXPECT_EQ(digest(77), digest(77));
  EXPECT_NE(digest(77), digest(78));
}

}  // namespace
}  // namespace consim::harness
