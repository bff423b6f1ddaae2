// `consim compare SCENARIO.json`: the scenario's workload and fault schedule on Raft and on ZAB,
// side by side (harness/compare.h): compare.md, compare.json and every run's files, then each
// run's reports (as `consim report`) and the comparison charts (reports/plot_compare.py:
// compare-<group>.png/.svg).
#pragma once

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace consim::cli {

struct CompareCommandOptions {
  std::string scenario_path;
  std::string seeds = "1..3";  // A..B, inclusive
  std::string out_dir = "compare-out";
  bool no_read_modes = false;  // skip the runs of every read mode
  bool no_report = false;      // skip each run's reports and the comparison charts
  bool quiet = false;          // no line per run
};

// Exit codes: 0 compared (whatever the runs' verdicts), 2 bad input or an unwritable directory.
int run_compare(const CompareCommandOptions& options, std::ostream& out, std::ostream& err);

// Registers `compare` on the application.
CLI::App* add_compare_command(CLI::App& app, CompareCommandOptions& options);

}  // namespace consim::cli
