// What a run says about itself: whether the scenario's `expect` held, summary.json, and the
// report printed on the terminal. Built from the RunReport only, so a summary holds nothing a
// second run of the same scenario and seed would not reproduce byte for byte.
#pragma once

#include <string>

#include "harness/runner.h"
#include "harness/scenario.h"

namespace consim::harness {

// Sets report.expect_held and report.expect_detail from scenario.expect and the checks.
void judge_expectation(const Scenario& scenario, RunReport& report);
// summary.json: the scenario (as run, with the seed), verdicts, metrics, digest, version.
std::string summary_json(const Scenario& scenario, const RunReport& report, const std::string& version,
                         const std::string& trace_file);

}  // namespace consim::harness
