#include "reports/html_report.h"

#include <algorithm>
#include <sstream>

#include "reports/html_assets.h"
#include "reports/html_timeline.h"

namespace consim::reports {
namespace {

constexpr size_t kPrefixListed = 12;
constexpr size_t kFaultButtons = 24;
constexpr int64_t kZoomMarginNs = 20'000'000;

std::string badge(const std::string& status) {
  const std::string cls = status == "pass" || status == "fail" || status == "unknown" ? status : "skipped";
  return "<span class=\"badge " + cls + "\">" + html_escape(status) + "</span>";
}

// "from-to" in ms for a zoom button: the span with a margin on each side.
std::string zoom_range(int64_t from_ns, int64_t to_ns) {
  const int64_t margin = std::max(kZoomMarginNs, (to_ns - from_ns) / 10);
  return format_ms(std::max<int64_t>(0, from_ns - margin)) + "-" + format_ms(to_ns + margin);
}

const OperationSpan* operation_at_line(const RunTimeline& timeline, size_t line) {
  for (const OperationSpan& op : timeline.operations) {
    if (op.invoke_line == line) {
      return &op;
    }
  }
  return nullptr;
}

void write_header(const RunFiles& files, std::ostream& out) {
  const RunSummary& s = files.summary;
  out << "<h1>" << html_escape(s.scenario.empty() ? files.dir : s.scenario) << " " << badge(s.verdict) << "</h1>\n";
  if (!s.description.empty()) {
    out << "<p class=\"description\">" << html_escape(s.description) << "</p>\n";
  }
  out << "<div class=\"meta\"><span>protocol <b>" << html_escape(s.protocol) << "</b></span><span>service <b>"
      << html_escape(s.service) << "</b></span><span><b>" << s.nodes << "</b> servers</span><span>seed <b>" << s.seed
      << "</b></span>";
  if (!s.read_mode.empty()) {
    out << "<span>reads <b>" << html_escape(s.read_mode) << "</b></span>";
  }
  if (!s.bugs.empty()) {
    std::string bugs;
    for (const std::string& bug : s.bugs) {
      bugs += (bugs.empty() ? "" : ", ") + bug;
    }
    out << "<span>bug switches <b>" << html_escape(bugs) << "</b></span>";
  }
  out << "<span>trace digest <span class=\"mono\">" << html_escape(s.trace_digest) << "</span></span>";
  if (!s.file.empty()) {
    out << "<span>scenario file <span class=\"mono\">" << html_escape(s.file) << "</span></span>";
  }
  out << "</div>\n";
  if (!s.expect_verdict.empty()) {
    out << "<p>Expected verdict: <b>" << html_escape(s.expect_verdict) << "</b> &mdash; "
        << (s.expect_held ? "the expectation held."
                          : "<b>the expectation did not hold</b>: " + html_escape(s.expect_detail))
        << "</p>\n";
  }
}

void write_checks(const RunSummary& summary, std::ostream& out) {
  out << "<h2>Checks</h2>\n<table id=\"checks\"><tr><th>check</th><th>status</th><th>detail</th></tr>\n";
  for (const CheckSummary& check : summary.checks) {
    out << "<tr class=\"check-" << html_escape(check.name) << "\"><td>" << html_escape(check.name) << "</td><td>"
        << badge(check.status) << "</td><td>" << html_escape(check.detail) << "</td></tr>\n";
  }
  out << "</table>\n";
}

void write_counterexample(const RunTimeline& timeline, const Counterexample& cx, std::ostream& out) {
  out << "<div class=\"cx\" id=\"counterexample-" << html_escape(cx.check) << "\">\n<p><b>" << html_escape(cx.check)
      << "</b> failed" << (cx.key.empty() ? "" : " on key <code>" + html_escape(cx.key) + "</code>") << ". ";
  const OperationSpan* blocking = operation_at_line(timeline, cx.blocking_line);
  if (blocking != nullptr) {
    out << "This operation cannot be placed after any linearizable order of the ones before it:</p>\n<p><code>"
        << html_escape(operation_title(*blocking)) << "</code></p>\n";
  } else {
    out << "The operation invoked at history line " << cx.blocking_line << " cannot be placed.</p>\n";
  }
  if (!cx.prefix_lines.empty()) {
    const size_t first = cx.prefix_lines.size() > kPrefixListed ? cx.prefix_lines.size() - kPrefixListed : 0;
    out << "<p>The longest linearizable prefix has " << cx.prefix_lines.size() << " operations"
        << (first > 0 ? "; its last " + std::to_string(kPrefixListed) + " (numbered on the timeline):" : ":")
        << "</p>\n<ol start=\"" << first + 1 << "\">\n";
    for (size_t i = first; i < cx.prefix_lines.size(); ++i) {
      const OperationSpan* op = operation_at_line(timeline, cx.prefix_lines[i]);
      out << "<li>"
          << html_escape(op != nullptr ? operation_title(*op) : "history line " + std::to_string(cx.prefix_lines[i]))
          << "</li>\n";
    }
    out << "</ol>\n";
  }
  if (!cx.state.empty()) {
    out << "<p>The model's state after the prefix: <code>" << html_escape(cx.state) << "</code></p>\n";
  }
  out << "<p class=\"controls\">";
  if (blocking != nullptr) {
    // The blocking operation with the end of the prefix listed above.
    int64_t from_ns = blocking->invoke_ns;
    for (size_t i = cx.prefix_lines.size() > kPrefixListed ? cx.prefix_lines.size() - kPrefixListed : 0;
         i < cx.prefix_lines.size(); ++i) {
      if (const OperationSpan* op = operation_at_line(timeline, cx.prefix_lines[i])) {
        from_ns = std::min(from_ns, op->invoke_ns);
      }
    }
    out << "<button data-zoom=\"" << zoom_range(from_ns, blocking->complete_ns) << "\">zoom to the operation</button>";
  }
  out << "<button id=\"cx-focus\">dim the other keys</button>";
  if (!cx.page.empty()) {
    out << " <a href=\"" << html_escape(cx.page) << "\">the checker's timeline of the whole history</a>";
  }
  out << "</p>\n</div>\n";
}

void write_timeline(const RunTimeline& timeline, const std::vector<Counterexample>& counterexamples,
                    std::ostream& out) {
  out << "<h2>Timeline</h2>\n<div class=\"legend\">"
      << "<span><i class=\"s\" style=\"background:#ffd43b\"></i>leader / leading</span>"
      << "<span><i style=\"background:#74c0fc\"></i>candidate</span>"
      << "<span><i style=\"background:#a5d8ff\"></i>looking</span>"
      << "<span><i style=\"background:#dee2e6\"></i>follower / following</span>"
      << "<span><i style=\"background:#fff5f5;border-color:#ff8787\"></i>down</span>"
      << "<span><i style=\"background:#69db7c\"></i>ok</span><span><i style=\"background:#ff8787\"></i>fail</span>"
      << "<span><i style=\"background:#ffc078\"></i>info (unknown)</span>"
      << "<span><i style=\"background:#ced4da\"></i>pending</span>"
      << "<span><i style=\"background:#e5dbff\"></i>partition</span>"
      << "<span><i style=\"background:#ffe3e3\"></i>crash</span>"
      << "<span><i style=\"background:#fff3bf\"></i>pause</span></div>\n";
  out << "<div class=\"controls\"><button data-zoom=\"all\">whole run</button>";
  size_t buttons = 0;
  for (const FaultSpan& fault : timeline.faults) {
    if (fault.period && buttons++ < kFaultButtons) {
      out << "<button data-zoom=\"" << zoom_range(fault.from_ns, fault.to_ns) << "\">" << html_escape(fault.label)
          << "</button>";
    }
  }
  if (timeline.violation) {
    out << "<button data-zoom=\"" << zoom_range(timeline.violation->t_ns - 200'000'000, timeline.violation->t_ns)
        << "\">the invariant violation</button>";
  }
  out << "<br>showing <span id=\"view-range\">0.000\u2013" << format_ms(timeline.end_ns)
      << " ms</span>, <span id=\"view-ops\">" << timeline.operations.size()
      << "</span> operations in view; drag across the timeline to zoom in, double-click to zoom out.</div>\n";
  out << "<div class=\"scroll\">\n" << timeline_svg(timeline, counterexamples) << "</div>\n";
  out << "<div id=\"details\">Click a bar for its details.</div>\n";
}

void write_links(const HtmlReportOptions& options, std::ostream& out) {
  out << "<h2>Message sequence diagrams</h2>\n";
  if (options.diagrams.empty()) {
    out << "<p class=\"note\">No diagram was rendered.</p>\n";
  } else {
    out << "<ul class=\"links\" id=\"diagrams\">\n";
    for (const Link& link : options.diagrams) {
      out << "<li><a href=\"" << html_escape(link.href) << "\">" << html_escape(link.text) << "</a></li>\n";
    }
    out << "</ul>\n";
  }
  out << "<h2>Plots</h2>\n";
  if (options.plots.empty()) {
    out << "<p class=\"note\">No latency or throughput plot in this directory.</p>\n";
  } else {
    out << "<div id=\"plots\">\n";
    for (const Link& link : options.plots) {
      out << "<a href=\"" << html_escape(link.href) << "\"><img class=\"plot\" src=\"" << html_escape(link.href)
          << "\" alt=\"" << html_escape(link.text) << "\"></a>\n";
    }
    out << "</div>\n";
  }
}

void write_metrics(const RunSummary& summary, std::ostream& out) {
  out << "<h2>Metrics</h2>\n<div id=\"metrics\" class=\"metrics\">\n";
  for (const MetricSummary& metric : summary.metrics) {
    out << "<div><span>" << html_escape(metric.name) << "</span><b>" << html_escape(metric.value) << "</b></div>\n";
  }
  out << "</div>\n";
}

}  // namespace

std::optional<Counterexample> counterexample_from_summary(const RunSummary& summary, const std::string& check) {
  for (const CheckSummary& c : summary.checks) {
    if (c.name != check || c.status != "fail") {
      continue;
    }
    // "1224 operations, not linearizable: key k1, line 3364 cannot be placed after ... (state 467)"
    const size_t key_at = c.detail.find(": key ");
    const size_t line_at = c.detail.find(", line ", key_at == std::string::npos ? 0 : key_at);
    if (key_at == std::string::npos || line_at == std::string::npos) {
      return std::nullopt;
    }
    Counterexample cx;
    cx.check = check;
    cx.key = c.detail.substr(key_at + 6, line_at - key_at - 6);
    for (size_t i = line_at + 7; i < c.detail.size() && c.detail[i] >= '0' && c.detail[i] <= '9'; ++i) {
      cx.blocking_line = cx.blocking_line * 10 + static_cast<size_t>(c.detail[i] - '0');
    }
    const size_t state_at = c.detail.rfind("(state ");
    if (state_at != std::string::npos && c.detail.ends_with(")")) {
      cx.state = c.detail.substr(state_at + 7, c.detail.size() - state_at - 8);
    }
    return cx.blocking_line > 0 ? std::optional<Counterexample>(cx) : std::nullopt;
  }
  return std::nullopt;
}

std::string report_html(const RunFiles& files, const RunTimeline& timeline, const HtmlReportOptions& options) {
  std::ostringstream out;
  const RunSummary& s = files.summary;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>consim: "
      << html_escape(s.scenario.empty() ? files.dir : s.scenario) << " (" << html_escape(s.verdict)
      << ")</title>\n<style>" << kReportCss << "</style>\n<script>" << kReportErrorScript
      << "</script>\n</head>\n<body>\n";
  write_header(files, out);
  write_checks(s, out);
  if (!options.counterexamples.empty()) {
    out << "<h2>Counterexample</h2>\n";
    for (const Counterexample& cx : options.counterexamples) {
      write_counterexample(timeline, cx, out);
    }
  }
  write_timeline(timeline, options.counterexamples, out);
  write_links(options, out);
  write_metrics(s, out);
  out << "<h2>Files</h2>\n<ul class=\"links\"><li><a href=\"summary.json\">summary.json</a></li>"
      << "<li><a href=\"trace.jsonl\">trace.jsonl</a></li><li><a href=\"history.jsonl\">history.jsonl</a></li></ul>\n";
  if (!options.notes.empty()) {
    out << "<h2>Notes</h2>\n<ul id=\"notes\">\n";
    for (const std::string& note : options.notes) {
      out << "<li class=\"note\">" << html_escape(note) << "</li>\n";
    }
    out << "</ul>\n";
  }
  out << "<p class=\"note\">Rendered by consim " << html_escape(s.consim_version)
      << " from summary.json, trace.jsonl and history.jsonl; <code>consim report DIR</code> renders it again.</p>\n"
      << "<script>" << kReportScript << "</script>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace consim::reports
