// Shared by the tests that run whole scenarios in-process (runner_test, znode_binding_test).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "harness/runner.h"
#include "harness/scenario.h"

namespace consim::harness::test_support {

// Five nodes, four clients on two keys, a short run: the base the tests vary.
inline Scenario small_scenario(uint64_t seed, const std::string& service) {
  Scenario scenario;
  scenario.file = "test";
  scenario.name = service + "-runner-test";
  scenario.service = service;
  scenario.nodes = 5;
  scenario.seed = seed;
  scenario.workload.clients = 4;
  scenario.workload.keys = 2;
  scenario.workload.timeout_ms = 300;
  return scenario;
}

inline const CheckOutcome& check(const RunReport& report, const std::string& name) {
  for (const CheckOutcome& outcome : report.checks) {
    if (outcome.name == name) {
      return outcome;
    }
  }
  ADD_FAILURE() << "no check " << name;
  static const CheckOutcome none;
  return none;
}

inline RunReport run(const Scenario& scenario) {
  RunResult result = run_scenario(scenario, RunOptions{});
  EXPECT_TRUE(result.report.has_value()) << result.error;
  return std::move(*result.report);
}

inline Fault at(double ms, FaultAction action) { return Fault{ms, std::move(action)}; }

// The same scenario and seed give the same digest, summary and history; another seed another
// digest.
inline void expect_deterministic(Scenario scenario) {
  const RunReport first = run(scenario);
  const RunReport second = run(scenario);
  EXPECT_EQ(first.digest, second.digest);
  EXPECT_EQ(first.summary_json, second.summary_json);
  EXPECT_EQ(first.history_jsonl, second.history_jsonl);
  scenario.seed = 4;
  EXPECT_NE(run(scenario).digest, first.digest);
}

}  // namespace consim::harness::test_support
