// `consim report DIR`: (re-)renders a run directory's reports from its files (reports/render.h):
// report.html, the message sequence diagram(s), the latency and throughput plots, and, when a
// history check failed, the checker's own timeline of the counterexample (linearizability.html,
// sequential.html). `consim run --out DIR` calls it after writing the files, unless --no-report.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace consim::cli {

struct ReportCommandOptions {
  std::string dir;
  std::optional<double> from_ms;  // the diagram's window; both unset: chosen around the first fault
  std::optional<double> to_ms;
  size_t max_messages = 150;
  bool no_plots = false;  // skip reports/plot_run.py
  bool quiet = false;     // no line per file written
};

// Exit codes: 0 rendered, 2 bad input (a file missing or malformed, named with its line and the
// problem; nothing written) or an unwritable directory.
int run_report(const ReportCommandOptions& options, std::ostream& out, std::ostream& err);

// Registers `report` on the application.
CLI::App* add_report_command(CLI::App& app, ReportCommandOptions& options);

}  // namespace consim::cli
