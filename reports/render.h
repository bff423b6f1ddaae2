// Renders every report of a run directory into it, from its files alone:
//   sequence.dot / sequence.svg                the message sequence diagram (see sequence_diagram.h)
//   sequence-violation.dot / .svg              when an invariant failed: the messages leading to it
//   latency.{png,svg}, throughput.{png,svg}    by reports/plot_run.py, when Python has matplotlib
//   report.html                                the page (see html_report.h), linking all of these
// Each file is written to a temporary name and renamed into place, so a failure never leaves half
// a file. A missing `dot`, Python or matplotlib is a note in the page and in the result, not a
// failure; bad input files are (RenderResult::error), and then nothing is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "reports/html_report.h"
#include "reports/run_files.h"

namespace consim::reports {

struct RenderOptions {
  std::optional<int64_t> from_ns;  // the diagram's window; both unset: chosen
  std::optional<int64_t> to_ns;
  size_t max_messages = 150;
  bool plots = true;        // run the plotting script
  std::string plot_script;  // reports/plot_run.py; empty or absent: no plots (a note says so)
  std::string python;       // the interpreter; empty: /usr/bin/python3, else python3 on PATH
  // Called once the files are read, before the page is written: adds what the page should say
  // about failed history checks (the CLI checks the history again for the full counterexample
  // and may write the checker's own page). Returns notes. Unset: the counterexamples summary.json
  // names.
  std::function<std::vector<std::string>(const RunFiles&, std::vector<Counterexample>*)> counterexamples;
};

struct RenderResult {
  std::optional<ReadError> error;     // bad input: nothing was written
  std::vector<std::string> written;   // file names, relative to the directory
  std::vector<std::string> notes;     // what could not be rendered, and why
  std::vector<std::string> warnings;  // what a helper program printed (dot must print nothing)
};

RenderResult render_run_dir(const std::string& dir, const RenderOptions& options);

// Writes `text` to `path` through a temporary file renamed into place; a problem, or nothing.
std::optional<std::string> write_file_atomically(const std::string& path, const std::string& text);

}  // namespace consim::reports
