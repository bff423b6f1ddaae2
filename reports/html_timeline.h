// The timeline of report.html as one inline SVG (see html_report.h for what it shows). Every
// element placed in time carries its times in ms (data-a, data-b) so that the page's script can
// zoom; the positions written here are those of the whole run, for a reader without script.
#pragma once

#include <string>
#include <vector>

#include "reports/html_report.h"
#include "reports/timeline.h"

namespace consim::reports {

std::string timeline_svg(const RunTimeline& timeline, const std::vector<Counterexample>& counterexamples);

// Client processes packed into lanes: a process joins the first lane whose previous process had
// finished (its last completion) before this one's first invocation. lane_of[i] is operation
// i's lane; labels name each lane's processes.
struct OperationLanes {
  std::vector<size_t> lane_of;
  std::vector<std::string> labels;
};
OperationLanes pack_operation_lanes(const std::vector<OperationSpan>& operations);

// "p3 write k1 5 -> ok at n2, 1234.567 to 1250.000 ms, history line 12"
std::string operation_title(const OperationSpan& op);

}  // namespace consim::reports
