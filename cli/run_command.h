// `consim run SCENARIO.json`: runs a scenario and says whether its expectation held.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace consim::cli {

struct RunCommandOptions {
  std::string scenario_path;
  std::optional<uint64_t> seed;
  std::string out_dir;
  bool explain = false;
  bool json = false;       // print summary.json instead of the human report
  bool no_report = false;  // with out_dir: skip rendering the reports (cli/report_command.h)
};

// Exit codes: 0 the scenario's expectation held, 1 it did not, 2 bad input (or, with --out and
// without --no-report, reports that could not be rendered from the files just written).
int run_run(const RunCommandOptions& options, std::ostream& out, std::ostream& err);

// `consim list scenarios`: the scenario files under `dir` (recursively), with their descriptions.
int list_scenarios(const std::string& dir, std::ostream& out, std::ostream& err);
// `consim list faults`: the fault vocabulary of scenario files.
void list_faults(std::ostream& out);

}  // namespace consim::cli
