// Every ZAB bug switch has a scenario (scenarios/zab/zk-NNNN-*.json, or scenarios/classic/ for the
// teaching ones) built from the bug catalogue's schedule
// (research/zab.md section d): run as written, the invariant it names must fire; run with its bug
// switches off, the same schedule must pass every check.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "protocols/zab/config.h"
#include "tests/harness/run_helpers.h"

namespace consim::harness {
namespace {

// The files named after a ZooKeeper issue: zk-1154-diff-instead-of-trunc.json.
std::vector<std::string> bug_scenarios() {
  std::vector<std::string> files;
  for (const char* folder : {"/scenarios/zab", "/scenarios/classic"}) {
    for (const auto& entry : std::filesystem::directory_iterator(std::string(CONSIM_SOURCE_DIR) + folder)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("zk-", 0) == 0 && name.size() > 3 && std::isdigit(static_cast<unsigned char>(name[3])) != 0 &&
          entry.path().extension() == ".json") {
        files.push_back(entry.path().string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

Scenario load(const std::string& file) {
  ScenarioResult loaded = load_scenario(file);
  if (const auto* error = std::get_if<ScenarioError>(&loaded)) {
    ADD_FAILURE() << error->message;
    return Scenario{};
  }
  return std::get<Scenario>(loaded);
}

TEST(ZabBugScenarios, EverySwitchHasAScenario) {
  std::set<std::string> covered;
  for (const std::string& file : bug_scenarios()) {
    for (const std::string& bug : load(file).bugs) {
      covered.insert(bug);
    }
  }
  for (const protocols::zab::BugInfo& info : protocols::zab::bug_catalogue()) {
    EXPECT_EQ(covered.count(std::string(info.name)), 1u) << info.name << " has no zk-NNNN scenario";
  }
}

TEST(ZabBugScenarios, FailWithTheSwitchOnAndPassWithItOff) {
  const std::vector<std::string> files = bug_scenarios();
  ASSERT_GE(files.size(), protocols::zab::bug_catalogue().size());
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    Scenario scenario = load(file);
    ASSERT_FALSE(scenario.bugs.empty());
    ASSERT_EQ(scenario.expect.verdict, "fail");
    const RunReport with_bug = test_support::run(scenario);
    EXPECT_EQ(with_bug.verdict, "fail");
    EXPECT_TRUE(with_bug.expect_held) << with_bug.expect_detail;
    const CheckOutcome& invariants = test_support::check(with_bug, "invariants");
    EXPECT_EQ(invariants.status, "fail");
    EXPECT_NE(invariants.detail.find(scenario.expect.invariant), std::string::npos) << invariants.detail;

    scenario.bugs.clear();
    scenario.expect = Expectation{};
    const RunReport without = test_support::run(scenario);
    EXPECT_EQ(without.verdict, "pass");
    for (const CheckOutcome& outcome : without.checks) {
      EXPECT_EQ(outcome.status, "pass") << outcome.name << ": " << outcome.detail;
    }
  }
}

}  // namespace
}  // namespace consim::harness
