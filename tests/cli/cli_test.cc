#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "tests/cli/run_cli.h"

namespace consim::cli {
namespace {

TEST(Cli, VersionPrintsTheVersion) {
  const Outcome outcome = run_cli({"--version"});
  EXPECT_EQ(outcome.code, kExitOk);
  EXPECT_EQ(outcome.out.rfind("consim ", 0), 0u) << outcome.out;
}

TEST(Cli, HelpListsTheCommands) {
  const Outcome outcome = run_cli({"--help"});
  EXPECT_EQ(outcome.code, kExitOk);
  EXPECT_NE(outcome.out.find("demo"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("Exit codes"), std::string::npos) << outcome.out;
}

TEST(Cli, UnknownCommandExitsTwoAndNamesIt) {
  const Outcome outcome = run_cli({"frobnicate"});
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_NE(outcome.err.find("unknown command 'frobnicate'"), std::string::npos) << outcome.err;
  EXPECT_TRUE(outcome.out.empty());
}

TEST(Cli, NoCommandExitsTwo) {
  const Outcome outcome = run_cli({});
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_FALSE(outcome.err.empty());
}

TEST(Cli, UnknownFlagExitsTwoAndNamesIt) {
  const Outcome outcome = run_cli({"demo", "--colour", "blue"});
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_NE(outcome.err.find("--colour"), std::string::npos) << outcome.err;
}

TEST(Cli, OutOfRangeValueExitsTwoAndNamesTheFlag) {
  const Outcome outcome = run_cli({"demo", "--hosts", "1"});
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_NE(outcome.err.find("--hosts"), std::string::npos) << outcome.err;
}

TEST(Cli, MalformedNumberExitsTwo) {
  const Outcome outcome = run_cli({"demo", "--seed", "twelve"});
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_NE(outcome.err.find("--seed"), std::string::npos) << outcome.err;
}

TEST(Cli, UnwritableTraceExitsTwoAndNamesTheFile) {
  const Outcome outcome = run_cli({"demo", "--trace", "/nonexistent-dir/trace.jsonl"});
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_NE(outcome.err.find("/nonexistent-dir/trace.jsonl"), std::string::npos) << outcome.err;
  EXPECT_TRUE(outcome.out.empty());
}

TEST(Cli, DemoPrintsADigestThatDependsOnTheSeed) {
  const Outcome first = run_cli({"demo", "--seed", "2", "--duration-ms", "1500"});
  const Outcome again = run_cli({"demo", "--seed", "2", "--duration-ms", "1500"});
  const Outcome other = run_cli({"demo", "--seed", "3", "--duration-ms", "1500"});
  ASSERT_EQ(first.code, kExitOk) << first.err;
  const auto digest_line = [](const std::string& text) { return text.substr(text.find("digest: ")); };
  EXPECT_EQ(digest_line(first.out), digest_line(again.out));
  EXPECT_NE(digest_line(first.out), digest_line(other.out));
}

TEST(Cli, DemoWritesItsTrace) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "consim_cli_test_trace.jsonl";
  const Outcome outcome = run_cli({"demo", "--duration-ms", "500", "--trace", path.string()});
  ASSERT_EQ(outcome.code, kExitOk) << outcome.err;
  std::ifstream trace(path);
  std::string first_line;
  ASSERT_TRUE(std::getline(trace, first_line));
  EXPECT_EQ(first_line.rfind("{\"t\":0,\"kind\":\"run.start\"", 0), 0u) << first_line;
  std::filesystem::remove(path);
}

TEST(Cli, ListBugsNamesEveryRaftBugSwitch) {
  const Outcome outcome = run_cli({"list", "bugs"});
  ASSERT_EQ(outcome.code, kExitOk) << outcome.err;
  for (const char* bug : {"raft.commit_previous_term", "raft.vote_before_persist", "raft.truncate_on_stale_append",
                          "raft.vote_without_log_check", "raft.lease_ignores_drift", "raft.conf_change_before_noop"}) {
    EXPECT_NE(outcome.out.find(bug), std::string::npos) << bug;
  }
  EXPECT_NE(outcome.out.find("caught by: "), std::string::npos);
}

TEST(Cli, ListBugsNamesEveryZabBugSwitchAfterRafts) {
  const Outcome outcome = run_cli({"list", "bugs"});
  ASSERT_EQ(outcome.code, kExitOk) << outcome.err;
  for (const char* bug :
       {"zab.ack_newleader_before_persist", "zab.write_epoch_before_persist", "zab.diff_instead_of_trunc",
        "zab.set_lastprocessed_on_diff", "zab.drop_outstanding_on_newleader", "zab.retain_db_on_trunc"}) {
    EXPECT_NE(outcome.out.find(std::string(bug) + "\n"), std::string::npos) << bug;
    EXPECT_GT(outcome.out.find(bug), outcome.out.find("raft.commit_previous_term")) << bug;
  }
}

TEST(Cli, ListSomethingUnknownExitsTwo) {
  const Outcome outcome = run_cli({"list", "unicorns"});
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_NE(outcome.err.find("unicorns"), std::string::npos) << outcome.err;
}

// The real executable, as a shell sees it: main() must pass run()'s exit code through.
TEST(CliBinary, ExitCodesReachTheShell) {
  const std::string binary = CONSIM_BINARY;
  const auto exit_code = [&](const std::string& args) {
    const int status = std::system((binary + " " + args + " >/dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(exit_code("--version"), 0);
  EXPECT_EQ(exit_code("no-such-command"), 2);
  EXPECT_EQ(exit_code("demo --hosts 0"), 2);
  EXPECT_EQ(exit_code("demo --duration-ms 200"), 0);
}

}  // namespace
}  // namespace consim::cli
