// The protocols' lists of trace kinds (protocols/*/trace_kinds.h), which a scenario's crash point
// may wait for, name every kind the nodes actually emit: runs of fuzzed scenarios, with and
// without each bug switch, write no record of a kind missing from their protocol's list.
#include "protocols/raft/trace_kinds.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "harness/fuzz_generator.h"
#include "harness/runner.h"
#include "protocols/raft/config.h"
#include "protocols/zab/config.h"
#include "protocols/zab/trace_kinds.h"

namespace consim::harness {
namespace {

// The kinds of `prefix` in the trace of `scenario`'s run.
std::set<std::string> kinds_emitted(const Scenario& scenario, const std::string& prefix) {
  const std::filesystem::path dir =
      std::filesystem::path(testing::TempDir()) / ("trace-kinds-" + scenario.protocol + "-" + scenario.name);
  std::filesystem::remove_all(dir);
  RunOptions options;
  options.out_dir = dir.string();
  const RunResult result = run_scenario(scenario, options);
  EXPECT_TRUE(result.report.has_value()) << result.error;
  std::set<std::string> kinds;
  std::ifstream trace(dir / "trace.jsonl");
  const std::string key = "\"kind\":\"" + prefix;
  for (std::string line; std::getline(trace, line);) {
    const size_t at = line.find(key);
    if (at != std::string::npos) {
      const size_t start = at + 8;  // past "kind":"
      kinds.insert(line.substr(start, line.find('"', start) - start));
    }
  }
  std::filesystem::remove_all(dir);
  return kinds;
}

template <typename Kinds>
void expect_listed(const std::string& protocol, const std::vector<std::string>& bugs, const Kinds& listed) {
  std::set<std::string> seen;
  for (const std::string& bug : bugs) {
    FuzzSpec spec;
    spec.protocol = protocol;
    if (!bug.empty()) {
      spec.bugs = {bug};
    }
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      Scenario scenario = generate_scenario(spec, seed);
      scenario.name += "-" + std::to_string(seed) + (bug.empty() ? "" : "-" + bug);
      const std::set<std::string> kinds = kinds_emitted(scenario, protocol + ".");
      seen.insert(kinds.begin(), kinds.end());
    }
  }
  ASSERT_GT(seen.size(), 10u);  // the runs did write a trace
  for (const std::string& kind : seen) {
    EXPECT_NE(std::find(listed.begin(), listed.end(), kind), listed.end())
        << kind << " is emitted but missing from protocols/" << protocol << "/trace_kinds.h";
  }
}

// The other way round: every listed kind is one the protocol's sources build an Event of (a name
// that only looks like a kind, a bug switch's, would be a crash point that never strikes).
template <typename Kinds>
void expect_emitted_somewhere(const std::string& protocol, const Kinds& listed) {
  std::string sources;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(CONSIM_SOURCE_DIR) / "protocols" / protocol)) {
    if (entry.path().extension() == ".cc") {
      std::ifstream in(entry.path());
      sources.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  ASSERT_FALSE(sources.empty());
  for (const std::string_view kind : listed) {
    EXPECT_NE(sources.find("Event(\"" + std::string(kind) + "\")"), std::string::npos)
        << kind << " is listed but protocols/" << protocol << "/*.cc never emits it";
  }
}

TEST(TraceKinds, EveryListedKindIsEmittedByItsProtocol) {
  expect_emitted_somewhere("raft", protocols::raft::kTraceKinds);
  expect_emitted_somewhere("zab", protocols::zab::kTraceKinds);
}

TEST(TraceKinds, RaftListsEveryKindItsNodesEmit) {
  std::vector<std::string> bugs = {""};
  for (const auto& bug : protocols::raft::bug_catalogue()) {
    bugs.emplace_back(bug.name);
  }
  expect_listed("raft", bugs, protocols::raft::kTraceKinds);
}

TEST(TraceKinds, ZabListsEveryKindItsNodesEmit) {
  std::vector<std::string> bugs = {""};
  for (const auto& bug : protocols::zab::bug_catalogue()) {
    bugs.emplace_back(bug.name);
  }
  expect_listed("zab", bugs, protocols::zab::kTraceKinds);
}

}  // namespace
}  // namespace consim::harness
