// The timeline is drawn on the server side as SVG, so the file needs no script to show it;
// the inline script only filters keys. The x axis is the rank of each distinct event time
// among the drawn operations (as in Porcupine's visualization): real histories have long
// quiet gaps and bursts of concurrency, and ranks keep every overlap visible.
#include "checkers/linearizability/html.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <sstream>
#include <vector>

#include "base/assert.h"

namespace consim::checkers::lin {
namespace {

constexpr int kLeftPx = 76;      // room for the lane labels
constexpr int kTopPx = 34;       // room for the time axis
constexpr int kLanePx = 26;      // one process
constexpr int kBarPx = 16;       // an operation's bar inside its lane
constexpr int kPlotPx = 1600;    // the width a short history is spread over
constexpr int kColumnPxMin = 6;  // long histories scroll instead of squeezing further
constexpr int kColumnPxMax = 40;
constexpr double kCharPx = 6.6;  // average glyph width of the bar labels, for fitting them
constexpr size_t kPrefixListed = 12;
constexpr size_t kPartitionsListed = 40;
constexpr const char* kPalette[] = {"#1f77b4", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
                                    "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"};

// What is drawn: every operation, or for a big history the failing partition (or a window of it).
struct Selection {
  std::vector<size_t> ops;  // indices into History::operations, in invocation order
  std::string note;         // empty when every operation is drawn
};

struct Layout {
  std::vector<int64_t> times;      // distinct event times of the drawn operations, ascending
  std::vector<int64_t> processes;  // ascending; one lane each
  std::map<std::string, size_t> key_index;
  std::vector<std::string> keys;  // in order of first appearance
  int column_px = kColumnPxMax;

  size_t column(int64_t time_ns) const {
    return static_cast<size_t>(std::lower_bound(times.begin(), times.end(), time_ns) - times.begin());
  }
  size_t lane(int64_t process) const {
    return static_cast<size_t>(std::lower_bound(processes.begin(), processes.end(), process) - processes.begin());
  }
  int x(size_t column_index) const { return kLeftPx + static_cast<int>(column_index) * column_px; }
  int width_px() const { return x(times.size() + 1) + 12; }
  int height_px() const { return kTopPx + static_cast<int>(processes.size()) * kLanePx + 8; }
};

// The explanation's marks on operations: their place in the longest prefix, the blocking one.
struct Marks {
  std::vector<size_t> prefix_position;  // per operation: 1-based order in the prefix, 0 if not in it
  size_t blocking = ~size_t{0};
  bool failure = false;
  std::string failing_key;

  bool in_failing_partition(const Operation& op) const {
    return failure && (failing_key.empty() || op.key == failing_key);
  }
};

std::string key_label(const std::string& key) { return key.empty() ? "(no key)" : "\"" + key + "\""; }

Marks marks_of(const History& history, const CheckResult& result) {
  Marks marks;
  marks.prefix_position.assign(history.operations.size(), 0);
  if (const auto& cex = result.counterexample) {
    marks.failure = true;
    marks.failing_key = cex->key;
    marks.blocking = cex->operation;
    for (size_t i = 0; i < cex->longest_prefix.size(); ++i) {
      marks.prefix_position[cex->longest_prefix[i]] = i + 1;
    }
  }
  return marks;
}

Selection select_operations(const History& history, const Marks& marks, size_t max_operations) {
  Selection selection;
  const size_t total = history.operations.size();
  if (total <= max_operations) {
    for (size_t i = 0; i < total; ++i) {
      selection.ops.push_back(i);
    }
    return selection;
  }
  if (!marks.failure) {
    for (size_t i = 0; i < max_operations; ++i) {
      selection.ops.push_back(i);
    }
    selection.note = "Showing the first " + std::to_string(max_operations) + " of " + std::to_string(total) +
                     " operations (the timeline draws at most " + std::to_string(max_operations) + ").";
    return selection;
  }
  std::vector<size_t> failing;
  for (size_t i = 0; i < total; ++i) {
    if (marks.in_failing_partition(history.operations[i])) {
      failing.push_back(i);
    }
  }
  if (failing.size() <= max_operations) {
    selection.ops = failing;
    selection.note = "Showing the " + std::to_string(failing.size()) + " operations of the failing key " +
                     key_label(marks.failing_key) + " in full; the other " + std::to_string(total - failing.size()) +
                     " operations are elided (the timeline draws at most " + std::to_string(max_operations) + ").";
    return selection;
  }
  // A window of the failing partition, mostly before the blocking operation: its past explains it.
  const size_t at = static_cast<size_t>(std::find(failing.begin(), failing.end(), marks.blocking) - failing.begin());
  const size_t lead = max_operations * 3 / 4;
  size_t first = at > lead ? at - lead : 0;
  first = std::min(first, failing.size() - max_operations);
  selection.ops.assign(failing.begin() + static_cast<std::ptrdiff_t>(first),
                       failing.begin() + static_cast<std::ptrdiff_t>(first + max_operations));
  selection.note = "Showing operations " + std::to_string(first + 1) + " to " + std::to_string(first + max_operations) +
                   " of the " + std::to_string(failing.size()) + " of the failing key " + key_label(marks.failing_key) +
                   ", around the blocking operation; the other " + std::to_string(total - max_operations) +
                   " operations of the history are elided.";
  return selection;
}

Layout layout_of(const History& history, const Selection& selection) {
  Layout layout;
  for (const size_t index : selection.ops) {
    const Operation& op = history.operations[index];
    layout.times.push_back(op.invoke_ns);
    if (op.complete_ns != kNeverNs) {
      layout.times.push_back(op.complete_ns);
    }
    layout.processes.push_back(op.process);
    if (layout.key_index.emplace(op.key, layout.keys.size()).second) {
      layout.keys.push_back(op.key);
    }
  }
  for (std::vector<int64_t>* values : {&layout.times, &layout.processes}) {
    std::sort(values->begin(), values->end());
    values->erase(std::unique(values->begin(), values->end()), values->end());
  }
  const int columns = static_cast<int>(layout.times.size()) + 1;
  layout.column_px = std::clamp(kPlotPx / columns, kColumnPxMin, kColumnPxMax);
  return layout;
}

const char* key_color(size_t key_index) { return kPalette[key_index % std::size(kPalette)]; }

std::string op_tooltip(const Operation& op, const Marks& marks, size_t index) {
  std::string text = op.describe();
  text += "\ninvoked at t=" + std::to_string(op.invoke_ns);
  if (op.complete_ns != kNeverNs) {
    text += ", completed at t=" + std::to_string(op.complete_ns) + " (line " + std::to_string(op.complete_line) + ")";
  } else {
    text += "; never completed: it may take effect at any time after its invocation, or never";
  }
  if (const size_t position = marks.prefix_position[index]) {
    text += "\nlongest linearizable prefix: #" + std::to_string(position);
  }
  if (index == marks.blocking) {
    text += "\ncannot be linearized: no extension of the prefix places it";
  }
  return text;
}

// The short label drawn inside a bar when it fits: "cas [1 2]", "read 3".
std::string op_label(const Operation& op) {
  std::string label = op.f;
  if (!op.input.is_null()) {
    label += " " + op.input.to_string();
  }
  if (op.status == Status::ok && !op.output.is_null() && !(op.output == op.input)) {
    label += " \u2192 " + op.output.to_string();
  }
  return label;
}

void write_operation(std::ostream& out, const History& history, size_t index, const Layout& layout,
                     const Marks& marks) {
  const Operation& op = history.operations[index];
  const bool open = op.complete_ns == kNeverNs;
  const int x1 = layout.x(layout.column(op.invoke_ns)) + 2;
  const int x2 = open ? layout.x(layout.times.size() + 1) : layout.x(layout.column(op.complete_ns) + 1) - 2;
  const int width = std::max(x2 - x1, 3);
  const int y = kTopPx + static_cast<int>(layout.lane(op.process)) * kLanePx + (kLanePx - kBarPx) / 2;
  const size_t key = layout.key_index.at(op.key);
  std::string classes = std::string("op ") + status_name(op.status);
  if (marks.failure) {
    classes += marks.in_failing_partition(op) ? " failing" : " other";
  }
  classes += open ? " open" : "";
  classes += index == marks.blocking ? " blocking" : "";
  out << "<g class=\"" << classes << "\" data-k=\"k" << key << "\"><title>" << html_escape(op_tooltip(op, marks, index))
      << "</title>";
  out << "<rect class=\"bar\" x=\"" << x1 << "\" y=\"" << y << "\" width=\"" << width << "\" height=\"" << kBarPx
      << "\" rx=\"3\"/>";
  out << "<rect x=\"" << x1 << "\" y=\"" << y << "\" width=\"" << width << "\" height=\"3\" fill=\"" << key_color(key)
      << "\"/>";
  const std::string label = op_label(op);
  if (static_cast<double>(label.size()) * kCharPx + 6 < width) {
    out << "<text class=\"label\" x=\"" << x1 + 3 << "\" y=\"" << y + kBarPx - 3 << "\">" << html_escape(label)
        << "</text>";
  }
  if (const size_t position = marks.prefix_position[index]) {
    out << "<text class=\"order\" x=\"" << x1 << "\" y=\"" << y - 1 << "\">" << position << "</text>";
  }
  if (index == marks.blocking) {
    out << "<text class=\"cross\" x=\"" << x2 + 3 << "\" y=\"" << y + kBarPx - 3 << "\">\u2717</text>";
  }
  out << "</g>\n";
}

void write_axis(std::ostream& out, const Layout& layout) {
  const size_t every = static_cast<size_t>(std::max(1, 90 / layout.column_px));
  for (size_t c = 0; c < layout.times.size(); c += every) {
    out << "<line class=\"tick\" x1=\"" << layout.x(c) << "\" y1=\"" << kTopPx - 6 << "\" x2=\"" << layout.x(c)
        << "\" y2=\"" << layout.height_px() << "\"/><text class=\"time\" x=\"" << layout.x(c) + 2 << "\" y=\""
        << kTopPx - 10 << "\">" << layout.times[c] << "</text>\n";
  }
  for (size_t lane = 0; lane < layout.processes.size(); ++lane) {
    const int y = kTopPx + static_cast<int>(lane) * kLanePx;
    out << "<rect class=\"lane" << (lane % 2 == 0 ? " even" : "") << "\" x=\"0\" y=\"" << y << "\" width=\""
        << layout.width_px() << "\" height=\"" << kLanePx << "\"/><text class=\"process\" x=\"6\" y=\""
        << y + kLanePx / 2 + 4 << "\">process " << layout.processes[lane] << "</text>\n";
  }
}

void write_timeline(std::ostream& out, const History& history, const Selection& selection, const Layout& layout,
                    const Marks& marks) {
  out << "<div class=\"scroll\"><svg id=\"timeline\" class=\"" << (marks.failure ? "dim" : "")
      << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << layout.width_px() << "\" height=\"" << layout.height_px()
      << "\">\n";
  write_axis(out, layout);
  const bool blocking_drawn =
      std::find(selection.ops.begin(), selection.ops.end(), marks.blocking) != selection.ops.end();
  if (blocking_drawn) {
    // A band over every lane: what overlaps it was concurrent with the blocking operation.
    const Operation& op = history.operations[marks.blocking];
    const int x1 = layout.x(layout.column(op.invoke_ns));
    const int x2 = layout.x(layout.column(op.complete_ns) + 1);
    out << "<rect class=\"band\" x=\"" << x1 << "\" y=\"" << kTopPx << "\" width=\"" << x2 - x1 << "\" height=\""
        << layout.height_px() - kTopPx << "\"/>\n";
  }
  // The blocking operation last, so that its outline is drawn over its neighbours.
  for (const size_t index : selection.ops) {
    if (index != marks.blocking) {
      write_operation(out, history, index, layout, marks);
    }
  }
  if (blocking_drawn) {
    write_operation(out, history, marks.blocking, layout, marks);
  }
  out << "</svg></div>\n";
}

void write_reachable(std::ostream& out, const ReachableStates& reachable) {
  out << "<p>States reachable just before it (every partial linearization, respecting real time, that places "
         "each operation completed before it was invoked): <b>"
      << reachable.found << (reachable.exhaustive ? "" : " or more") << "</b></p>\n<ul class=\"states\">";
  for (const ReachableState& state : reachable.shown) {
    out << "<li><code>" << html_escape(state.state) << "</code>"
        << (state.operation_legal ? " &mdash; it can take effect here, but the rest cannot be linearized after it" : "")
        << "</li>";
  }
  if (reachable.found > reachable.shown.size()) {
    out << "<li>&hellip; and " << reachable.found - reachable.shown.size() << " more</li>";
  }
  out << "</ul>\n";
  if (!reachable.exhaustive) {
    out << "<p class=\"note\">The exploration stopped at its bound after " << reachable.steps
        << " model steps; there may be more states.</p>\n";
  }
}

void write_counterexample(std::ostream& out, const History& history, const Counterexample& cex) {
  out << "<section class=\"cex\"><h2>Why</h2>\n<p>Partition: <b>"
      << (cex.key.empty() ? "the whole history" : "key " + html_escape(key_label(cex.key))) << "</b></p>\n";
  out << "<p>Cannot linearize <span class=\"blocking-chip\">\u2717</span> <code>"
      << html_escape(history.operations[cex.operation].describe()) << "</code></p>\n";
  const std::vector<size_t>& prefix = cex.longest_prefix;
  out << "<details" << (prefix.size() <= kPrefixListed ? " open" : "")
      << "><summary>Longest linearizable prefix: " << prefix.size()
      << " operations (numbered on the timeline)</summary><ol>";
  for (const size_t index : prefix) {
    out << "<li><code>" << html_escape(history.operations[index].describe()) << "</code></li>";
  }
  out << "</ol></details>\n<p>State after the prefix: <code>" << html_escape(cex.state) << "</code></p>\n";
  if (cex.reachable) {
    write_reachable(out, *cex.reachable);
  }
  out << "</section>\n";
}

void write_partitions(std::ostream& out, const CheckResult& result) {
  out << "<details><summary>" << result.partitions.size()
      << " partitions</summary><table class=\"partitions\"><tr><th>key</th><th>operations</th><th>verdict</th>"
         "<th>steps</th></tr>";
  for (size_t i = 0; i < result.partitions.size() && i < kPartitionsListed; ++i) {
    const PartitionReport& partition = result.partitions[i];
    out << "<tr><td>" << html_escape(key_label(partition.key)) << "</td><td>" << partition.operations << "</td><td>"
        << verdict_name(partition.verdict) << "</td><td>" << partition.steps << "</td></tr>";
  }
  if (result.partitions.size() > kPartitionsListed) {
    out << "<tr><td colspan=\"4\">&hellip; and " << result.partitions.size() - kPartitionsListed << " more</td></tr>";
  }
  out << "</table></details>\n";
}

void write_controls(std::ostream& out, const Layout& layout, const Marks& marks) {
  out << "<div class=\"controls\"><label>Key: <select id=\"key-filter\"><option value=\"all\">all keys</option>";
  for (size_t k = 0; k < layout.keys.size(); ++k) {
    const bool failing = marks.failure && layout.keys[k] == marks.failing_key;
    out << "<option value=\"k" << k << "\">" << html_escape(key_label(layout.keys[k])) << (failing ? " (failing)" : "")
        << "</option>";
  }
  out << "</select></label>";
  if (marks.failure) {
    out << " <label><input type=\"checkbox\" id=\"dim-others\" checked> dim other keys</label>";
  }
  out << " <span class=\"legend\"><span class=\"chip ok\"></span>ok <span class=\"chip fail\"></span>fail "
         "<span class=\"chip info\"></span>info <span class=\"chip pending\"></span>pending (info and pending bars "
         "stay open to the end) <span class=\"chip blocking-chip\">\u2717</span>cannot be linearized; numbers: the "
         "longest linearizable prefix, in order; the thin top stripe: the key</span></div>\n";
}

constexpr const char* kStyle = R"(<style>
body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:18px;margin:0 0 8px}h2{font-size:16px;margin:12px 0 4px}
code{background:#f4f4f4;padding:0 3px;border-radius:3px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:bold}
.v-linearizable{background:#2e7d32}.v-not-linearizable{background:#c62828}.v-unknown{background:#757575}
.summary td{padding:0 12px 0 0}.partitions td,.partitions th{padding:0 10px;text-align:left}
.note{color:#555;font-style:italic}.controls{margin:10px 0}
.chip{display:inline-block;width:14px;height:10px;margin:0 3px 0 8px;border-radius:2px;vertical-align:middle}
.chip.ok,.ok .bar{fill:#81c784;background:#81c784}.chip.fail,.fail .bar{fill:#e57373;background:#e57373}
.chip.info,.info .bar{fill:#ffb74d;background:#ffb74d}.chip.pending,.pending .bar{fill:#cfcfcf;background:#cfcfcf}
.blocking-chip{color:#d50000;font-weight:bold}
.scroll{overflow:auto;border:1px solid #ddd;max-height:80vh}
svg text{font:11px monospace}.time{fill:#777}.process{fill:#444}
.lane{fill:#fff}.lane.even{fill:#f7f7f7}.tick{stroke:#e4e4e4}
.bar{stroke:#666;stroke-width:.5}.open .bar{stroke-dasharray:4 3;fill-opacity:.6}
.failing .bar{stroke:#222;stroke-width:1}.dim .other{opacity:.25}
.blocking .bar{stroke:#d50000;stroke-width:3}.cross{fill:#d50000;font-weight:bold}
.band{fill:#d50000;fill-opacity:.07}.order{fill:#0d47a1;font-size:9px}.label{fill:#111;pointer-events:none}
g.op:hover .bar{stroke:#000;stroke-width:2}
</style>
)";

// Filters by key index (never by the key's text, so no history string reaches the script).
constexpr const char* kScript = R"(<script>
(function () {
  var svg = document.getElementById('timeline');
  var select = document.getElementById('key-filter');
  select.addEventListener('change', function () {
    var ops = svg.querySelectorAll('g.op');
    for (var i = 0; i < ops.length; i++) {
      var shown = select.value === 'all' || ops[i].getAttribute('data-k') === select.value;
      ops[i].style.display = shown ? '' : 'none';
    }
  });
  var blocking = svg.querySelector('g.blocking');
  if (blocking && blocking.scrollIntoView) {
    blocking.scrollIntoView({block: 'nearest', inline: 'center'});
  }
  var dim = document.getElementById('dim-others');
  if (dim) {
    dim.addEventListener('change', function () { svg.classList.toggle('dim', dim.checked); });
  }
})();
</script>
)";

void write_summary(std::ostream& out, const History& history, const CheckResult& result,
                   const TimelineOptions& options) {
  std::string verdict_class = verdict_name(result.verdict);
  std::replace(verdict_class.begin(), verdict_class.end(), ' ', '-');
  out << "<h1>consim check: " << html_escape(options.title) << "</h1>\n<div class=\"verdict v-" << verdict_class
      << "\">" << verdict_name(result.verdict) << "</div>\n<table class=\"summary\"><tr><td>model</td><td>"
      << html_escape(options.model) << "</td><td>format</td><td>" << html_escape(history.format)
      << "</td><td>operations</td><td>" << history.operations.size() << "</td><td>partitions</td><td>"
      << result.partitions.size() << "</td><td>steps</td><td>" << result.steps << "</td></tr></table>\n";
  if (!result.reason.empty()) {
    out << "<p>Reason: " << html_escape(result.reason) << "</p>\n";
  }
}

}  // namespace

std::string timeline_html(const History& history, const CheckResult& result, const TimelineOptions& options) {
  CONSIM_ASSERT(options.max_operations > 0);
  const Marks marks = marks_of(history, result);
  const Selection selection = select_operations(history, marks, options.max_operations);
  const Layout layout = layout_of(history, selection);
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>consim check: "
      << html_escape(options.title) << "</title>\n"
      << kStyle << "</head><body>\n";
  write_summary(out, history, result, options);
  if (result.counterexample) {
    write_counterexample(out, history, *result.counterexample);
  }
  write_partitions(out, result);
  write_controls(out, layout, marks);
  out << "<p class=\"note\">One lane per process; x is the order of invocation and completion events (not to "
         "scale; hover a bar for its times and source line).</p>\n";
  if (!selection.note.empty()) {
    out << "<p class=\"note\">" << html_escape(selection.note) << "</p>\n";
  }
  write_timeline(out, history, selection, layout, marks);
  out << kScript << "</body></html>\n";
  return out.str();
}

}  // namespace consim::checkers::lin
