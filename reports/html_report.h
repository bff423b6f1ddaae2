// report.html: one self-contained page about a run (inline CSS, script and SVG; nothing loaded
// from the network), rendered from the run's files:
//   - the scenario, its verdict and every check with its detail;
//   - one timeline on a shared time axis: fault periods shaded across everything (partition
//     until heal, crash until restart, a pause for its length) and instants (heal, clock,
//     network, disk...) as lines; each server's role and term (ZAB: state, phase and epoch);
//     each server's commit progress; each client operation as a bar from invocation to
//     completion coloured by outcome (ok, fail, info; pending ones run to the end), lanes shared
//     by processes that never overlap; the invariant violation as a red line;
//   - when a history check failed, the counterexample: the operation that cannot be placed
//     outlined, the operations on its key highlightable, the end of the longest linearizable
//     prefix numbered, and a link to the checker's own page when there is one;
//   - links to the sequence diagrams and plots that exist, the metrics, and notes.
//
// The same files and options give the same bytes (no timestamps, no hash-map order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/html.h"
#include "reports/run_files.h"
#include "reports/timeline.h"

namespace consim::reports {

// Where a history check failed: the operation that cannot be placed and, when the history was
// checked again, the longest prefix that can.
struct Counterexample {
  std::string check;                 // the summary's check: linearizability or sequential
  std::string key;                   // empty when the whole history is one partition
  size_t blocking_line = 0;          // history.jsonl line of the blocking operation's invocation
  std::vector<size_t> prefix_lines;  // invocation lines of the longest prefix, in its order
  std::string state;                 // the model's state after the prefix
  std::string page;                  // the checker's own timeline page, relative to the report
};

// The counterexample summary.json names for `check` ("key k1, line 3364 cannot be placed ...
// (state 467)"), when that check failed and says where.
std::optional<Counterexample> counterexample_from_summary(const RunSummary& summary, const std::string& check);

struct Link {
  std::string href;  // relative to the report
  std::string text;
};

struct HtmlReportOptions {
  std::vector<Link> diagrams;  // sequence diagrams (SVG, and their DOT)
  std::vector<Link> plots;     // latency.svg, throughput.svg: shown as images too
  std::vector<std::string> notes;
  std::vector<Counterexample> counterexamples;
};

std::string report_html(const RunFiles& files, const RunTimeline& timeline, const HtmlReportOptions& options);

// Text made safe for HTML element content and quoted attribute values (base/html.h).
using consim::html_escape;

}  // namespace consim::reports
