// Fuzzing campaigns and shrinking (harness/fuzz_campaign.h, harness/shrink.h): the correct
// protocols survive a campaign; every bug switch is found within a bound of seeds, and its shrunk
// reproducer still fails the same way and replays to the same digest from its file; campaigns do
// not depend on the number of jobs, and shards partition the range.
#include "harness/fuzz_campaign.h"

#include <gtest/gtest.h>

#include <atomic>
#include <ostream>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "harness/scenario_writer.h"
#include "harness/shrink.h"
#include "protocols/raft/config.h"
#include "protocols/zab/config.h"

namespace consim::harness {
namespace {

// How many seeds a campaign with one bug switch on may need to find it (the per-switch bounds
// are in fuzz_generator_test.cc; raft.commit_previous_term and raft.conf_change_before_noop need
// the most, a few hundred).
constexpr uint64_t kBugBound = 1000;

std::vector<uint64_t> seeds_of(const std::vector<SeedOutcome>& outcomes) {
  std::vector<uint64_t> seeds;
  for (const SeedOutcome& outcome : outcomes) {
    seeds.push_back(outcome.seed);
  }
  return seeds;
}

TEST(FuzzShards, PartitionTheRange) {
  for (const uint32_t count : {1u, 2u, 3u, 7u}) {
    std::set<uint64_t> all;
    size_t total = 0;
    for (uint32_t index = 0; index < count; ++index) {
      const std::vector<uint64_t> seeds = shard_seeds(10, 40, index, count);
      total += seeds.size();
      all.insert(seeds.begin(), seeds.end());
      for (const uint64_t seed : seeds) {
        EXPECT_EQ((seed - 10) % count, index);
      }
    }
    EXPECT_EQ(total, 31u) << count;
    EXPECT_EQ(all.size(), 31u) << count;
    EXPECT_EQ(*all.begin(), 10u);
    EXPECT_EQ(*all.rbegin(), 40u);
  }
  EXPECT_TRUE(shard_seeds(5, 4, 0, 1).empty());
  EXPECT_EQ(shard_seeds(UINT64_MAX - 1, UINT64_MAX, 0, 1).size(), 2u);  // no wrap-around
}

TEST(FuzzCampaign, DoesNotDependOnJobsOrShards) {
  CampaignOptions options;
  options.spec.protocol = "raft";
  options.spec.bugs = {"raft.vote_without_log_check"};  // some seeds fail: their outcomes must agree too
  options.first_seed = 1;
  options.last_seed = 30;
  options.jobs = 1;
  const std::vector<SeedOutcome> one = run_campaign(options);
  options.jobs = 2;
  const std::vector<SeedOutcome> two = run_campaign(options);
  ASSERT_EQ(one.size(), 30u);
  ASSERT_EQ(seeds_of(one), seeds_of(two));
  std::vector<SeedOutcome> sharded;
  for (uint32_t index = 0; index < 3; ++index) {
    options.shard_index = index;
    options.shard_count = 3;
    for (SeedOutcome& outcome : run_campaign(options)) {
      sharded.push_back(std::move(outcome));
    }
  }
  std::sort(sharded.begin(), sharded.end(), [](const SeedOutcome& a, const SeedOutcome& b) { return a.seed < b.seed; });
  ASSERT_EQ(seeds_of(sharded), seeds_of(one));
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].digest, two[i].digest) << one[i].seed;
    EXPECT_EQ(one[i].failure, two[i].failure) << one[i].seed;
    EXPECT_EQ(one[i].digest, sharded[i].digest) << one[i].seed;
    EXPECT_EQ(one[i].failure, sharded[i].failure) << one[i].seed;
  }
}

TEST(FuzzCampaign, StopsWhenTheBudgetSaysSo) {
  CampaignOptions options;
  options.first_seed = 1;
  options.last_seed = 1000;
  int allowed = 5;
  options.keep_going = [&allowed] { return allowed-- > 0; };
  EXPECT_EQ(run_campaign(options).size(), 5u);
}

void expect_clean_campaign(const std::string& protocol, const std::string& service, uint64_t seeds) {
  CampaignOptions options;
  options.spec.protocol = protocol;
  options.spec.service = service;
  options.first_seed = 1;
  options.last_seed = seeds;
  options.jobs = 2;
  const std::vector<SeedOutcome> outcomes = run_campaign(options);
  ASSERT_EQ(outcomes.size(), seeds);
  for (const SeedOutcome& outcome : outcomes) {
    EXPECT_FALSE(outcome.failure.failed()) << protocol << "/" << service << " seed " << outcome.seed << ": "
                                           << outcome.failure.kind() << ": " << outcome.detail;
  }
}

TEST(FuzzCampaign, CorrectRaftFindsNothing) {
  expect_clean_campaign("raft", "kv", 300);
  expect_clean_campaign("raft", "znode", 60);
}

TEST(FuzzCampaign, CorrectZabFindsNothing) {
  expect_clean_campaign("zab", "kv", 300);
  expect_clean_campaign("zab", "znode", 60);
}

struct BugCase {
  std::string protocol;
  std::string name;
  std::string caught_by;
};

void PrintTo(const BugCase& bug, std::ostream* out) { *out << bug.name; }

std::vector<BugCase> every_bug() {
  std::vector<BugCase> bugs;
  for (const auto& info : protocols::raft::bug_catalogue()) {
    bugs.push_back({"raft", std::string(info.name), std::string(info.caught_by)});
  }
  for (const auto& info : protocols::zab::bug_catalogue()) {
    bugs.push_back({"zab", std::string(info.name), std::string(info.caught_by)});
  }
  return bugs;
}

class FuzzFindsBug : public ::testing::TestWithParam<BugCase> {};

TEST_P(FuzzFindsBug, WithinItsBoundAndTheShrunkReproducerReplays) {
  const BugCase& bug = GetParam();
  CampaignOptions options;
  options.spec.protocol = bug.protocol;
  options.spec.bugs = {bug.name};
  options.first_seed = 1;
  options.last_seed = kBugBound;
  options.jobs = 2;
  std::atomic<bool> found{false};
  options.keep_going = [&found] { return !found.load(); };
  options.on_outcome = [&found](const SeedOutcome& outcome) {
    if (outcome.failure.failed()) {
      found.store(true);
    }
  };
  const std::vector<SeedOutcome> outcomes = run_campaign(options);
  const SeedOutcome* first = nullptr;
  for (const SeedOutcome& outcome : outcomes) {
    if (outcome.failure.failed()) {
      first = &outcome;
      break;
    }
  }
  ASSERT_NE(first, nullptr) << bug.name << " not found in " << kBugBound << " seeds";
  // The failure names what the catalogue says catches this bug.
  const std::string named = first->failure.invariant.empty() ? first->failure.check : first->failure.invariant;
  EXPECT_NE(bug.caught_by.find(named), std::string::npos)
      << bug.name << " (caught by " << bug.caught_by << ") failed " << first->failure.kind() << ": " << first->detail;

  ShrinkOptions shrink;
  shrink.max_runs = 150;
  std::string error;
  const std::optional<ShrinkResult> result = shrink_scenario(*first->scenario, shrink, &error);
  ASSERT_TRUE(result.has_value()) << error;
  EXPECT_EQ(result->failure, first->failure);
  // Never bigger; fewer operations is likely but not promised (a fault removed may let more
  // operations through).
  EXPECT_LE(result->after.faults, result->before.faults);
  EXPECT_LE(result->after.nodes, result->before.nodes);
  EXPECT_LE(result->after.clients, result->before.clients);
  EXPECT_LE(result->after.duration_ms, result->before.duration_ms);
  // The file replays to the same failure and the same digest.
  ScenarioResult loaded = parse_scenario(scenario_to_json(result->minimal), "shrunk.json");
  ASSERT_TRUE(std::holds_alternative<Scenario>(loaded)) << std::get<ScenarioError>(loaded).message;
  const RunResult replay = run_scenario(std::get<Scenario>(loaded), RunOptions{});
  ASSERT_TRUE(replay.report.has_value());
  EXPECT_EQ(signature_of(*replay.report), first->failure);
  EXPECT_EQ(replay.report->digest, result->digest);
  EXPECT_TRUE(replay.report->expect_held) << replay.report->expect_detail;
}

INSTANTIATE_TEST_SUITE_P(EverySwitch, FuzzFindsBug, ::testing::ValuesIn(every_bug()),
                         [](const ::testing::TestParamInfo<BugCase>& param) {
                           std::string name = param.param.name;
                           for (char& c : name) {
                             if (c == '.') {
                               c = '_';
                             }
                           }
                           return name;
                         });

}  // namespace
}  // namespace consim::harness
