// A message sequence diagram of a time window, as Graphviz DOT (Lamport's space-time diagram, as
// Maelstrom and ShiViz draw it): one lifeline per server, top to bottom in time; an arrow for each
// message between servers from its send to its delivery, labelled with its type; dropped messages
// end in a red bar, messages still in flight when the diagram ends trail off dotted. Crashes,
// restarts, pauses, role changes (leaders in gold) sit on the lifelines; a crashed stretch of a
// lifeline is dashed red, a paused one dotted. Partitions, cuts, heals and other faults are
// horizontal lines with their description on the right; the time of each row is on the left.
//
// Rows are the distinct event times (not to scale: a longer gap gets a little more room), so that
// bursts stay readable. Client traffic is left out. Nodes are pinned (layout=neato with pos="x,y!")
// so `dot -Tsvg` draws exactly this layout, without warnings, the same bytes for the same files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "reports/run_files.h"
#include "reports/timeline.h"

namespace consim::reports {

struct DiagramOptions {
  std::optional<int64_t> from_ns;  // both unset: chosen (see choose_window)
  std::optional<int64_t> to_ns;
  size_t max_messages = 150;               // messages drawn at most; the window shrinks to fit
  int64_t span_ns = 400'000'000;           // the length of a chosen window
  int64_t lead_ns = 10'000'000;            // how much of a chosen window precedes its anchor
  int64_t delivery_grace_ns = 50'000'000;  // deliveries this long after the window are still drawn
  bool end_at_violation = false;           // the window ends at the invariant violation
};

struct DiagramWindow {
  int64_t from_ns = 0;
  int64_t to_ns = 0;  // messages sent in [from_ns, to_ns] are drawn
  std::string reason;
  size_t messages = 0;  // server-to-server messages sent in the window asked for
  bool capped = false;  // the window was shortened to max_messages
};

// The window to draw. Given --from-ms/--to-ms, that window. Otherwise a window of span_ns
// starting lead_ns before the first partition, cut, crash or pause, else before the first leader
// election, else at 0; with end_at_violation, the span_ns that ends at the invariant violation.
// A window holding more than max_messages messages is shortened: from its end, or from its start
// when it ends at the violation.
DiagramWindow choose_window(const RunFiles& files, const RunTimeline& timeline, const DiagramOptions& options);
// The same window before it is shortened, from the timeline alone. The diagram reads the net.*
// records of messages sent in it and delivered up to delivery_grace_ns after it, and no others.
DiagramWindow requested_window(const RunTimeline& timeline, const DiagramOptions& options);

struct SequenceDiagram {
  std::string dot;
  DiagramWindow window;
  size_t delivered = 0;  // arrows drawn
  size_t dropped = 0;
  size_t in_flight = 0;
};

SequenceDiagram sequence_diagram(const RunFiles& files, const RunTimeline& timeline, const DiagramOptions& options);

}  // namespace consim::reports
