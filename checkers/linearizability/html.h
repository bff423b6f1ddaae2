// A self-contained HTML timeline of a checked history, the picture Porcupine users expect:
// one lane per process, each operation a bar from invocation to completion (x is the order of
// events, not to scale), coloured by outcome, with the failing key highlighted, the blocking
// operation outlined and the longest linearizable prefix numbered in order. The verdict, the
// counterexample, the reachable states and the partitions are summarised at the top.
//
// One file with inline CSS, SVG and a few lines of script (a key filter); nothing external.
// Every string from the history is escaped, so a value like "<script>" shows as text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/html.h"
#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/history.h"

namespace consim::checkers::lin {

struct TimelineOptions {
  std::string title;              // the history's name (its path)
  std::string model;              // the model the history was checked against
  size_t max_operations = 2'000;  // beyond this, the failing partition is drawn and the rest elided
};

// The whole document. `result` must come from check() on `history`.
std::string timeline_html(const History& history, const CheckResult& result, const TimelineOptions& options);

// Text made safe for HTML element content and quoted attribute values (base/html.h).
using consim::html_escape;

}  // namespace consim::checkers::lin
