// `consim check --html FILE` and the reachable states in the text and JSON reports.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "tests/cli/run_cli.h"

namespace consim::cli {
namespace {

namespace fs = std::filesystem;

const std::string kData = CONSIM_SOURCE_DIR "/../shared/data/porcupine/";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh path in the temporary directory, removed with its temporary sibling at the end.
class TempPath {
 public:
  explicit TempPath(const std::string& name) : path_(fs::temp_directory_path() / name) { clean(); }
  ~TempPath() { clean(); }
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  const fs::path& path() const { return path_; }
  std::string string() const { return path_.string(); }

 private:
  void clean() {
    std::error_code ignored;
    fs::remove(path_, ignored);
    fs::remove(path_.string() + ".tmp", ignored);
  }
  fs::path path_;
};

TEST(CliCheckHtml, ViolationWritesTheTimelineAndExitsOne) {
  const TempPath html("consim_check_c10_bad.html");
  const Outcome outcome = run_cli({"check", kData + "kv/c10-bad.txt", "--html", html.string()});
  EXPECT_EQ(outcome.code, kExitCheckFailed) << outcome.err;
  ASSERT_TRUE(fs::exists(html.path()));
  EXPECT_FALSE(fs::exists(html.string() + ".tmp"));
  const std::string text = read_text(html.path());
  EXPECT_EQ(text.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(text.find("not linearizable"), std::string::npos);
  EXPECT_NE(text.find(" blocking\""), std::string::npos);
  EXPECT_NE(text.find("(failing)"), std::string::npos);  // the key filter names the failing key
  EXPECT_NE(outcome.out.find("verdict: not linearizable"), std::string::npos) << outcome.out;
}

TEST(CliCheckHtml, LinearizableHistoryGetsATimelineToo) {
  const TempPath html("consim_check_etcd_002.html");
  const Outcome outcome = run_cli({"check", kData + "jepsen/etcd_002.log", "--html", html.string()});
  EXPECT_EQ(outcome.code, kExitOk) << outcome.err;
  const std::string text = read_text(html.path());
  EXPECT_NE(text.find(">linearizable</div>"), std::string::npos);
  EXPECT_NE(text.find("<svg"), std::string::npos);
}

TEST(CliCheckHtml, UnwritablePathExitsTwoBeforeChecking) {
  const std::string path = "/nonexistent-consim-dir/timeline.html";
  const Outcome outcome = run_cli({"check", kData + "kv/c10-bad.txt", "--html", path});
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_NE(outcome.err.find("cannot write --html " + path), std::string::npos) << outcome.err;
  EXPECT_EQ(outcome.out, "");
}

TEST(CliCheckHtml, BadHistoryLeavesNoFileBehind) {
  const TempPath html("consim_check_no_history.html");
  const Outcome outcome = run_cli({"check", "/nonexistent/history.jsonl", "--html", html.string()});
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_FALSE(fs::exists(html.path()));
  EXPECT_FALSE(fs::exists(html.string() + ".tmp"));
}

TEST(CliCheckHtml, TextReportListsTheReachableStates) {
  const Outcome outcome = run_cli({"check", kData + "jepsen/etcd_000.log", "--model", "register"});
  EXPECT_EQ(outcome.code, kExitCheckFailed) << outcome.err;
  EXPECT_NE(outcome.out.find("states reachable just before it: "), std::string::npos) << outcome.out;
}

TEST(CliCheckHtml, JsonCarriesTheReachableStates) {
  const Outcome outcome = run_cli({"check", kData + "kv/c10-bad.txt", "--json"});
  EXPECT_EQ(outcome.code, kExitCheckFailed) << outcome.err;
  const nlohmann::json json = nlohmann::json::parse(outcome.out);
  const nlohmann::json& counterexample = json["counterexample"];
  ASSERT_TRUE(counterexample["reachable_states"].is_array()) << counterexample.dump(2);
  EXPECT_FALSE(counterexample["reachable_states"].empty());
  for (const nlohmann::json& state : counterexample["reachable_states"]) {
    EXPECT_TRUE(state["state"].is_string());
    EXPECT_TRUE(state["operation_legal"].is_boolean());
  }
  EXPECT_GE(counterexample["reachable_states_found"].get<size_t>(), counterexample["reachable_states"].size());
  EXPECT_TRUE(counterexample["reachable_states_exhaustive"].get<bool>());
}

}  // namespace
}  // namespace consim::cli
