// `consim fuzz`, `consim fuzz merge` and `consim shrink` as a user runs them: campaign.json is
// the same (apart from `timing`) whatever --jobs, shards merge to the unsharded campaign, and a
// failing seed's reproducer and shrunk file replay with `consim run`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/cli/run_cli.h"

namespace consim::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("consim-fuzz-test-" + name);
  fs::remove_all(dir);
  return dir;
}

Json campaign(const fs::path& dir) {
  std::ifstream in(dir / "campaign.json", std::ios::binary);
  Json json = Json::parse(in);
  json.erase("timing");
  return json;
}

Outcome fuzz(const std::vector<std::string>& extra, const fs::path& out) {
  std::vector<std::string> args = {"fuzz",    "--protocol", "zab",     "--bug", "zab.retain_db_on_trunc",
                                   "--seeds", "1..40",      "--quiet", "--out", out.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

TEST(FuzzCommand, CampaignDoesNotDependOnJobsAndShardsMergeToIt) {
  const fs::path one = temp_dir("jobs1");
  const fs::path two = temp_dir("jobs2");
  const Outcome first = fuzz({"--jobs", "1", "--no-shrink"}, one);
  const Outcome second = fuzz({"--jobs", "2", "--no-shrink"}, two);
  ASSERT_EQ(first.code, 1) << first.err;  // the bug is found: exit 1
  ASSERT_EQ(second.code, 1) << second.err;
  const Json a = campaign(one);
  const Json b = campaign(two);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a["seeds_run"], 40);
  EXPECT_GT(a["failures"].get<int>(), 0);
  EXPECT_TRUE(fs::exists(one / ("seed-" + std::to_string(a["failing"][0]["seed"].get<int>()) + ".json")));

  const fs::path shard0 = temp_dir("shard0");
  const fs::path shard1 = temp_dir("shard1");
  fuzz({"--shard", "0/2", "--no-shrink"}, shard0);
  fuzz({"--shard", "1/2", "--no-shrink"}, shard1);
  const fs::path merged = temp_dir("merged");
  const Outcome merge = run_cli({"fuzz", "merge", shard0.string(), shard1.string(), "--out", merged.string()});
  ASSERT_EQ(merge.code, 1) << merge.err;  // failures in the merged campaign
  const Json m = campaign(merged);
  EXPECT_EQ(m["seeds_run"], a["seeds_run"]);
  EXPECT_EQ(m["failures"], a["failures"]);
  EXPECT_EQ(m["failures_by_kind"], a["failures_by_kind"]);
  EXPECT_EQ(m["campaign_digest"], a["campaign_digest"]);
  ASSERT_EQ(m["failing"].size(), a["failing"].size());
  for (size_t i = 0; i < a["failing"].size(); ++i) {
    EXPECT_EQ(m["failing"][i]["seed"], a["failing"][i]["seed"]);
    EXPECT_EQ(m["failing"][i]["digest"], a["failing"][i]["digest"]);
  }
  // A shard twice is an error, as are campaigns of different ranges.
  EXPECT_EQ(run_cli({"fuzz", "merge", shard0.string(), shard0.string()}).code, 2);
  EXPECT_EQ(run_cli({"fuzz", "merge", shard0.string(), one.string()}).code, 2);
}

TEST(FuzzCommand, ReproducerAndShrunkFileReplayWithConsimRun) {
  const fs::path out = temp_dir("replay");
  const Outcome result = fuzz({"--jobs", "2"}, out);
  ASSERT_EQ(result.code, 1) << result.err;
  const Json json = campaign(out);
  const Json& failing = json["failing"][0];
  ASSERT_TRUE(failing.contains("shrunk")) << json.dump(2);
  // The reproducer expects its failure, so `consim run` exits 0 while the bug is there, with the
  // same trace digest as in the campaign.
  const Outcome replay = run_cli({"run", (out / failing["reproducer"].get<std::string>()).string(), "--json"});
  EXPECT_EQ(replay.code, 0) << replay.out << replay.err;
  EXPECT_EQ(Json::parse(replay.out)["trace_digest"], failing["digest"]);
  const Outcome shrunk = run_cli({"run", (out / failing["shrunk"].get<std::string>()).string(), "--json"});
  EXPECT_EQ(shrunk.code, 0) << shrunk.out << shrunk.err;
  EXPECT_EQ(Json::parse(shrunk.out)["trace_digest"], failing["shrink"]["digest"]);
  EXPECT_LE(failing["shrink"]["faults"][1].get<int>(), failing["shrink"]["faults"][0].get<int>());

  // consim shrink on the reproducer gives the same minimal run as the campaign's shrink.
  const fs::path again = out / "again.json";
  const Outcome shrink = run_cli({"shrink", (out / failing["reproducer"].get<std::string>()).string(), "--out",
                                  again.string(), "--max-runs", "300"});
  EXPECT_EQ(shrink.code, 0) << shrink.err;
  const Outcome rerun = run_cli({"run", again.string(), "--json"});
  EXPECT_EQ(rerun.code, 0);
  EXPECT_EQ(Json::parse(rerun.out)["trace_digest"], failing["shrink"]["digest"]);
}

TEST(FuzzCommand, BadArgumentsExitTwoWithTheReason) {
  const fs::path out = temp_dir("bad");
  const Outcome seeds = run_cli({"fuzz", "--seeds", "9..3", "--out", out.string()});
  EXPECT_EQ(seeds.code, 2);
  EXPECT_NE(seeds.err.find("--seeds"), std::string::npos);
  const Outcome shard = run_cli({"fuzz", "--shard", "2/2", "--out", out.string()});
  EXPECT_EQ(shard.code, 2);
  EXPECT_NE(shard.err.find("--shard"), std::string::npos);
  const Outcome bug =
      run_cli({"fuzz", "--protocol", "raft", "--bug", "zab.diff_instead_of_trunc", "--out", out.string()});
  EXPECT_EQ(bug.code, 2);
  EXPECT_NE(bug.err.find("not a raft bug switch"), std::string::npos);
  const Outcome passing = run_cli(
      {"shrink", std::string(CONSIM_SOURCE_DIR) + "/scenarios/raft/healthy.json", "--out", (out / "x.json").string()});
  EXPECT_EQ(passing.code, 1);
  EXPECT_NE(passing.err.find("does not fail"), std::string::npos);
}

TEST(FuzzCommand, CorrectProtocolsPassAShortCampaign) {
  for (const char* protocol : {"raft", "zab"}) {
    const fs::path out = temp_dir(std::string("clean-") + protocol);
    const Outcome result =
        run_cli({"fuzz", "--protocol", protocol, "--seeds", "1..60", "--jobs", "2", "--quiet", "--out", out.string()});
    EXPECT_EQ(result.code, 0) << protocol << ": " << result.out << result.err;
    EXPECT_EQ(campaign(out)["failures"], 0) << protocol;
  }
}

}  // namespace
}  // namespace consim::cli
