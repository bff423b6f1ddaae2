// Raft in the simulator, tested as MIT 6.5840 tests it (research/raft.md sections 4.3 and 5),
// in simulated time and over many seeds. The apply checker (no two nodes apply different
// commands at one index) runs in every test.
#include "harness/raft_cluster.h"

#include <gtest/gtest.h>

#include "sim/rng.h"

namespace consim::harness {
namespace {

using protocols::LogIndex;
using protocols::NodeId;

// Every safety check at once: the online invariants (judging what is pending at the end) and
// the apply checker.
std::string safety(RaftCluster& cluster) {
  cluster.invariants().finish();
  return cluster.violation_report() + cluster.apply_error();
}

// MIT's RaftElectionTimeout is generous (1 s); ours: election timeout 100-200 ms.
constexpr Duration kElectionTimeout = Duration::millis(1000);

RaftClusterOptions options(uint32_t nodes, uint64_t seed) {
  RaftClusterOptions options;
  options.nodes = nodes;
  options.seed = seed;
  options.raft.election_ticks = 10;  // 100 ms at the default 10 ms tick
  options.raft.heartbeat_ticks = 2;
  options.link.latency_min = Duration::millis(1);
  options.link.latency_max = Duration::millis(5);
  return options;
}

// MIT's unreliable network: requests and replies lost 10%, delayed up to 26 ms.
RaftClusterOptions unreliable(uint32_t nodes, uint64_t seed) {
  RaftClusterOptions result = options(nodes, seed);
  result.link.latency_min = Duration::millis(0);
  result.link.latency_max = Duration::millis(26);
  result.link.drop_probability = 0.1;
  return result;
}

std::optional<NodeId> wait_leader(RaftCluster& cluster) {
  cluster.run_until([&] { return cluster.one_leader().has_value(); }, Duration::seconds(5));
  return cluster.one_leader();
}

NodeId other_than(RaftCluster& cluster, std::initializer_list<NodeId> excluded, uint32_t skip = 0) {
  for (const NodeId node : cluster.nodes()) {
    if (std::find(excluded.begin(), excluded.end(), node) == excluded.end()) {
      if (skip == 0) {
        return node;
      }
      --skip;
    }
  }
  return NodeId{};
}

TEST(RaftCluster, InitialElection) {  // M01
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    RaftCluster cluster(options(3, seed));
    ASSERT_TRUE(wait_leader(cluster).has_value()) << "seed " << seed;
    const uint64_t term = cluster.raft(*cluster.one_leader())->term().value;
    EXPECT_GE(term, 1u);
    cluster.run_for(kElectionTimeout * 2);
    // No spurious elections on a quiet, healthy network.
    ASSERT_TRUE(cluster.one_leader().has_value()) << "seed " << seed;
    for (const NodeId node : cluster.nodes()) {
      EXPECT_EQ(cluster.raft(node)->term().value, term) << "seed " << seed;
    }
    EXPECT_EQ(safety(cluster), "") << "seed " << seed;
  }
}

TEST(RaftCluster, ReElection) {  // M02
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    RaftCluster cluster(options(3, seed));
    const NodeId leader1 = *wait_leader(cluster);
    cluster.disconnect(leader1);
    const std::optional<NodeId> leader2 = wait_leader(cluster);
    ASSERT_TRUE(leader2.has_value()) << "seed " << seed;
    EXPECT_NE(*leader2, leader1);
    // The old leader rejoins: still exactly one leader.
    cluster.connect(leader1);
    ASSERT_TRUE(wait_leader(cluster).has_value()) << "seed " << seed;
    // No quorum: no leader.
    const NodeId leader3 = *cluster.one_leader();
    const NodeId other = other_than(cluster, {leader3});
    cluster.disconnect(leader3);
    cluster.disconnect(other);
    cluster.run_for(kElectionTimeout * 2);
    EXPECT_FALSE(cluster.one_leader().has_value()) << "seed " << seed;
    cluster.connect(other);
    EXPECT_TRUE(wait_leader(cluster).has_value()) << "seed " << seed;
    cluster.connect(leader3);
    EXPECT_TRUE(wait_leader(cluster).has_value()) << "seed " << seed;
    EXPECT_EQ(safety(cluster), "") << "seed " << seed;
  }
}

TEST(RaftCluster, ManyElections) {  // M03
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RaftCluster cluster(options(7, seed));
    ASSERT_TRUE(wait_leader(cluster).has_value());
    sim::Rng rng(seed);
    for (int round = 0; round < 9; ++round) {
      std::vector<NodeId> gone;
      for (int i = 0; i < 3; ++i) {
        const NodeId victim{static_cast<uint32_t>(rng.uniform_int(1, 7))};
        cluster.disconnect(victim);
        gone.push_back(victim);
      }
      // Four or more connected: a leader must emerge (and one_leader() rejects two per term).
      EXPECT_TRUE(wait_leader(cluster).has_value()) << "seed " << seed << " round " << round;
      for (const NodeId node : gone) {
        cluster.connect(node);
      }
    }
    EXPECT_TRUE(wait_leader(cluster).has_value());
    EXPECT_EQ(safety(cluster), "") << "seed " << seed;
  }
}

TEST(RaftCluster, BasicAgree) {  // M04
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RaftCluster cluster(options(3, seed));
    for (uint64_t value = 100; value < 103; ++value) {
      ASSERT_TRUE(cluster.one(value, 3, Duration::seconds(10)).has_value()) << "seed " << seed << " value " << value;
    }
    EXPECT_EQ(safety(cluster), "");
  }
}

TEST(RaftCluster, FollowerFailure) {  // M06
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RaftCluster cluster(options(3, seed));
    ASSERT_TRUE(cluster.one(101, 3, Duration::seconds(10)).has_value());
    const NodeId leader = *wait_leader(cluster);
    cluster.disconnect(other_than(cluster, {leader}));
    ASSERT_TRUE(cluster.one(102, 2, Duration::seconds(10)).has_value()) << "seed " << seed;
    // With both followers gone nothing commits.
    const NodeId leader2 = *wait_leader(cluster);
    for (const NodeId node : cluster.nodes()) {
      if (node != leader2) {
        cluster.disconnect(node);
      }
    }
    const LogIndex before = cluster.max_applied_index();
    cluster.propose(leader2, 103);
    cluster.run_for(kElectionTimeout * 2);
    EXPECT_EQ(cluster.max_applied_index(), before) << "seed " << seed;
    EXPECT_EQ(safety(cluster), "");
  }
}

TEST(RaftCluster, FailAgreeAndCatchUp) {  // M08
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RaftCluster cluster(options(3, seed));
    ASSERT_TRUE(cluster.one(101, 3, Duration::seconds(10)).has_value());
    const NodeId leader = *wait_leader(cluster);
    const NodeId follower = other_than(cluster, {leader});
    cluster.disconnect(follower);
    for (uint64_t value = 102; value < 106; ++value) {
      ASSERT_TRUE(cluster.one(value, 2, Duration::seconds(10)).has_value()) << "seed " << seed;
    }
    cluster.connect(follower);
    ASSERT_TRUE(cluster.one(106, 3, Duration::seconds(10)).has_value()) << "seed " << seed;
    ASSERT_TRUE(cluster.one(107, 3, Duration::seconds(10)).has_value()) << "seed " << seed;
    EXPECT_EQ(safety(cluster), "");
  }
}

TEST(RaftCluster, FailNoAgree) {  // M09
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RaftCluster cluster(options(5, seed));
    ASSERT_TRUE(cluster.one(10, 5, Duration::seconds(10)).has_value());
    const NodeId leader = *wait_leader(cluster);
    std::vector<NodeId> gone;
    for (uint32_t skip = 0; skip < 3; ++skip) {
      gone.push_back(other_than(cluster, {leader}, skip));
    }
    for (const NodeId node : gone) {
      cluster.disconnect(node);
    }
    const LogIndex before = cluster.max_applied_index();
    cluster.propose(leader, 20);
    cluster.run_for(kElectionTimeout * 2);
    EXPECT_EQ(cluster.max_applied_index(), before) << "seed " << seed;
    for (const NodeId node : gone) {
      cluster.connect(node);
    }
    ASSERT_TRUE(cluster.one(30, 5, Duration::seconds(10)).has_value()) << "seed " << seed;
    EXPECT_EQ(safety(cluster), "");
  }
}

TEST(RaftCluster, ConcurrentStarts) {  // M10
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RaftCluster cluster(options(3, seed));
    const NodeId leader = *wait_leader(cluster);
    for (uint64_t value = 1; value <= 5; ++value) {
      cluster.propose(leader, 100 + value);
    }
    ASSERT_TRUE(cluster.run_until(
        [&] {
          for (uint64_t index = 2; index <= 6; ++index) {
            if (cluster.applied_count(LogIndex{index}) < 3) {
              return false;
            }
          }
          return true;
        },
        Duration::seconds(5)))
        << "seed " << seed;
    std::set<uint64_t> values;
    for (uint64_t index = 2; index <= 6; ++index) {
      values.insert(cluster.applied_value(LogIndex{index}).value_or(0));
    }
    EXPECT_EQ(values, (std::set<uint64_t>{101, 102, 103, 104, 105})) << "seed " << seed;
    EXPECT_EQ(safety(cluster), "") << "seed " << seed;
  }
}

TEST(RaftCluster, RejoinOfPartitionedLeader) {  // M11
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RaftCluster cluster(options(3, seed));
    ASSERT_TRUE(cluster.one(101, 3, Duration::seconds(10)).has_value());
    const NodeId leader1 = *wait_leader(cluster);
    cluster.disconnect(leader1);
    cluster.propose(leader1, 102);
    cluster.propose(leader1, 103);
    cluster.propose(leader1, 104);
    ASSERT_TRUE(cluster.one(103, 2, Duration::seconds(10)).has_value()) << "seed " << seed;
    const NodeId leader2 = *wait_leader(cluster);
    cluster.disconnect(leader2);
    cluster.connect(leader1);
    ASSERT_TRUE(cluster.one(104, 2, Duration::seconds(10)).has_value()) << "seed " << seed;
    cluster.connect(leader2);
    ASSERT_TRUE(cluster.one(105, 3, Duration::seconds(10)).has_value()) << "seed " << seed;
    EXPECT_EQ(safety(cluster), "");
  }
}

TEST(RaftCluster, BackupOfDivergentLogs) {  // M12: needs fast backtracking to finish in time
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    RaftCluster cluster(options(5, seed));
    sim::Rng rng(seed);
    ASSERT_TRUE(cluster.one(rng.uniform_int(0, 1'000'000), 5, Duration::seconds(10)).has_value());
    const NodeId leader1 = *wait_leader(cluster);
    // Leader and one follower alone get 50 entries that never commit.
    const NodeId partner = other_than(cluster, {leader1});
    for (uint32_t skip = 1; skip <= 3; ++skip) {
      cluster.disconnect(other_than(cluster, {leader1}, skip));
    }
    for (int i = 0; i < 50; ++i) {
      cluster.propose(leader1, rng.uniform_int(0, 1'000'000));
    }
    cluster.run_for(kElectionTimeout / 2);
    cluster.disconnect(leader1);
    cluster.disconnect(partner);
    for (uint32_t skip = 1; skip <= 3; ++skip) {
      cluster.connect(other_than(cluster, {leader1}, skip));
    }
    // The other three commit 50 entries.
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(cluster.one(rng.uniform_int(0, 1'000'000), 3, Duration::seconds(10)).has_value()) << "seed " << seed;
    }
    // Their leader and one more get 50 uncommitted entries.
    const NodeId leader2 = *wait_leader(cluster);
    NodeId other;
    for (const NodeId node : cluster.nodes()) {
      if (node != leader1 && node != partner && node != leader2) {
        other = node;
        break;
      }
    }
    cluster.disconnect(other);
    for (int i = 0; i < 50; ++i) {
      cluster.propose(leader2, rng.uniform_int(0, 1'000'000));
    }
    cluster.run_for(kElectionTimeout / 2);
    // The first pair and `other` form a majority and commit 50.
    for (const NodeId node : cluster.nodes()) {
      cluster.disconnect(node);
    }
    cluster.connect(leader1);
    cluster.connect(partner);
    cluster.connect(other);
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(cluster.one(rng.uniform_int(0, 1'000'000), 3, Duration::seconds(10)).has_value()) << "seed " << seed;
    }
    for (const NodeId node : cluster.nodes()) {
      cluster.connect(node);
    }
    ASSERT_TRUE(cluster.one(rng.uniform_int(0, 1'000'000), 5, Duration::seconds(10)).has_value()) << "seed " << seed;
    EXPECT_EQ(safety(cluster), "");
  }
}

TEST(RaftCluster, PersistenceAcrossCrashesOfEveryNode) {  // M14
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RaftCluster cluster(options(3, seed));
    ASSERT_TRUE(cluster.one(11, 3, Duration::seconds(10)).has_value());
    for (const NodeId node : cluster.nodes()) {
      cluster.crash(node);
    }
    for (const NodeId node : cluster.nodes()) {
      cluster.restart(node);
    }
    ASSERT_TRUE(cluster.one(12, 3, Duration::seconds(10)).has_value()) << "seed " << seed;
    const NodeId leader1 = *wait_leader(cluster);
    cluster.crash(leader1);
    cluster.restart(leader1);
    ASSERT_TRUE(cluster.one(13, 3, Duration::seconds(10)).has_value()) << "seed " << seed;
    const NodeId leader2 = *wait_leader(cluster);
    cluster.crash(leader2);
    ASSERT_TRUE(cluster.one(14, 2, Duration::seconds(10)).has_value()) << "seed " << seed;
    cluster.restart(leader2);
    ASSERT_TRUE(cluster.one(15, 3, Duration::seconds(10)).has_value()) << "seed " << seed;
    EXPECT_EQ(safety(cluster), "");
  }
}

TEST(RaftCluster, PersistedLogWinsAfterCrashes) {  // M16
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RaftCluster cluster(options(3, seed));
    ASSERT_TRUE(cluster.one(101, 3, Duration::seconds(10)).has_value());
    const NodeId leader = *wait_leader(cluster);
    const NodeId partitioned = other_than(cluster, {leader}, 0);
    const NodeId follower = other_than(cluster, {leader}, 1);
    cluster.disconnect(partitioned);
    ASSERT_TRUE(cluster.one(102, 2, Duration::seconds(10)).has_value());
    cluster.crash(leader);
    cluster.crash(follower);
    cluster.connect(partitioned);
    cluster.restart(follower);
    // The restarted follower's persisted log holds 102; the partitioned node must not win.
    ASSERT_TRUE(cluster.one(103, 2, Duration::seconds(10)).has_value()) << "seed " << seed;
    cluster.restart(leader);
    ASSERT_TRUE(cluster.one(104, 3, Duration::seconds(10)).has_value()) << "seed " << seed;
    EXPECT_EQ(cluster.applied_value(LogIndex{3}).value_or(0), 102u) << "seed " << seed;
    EXPECT_EQ(safety(cluster), "");
  }
}

// M17 / M19: leaders crash (or are cut off) at random moments while everyone proposes.
void figure8(RaftClusterOptions cluster_options, bool crash_leaders, int iterations) {
  RaftCluster cluster(cluster_options);
  sim::Rng rng(cluster_options.seed ^ 0x8);
  uint32_t up = cluster.size();
  std::vector<bool> alive(cluster.size() + 1, true);
  for (int iteration = 0; iteration < iterations; ++iteration) {
    std::optional<NodeId> leader;
    for (const NodeId node : cluster.nodes()) {
      if (alive[node.value] && cluster.propose(node, rng.uniform_int(1, 1'000'000))) {
        const auto* raft = cluster.raft(node);
        if (raft != nullptr && raft->role() == protocols::raft::Role::kLeader) {
          leader = node;
        }
      }
    }
    cluster.run_for(rng.bernoulli(0.1) ? Duration{rng.uniform_int(0, kElectionTimeout.ns / 2)}
                                       : Duration::millis(rng.uniform_int(0, 13)));
    if (leader.has_value() && alive[leader->value]) {
      if (crash_leaders) {
        cluster.crash(*leader);
      } else {
        cluster.disconnect(*leader);
      }
      alive[leader->value] = false;
      --up;
    }
    if (up < 3) {
      const NodeId revived{static_cast<uint32_t>(rng.uniform_int(1, cluster.size()))};
      if (!alive[revived.value]) {
        if (crash_leaders) {
          cluster.restart(revived);
        } else {
          cluster.connect(revived);
        }
        alive[revived.value] = true;
        ++up;
      }
    }
  }
  for (const NodeId node : cluster.nodes()) {
    if (!alive[node.value]) {
      crash_leaders ? cluster.restart(node) : cluster.connect(node);
    }
  }
  cluster.world().network().set_all_links(options(cluster.size(), 0).link);
  ASSERT_TRUE(cluster.one(rng.uniform_int(1, 1'000'000), cluster.size(), Duration::seconds(10)).has_value())
      << "seed " << cluster_options.seed;
  EXPECT_EQ(safety(cluster), "") << "seed " << cluster_options.seed;
}

TEST(RaftCluster, Figure8) {  // M17
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    figure8(options(5, seed), true, 300);
  }
}

TEST(RaftCluster, Figure8Unreliable) {  // M19
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    figure8(unreliable(5, seed), false, 300);
  }
}

TEST(RaftCluster, UnreliableAgree) {  // M18
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    RaftCluster cluster(unreliable(5, seed));
    for (uint64_t round = 1; round < 30; ++round) {
      for (uint64_t k = 0; k < 4; ++k) {
        const std::optional<NodeId> leader = cluster.one_leader();
        if (leader.has_value()) {
          cluster.propose(*leader, round * 100 + k);
        }
      }
      ASSERT_TRUE(cluster.one(round, 1, Duration::seconds(10)).has_value()) << "seed " << seed << " round " << round;
    }
    cluster.world().network().set_all_links(options(5, 0).link);
    ASSERT_TRUE(cluster.one(100, 5, Duration::seconds(10)).has_value()) << "seed " << seed;
    EXPECT_EQ(safety(cluster), "");
  }
}

// M20: crashes, restarts and disconnects at random while proposals flow; afterwards every
// value seen committed is in the final log.
TEST(RaftCluster, Churn) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RaftClusterOptions cluster_options = seed % 2 == 0 ? unreliable(5, seed) : options(5, seed);
    RaftCluster cluster(cluster_options);
    sim::Rng rng(seed ^ 0xc4);
    for (int round = 0; round < 20; ++round) {
      for (int i = 0; i < 5; ++i) {
        const std::optional<NodeId> leader = cluster.one_leader();
        if (leader.has_value()) {
          cluster.propose(*leader, rng.uniform_int(1, 1'000'000));
        }
      }
      const NodeId victim{static_cast<uint32_t>(rng.uniform_int(1, 5))};
      if (rng.bernoulli(0.2)) {
        cluster.disconnect(victim);
      }
      if (rng.bernoulli(0.5)) {
        if (!cluster.up(victim)) {
          cluster.restart(victim);
        }
        cluster.connect(victim);
      }
      if (rng.bernoulli(0.2)) {
        cluster.crash(victim);
      }
      cluster.run_for(Duration::millis(70));
    }
    for (const NodeId node : cluster.nodes()) {
      if (!cluster.up(node)) {
        cluster.restart(node);
      }
      cluster.connect(node);
    }
    cluster.world().network().set_all_links(options(5, 0).link);
    ASSERT_TRUE(cluster.one(7, 5, Duration::seconds(10)).has_value()) << "seed " << seed;
    EXPECT_EQ(safety(cluster), "") << "seed " << seed;
  }
}

// M21-M23: snapshots every 10 entries; victims disconnected or crashed while the log moves on
// catch up, by InstallSnapshot when the entries they need are gone.
void snapshot_rounds(uint64_t seed, bool crash, bool unreliable_network) {
  RaftClusterOptions cluster_options = unreliable_network ? unreliable(3, seed) : options(3, seed);
  cluster_options.host.snapshot_every_entries = 10;
  RaftCluster cluster(cluster_options);
  sim::Rng rng(seed ^ 0x55);
  ASSERT_TRUE(cluster.one(rng.uniform_int(1, 1'000'000), 3, Duration::seconds(10)).has_value());
  for (int round = 0; round < 15; ++round) {
    const std::optional<NodeId> leader = wait_leader(cluster);
    ASSERT_TRUE(leader.has_value());
    const NodeId victim = round % 3 == 0 ? *leader : other_than(cluster, {*leader});
    crash ? cluster.crash(victim) : cluster.disconnect(victim);
    for (int i = 0; i < 11; ++i) {
      ASSERT_TRUE(cluster.one(rng.uniform_int(1, 1'000'000), 2, Duration::seconds(10)).has_value())
          << "seed " << seed << " round " << round;
    }
    crash ? cluster.restart(victim) : cluster.connect(victim);
    ASSERT_TRUE(cluster.one(rng.uniform_int(1, 1'000'000), 3, Duration::seconds(10)).has_value())
        << "seed " << seed << " round " << round;
    // The log stays compacted: no node keeps much more than a snapshot interval of entries.
    for (const NodeId node : cluster.nodes()) {
      const auto* raft = cluster.raft(node);
      ASSERT_NE(raft, nullptr);
      EXPECT_LE(raft->log().last_index().value - raft->log().snapshot().index.value, 40u) << node.name();
    }
  }
  EXPECT_EQ(safety(cluster), "");
}

TEST(RaftCluster, SnapshotInstall) { snapshot_rounds(1, false, false); }
TEST(RaftCluster, SnapshotInstallUnreliable) { snapshot_rounds(2, false, true); }
TEST(RaftCluster, SnapshotInstallCrash) { snapshot_rounds(3, true, false); }
TEST(RaftCluster, SnapshotInstallUnreliableCrash) { snapshot_rounds(4, true, true); }

TEST(RaftCluster, SnapshotAllCrashNeverGoesBack) {  // M22, M23
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    RaftClusterOptions cluster_options = options(3, seed);
    cluster_options.host.snapshot_every_entries = 10;
    RaftCluster cluster(cluster_options);
    for (int round = 0; round < 5; ++round) {
      std::optional<LogIndex> index;
      for (int i = 0; i < 12; ++i) {
        index = cluster.one(1000 * round + i, 3, Duration::seconds(10));
        ASSERT_TRUE(index.has_value());
      }
      for (const NodeId node : cluster.nodes()) {
        cluster.crash(node);
      }
      for (const NodeId node : cluster.nodes()) {
        cluster.restart(node);
      }
      const std::optional<LogIndex> after = cluster.one(1000 * round + 99, 3, Duration::seconds(10));
      ASSERT_TRUE(after.has_value());
      EXPECT_GT(*after, *index);
    }
    EXPECT_EQ(safety(cluster), "");
  }
}

TEST(RaftCluster, SameSeedSameDigest) {
  auto digest = [](uint64_t seed) {
    RaftCluster cluster(unreliable(5, seed));
    for (int i = 0; i < 20; ++i) {
      cluster.one(i, 3, Duration::seconds(5));
    }
    cluster.crash(NodeId{1});
    cluster.run_for(Duration::seconds(1));
    return cluster.sim().trace().digest();
  };
  EXPECT_EQ(digest(3), digest(3));
  EXPECT_NE(digest(3), digest(4));
}

}  // namespace
}  // namespace consim::harness
