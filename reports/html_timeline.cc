#include "reports/html_timeline.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace consim::reports {
namespace {

constexpr double kWidthPx = 1120;
constexpr double kPlotLeftPx = 104;
constexpr double kPlotRightPx = 1108;
constexpr double kAxisPx = 24;
constexpr double kFaultLanePx = 12;
constexpr double kServerLanePx = 17;
constexpr double kCommitPx = 110;
constexpr double kOperationLanePx = 13;
constexpr double kGapPx = 14;
constexpr double kCharPx = 5.4;  // average glyph width of the 9px labels
constexpr size_t kPrefixMarked = 12;
constexpr size_t kValueChars = 40;
constexpr const char* kServerColors[] = {"#1c7ed6", "#e8590c", "#2b8a3e", "#ae3ec9", "#c92a2a",
                                         "#0c8599", "#5c940d", "#d6336c", "#364fc7", "#862e9c"};

std::string px(double value) {
  // As printf's "%.1f" (both round the exact binary value), without parsing a format each time.
  char buffer[352];  // the longest fixed-notation double, with a sign and one decimal
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, 1).ptr);
}

std::string shorten(const std::string& text, size_t limit) {
  if (text.size() <= limit) {
    return text;
  }
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return text.substr(0, cut) + "...";
}

std::string state_title(uint32_t server, const StateSpan& span) {
  std::string text = "n" + std::to_string(server) + ": " + span.role;
  if (span.role != "down") {
    if (!span.phase.empty()) {
      text += " (" + span.phase + "), epoch " + std::to_string(span.term);
    } else {
      text += ", term " + std::to_string(span.term);
    }
    if (!span.leader.empty()) {
      text += ", leader " + span.leader;
    }
  }
  return text + ", " + format_ms(span.from_ns) + " to " + format_ms(span.to_ns) + " ms";
}

std::string state_label(const StateSpan& span) {
  if (span.role == "down") {
    return "down";
  }
  const std::string role = span.role == "pre_candidate" ? "pre-candidate" : span.role;
  if (!span.phase.empty()) {
    return role + " " + span.phase + " e" + std::to_string(span.term);
  }
  return role + " t" + std::to_string(span.term);
}

// A round step giving about ten ticks over `span_ms` (the page's script picks the same).
double tick_step(double span_ms) {
  const double raw = span_ms / 10;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * power >= raw) {
      return step * power;
    }
  }
  return 10 * power;
}

class SvgWriter {
 public:
  SvgWriter(const RunTimeline& timeline, const std::vector<Counterexample>& counterexamples)
      : timeline_(timeline), counterexamples_(counterexamples), end_ms_(static_cast<double>(timeline.end_ns) / 1e6) {
    if (end_ms_ <= 0) {
      end_ms_ = 1;
    }
  }

  std::string write() {
    double y = kAxisPx;
    const double faults_y = y;
    y += fault_height();
    const double servers_y = y + kGapPx;
    y = servers_y + kServerLanePx * timeline_.servers;
    const double commits_y = y + kGapPx;
    y = commits_y + kCommitPx;
    const double operations_y = y + kGapPx + 6;
    const OperationLanes lanes = pack_operation_lanes(timeline_.operations);
    y = operations_y + kOperationLanePx * static_cast<double>(std::max<size_t>(lanes.labels.size(), 1)) + 6;
    height_ = y;

    out_ << "<svg id=\"timeline\" class=\"tl\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << px(kWidthPx)
         << "\" height=\"" << px(height_) << "\" viewBox=\"0 0 " << px(kWidthPx) << " " << px(height_)
         << "\" data-x0=\"" << px(kPlotLeftPx) << "\" data-x1=\"" << px(kPlotRightPx) << "\" data-from=\"0.000\" "
         << "data-to=\"" << format_ms(timeline_.end_ns) << "\">\n"
         << "<defs><clipPath id=\"plot\"><rect x=\"" << px(kPlotLeftPx) << "\" y=\"0\" width=\""
         << px(kPlotRightPx - kPlotLeftPx) << "\" height=\"" << px(height_) << "\"/></clipPath>"
         << "<pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff5f5\"/>"
            "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#ff8787\" stroke-width=\"3\"/></pattern></defs>\n";
    write_axis();
    out_ << "<g clip-path=\"url(#plot)\">\n";
    write_shades();
    write_faults(faults_y);
    write_states(servers_y);
    write_commits(commits_y);
    write_operations(operations_y, lanes);
    write_violation();
    out_ << "<rect id=\"selection\" x=\"0\" y=\"" << px(kAxisPx - 6) << "\" width=\"0\" height=\""
         << px(height_ - kAxisPx + 6) << "\"/>\n</g>\n";
    write_labels(faults_y, servers_y, commits_y, operations_y, lanes);
    out_ << "</svg>\n";
    return out_.str();
  }

 private:
  double x(int64_t t_ns) const {
    const double x = kPlotLeftPx + static_cast<double>(t_ns) / 1e6 / end_ms_ * (kPlotRightPx - kPlotLeftPx);
    return std::clamp(x, kPlotLeftPx - 10, kPlotRightPx + 10);
  }

  // A rect from `from_ns` to `to_ns`, its data-a/data-b in ms, at least `min_px` wide.
  void span_rect(const std::string& cls, int64_t from_ns, int64_t to_ns, double y, double h, double min_px,
                 const std::string& title, const std::string& extra = "") {
    out_ << "<rect class=\"" << cls << "\" x=\"" << px(x(from_ns)) << "\" y=\"" << px(y) << "\" width=\""
         << px(std::max(x(to_ns) - x(from_ns), min_px)) << "\" height=\"" << px(h) << "\" data-a=\""
         << format_ms(from_ns) << "\" data-b=\"" << format_ms(to_ns) << "\"";
    if (min_px > 0) {
      out_ << " data-min=\"" << px(min_px) << "\"";
    }
    out_ << extra << "><title>" << html_escape(title) << "</title></rect>\n";
  }

  void span_text(const std::string& text, int64_t from_ns, int64_t to_ns, double y) {
    const double need = kCharPx * static_cast<double>(text.size()) + 6;
    const double width = x(to_ns) - x(from_ns);
    out_ << "<text class=\"label\" text-anchor=\"middle\" x=\"" << px((x(from_ns) + x(to_ns)) / 2) << "\" y=\"" << px(y)
         << "\" data-a=\"" << format_ms(from_ns) << "\" data-b=\"" << format_ms(to_ns) << "\" data-w=\"" << px(need)
         << "\"" << (width > need ? "" : " style=\"display:none\"") << ">" << html_escape(text) << "</text>\n";
  }

  void write_axis() {
    out_ << "<g id=\"axis\">";
    const double step = tick_step(end_ms_);
    for (double t = 0; t <= end_ms_ + 1e-9; t += step) {
      const double x = kPlotLeftPx + t / end_ms_ * (kPlotRightPx - kPlotLeftPx);
      const std::string at = px(x);
      char label[32];
      if (step >= 1000) {
        std::snprintf(label, sizeof label, step >= 10000 ? "%.0f s" : "%.1f s", t / 1000);
      } else {
        std::snprintf(label, sizeof label, "%.0f ms", t);
      }
      out_ << "<g class=\"tick\"><line x1=\"" << at << "\" x2=\"" << at << "\" y1=\"18\" y2=\"" << px(height_)
           << "\"/><text x=\"" << at << "\" y=\"12\" text-anchor=\"" << (x > kPlotRightPx - 30 ? "end" : "middle")
           << "\">" << label << "</text></g>";
    }
    out_ << "</g>\n";
  }

  // Fault periods in lanes that never overlap; instants as lines over the whole fault band.
  std::vector<size_t> fault_lanes(size_t* lanes) const {
    std::vector<size_t> lane_of(timeline_.faults.size(), 0);
    std::vector<int64_t> busy_until;
    for (size_t i = 0; i < timeline_.faults.size(); ++i) {
      const FaultSpan& fault = timeline_.faults[i];
      if (!fault.period) {
        continue;
      }
      size_t lane = 0;
      while (lane < busy_until.size() && busy_until[lane] > fault.from_ns) {
        ++lane;
      }
      if (lane == busy_until.size()) {
        busy_until.push_back(0);
      }
      busy_until[lane] = std::max(fault.to_ns, fault.from_ns + 1);
      lane_of[i] = lane;
    }
    *lanes = std::max<size_t>(busy_until.size(), 1);
    return lane_of;
  }

  double fault_height() const {
    size_t lanes = 0;
    fault_lanes(&lanes);
    return kFaultLanePx * static_cast<double>(lanes) + 4;
  }

  void write_shades() {
    for (const FaultSpan& fault : timeline_.faults) {
      if (fault.period) {
        span_rect("shade " + fault.kind, fault.from_ns, fault.to_ns, kAxisPx, height_ - kAxisPx, 1, fault.label);
      }
    }
  }

  void write_faults(double top) {
    size_t lanes = 0;
    const std::vector<size_t> lane_of = fault_lanes(&lanes);
    for (size_t i = 0; i < timeline_.faults.size(); ++i) {
      const FaultSpan& fault = timeline_.faults[i];
      const std::string title = fault.label + (fault.period ? ", " + format_ms(fault.from_ns) + " to " : ", at ") +
                                format_ms(fault.period ? fault.to_ns : fault.from_ns) + " ms";
      if (fault.period) {
        const double y = top + kFaultLanePx * static_cast<double>(lane_of[i]);
        span_rect("fault " + fault.kind, fault.from_ns, fault.to_ns, y, kFaultLanePx - 2, 2, title);
        span_text(fault.label, fault.from_ns, fault.to_ns, y + 8.5);
      } else {
        const std::string at = px(x(fault.from_ns));
        out_ << "<line class=\"instant " << fault.kind << "\" x1=\"" << at << "\" x2=\"" << at << "\" y1=\"" << px(top)
             << "\" y2=\"" << px(top + kFaultLanePx * static_cast<double>(lanes)) << "\" data-a=\""
             << format_ms(fault.from_ns) << "\"><title>" << html_escape(title) << "</title></line>\n";
      }
    }
  }

  void write_states(double top) {
    for (uint32_t server = 1; server <= timeline_.servers; ++server) {
      const double y = top + kServerLanePx * (server - 1);
      for (const StateSpan& span : timeline_.states[server - 1]) {
        span_rect("st s-" + span.role, span.from_ns, span.to_ns, y, kServerLanePx - 3, 0, state_title(server, span));
        span_text(state_label(span), span.from_ns, span.to_ns, y + 10);
      }
    }
  }

  void write_commits(double top) {
    const double scale = timeline_.commit_max > 0 ? (kCommitPx - 8) / static_cast<double>(timeline_.commit_max) : 0;
    const auto y_of = [&](int64_t value) { return px(top + kCommitPx - 2 - scale * static_cast<double>(value)); };
    out_ << "<line x1=\"" << px(kPlotLeftPx) << "\" x2=\"" << px(kPlotRightPx) << "\" y1=\"" << y_of(0) << "\" y2=\""
         << y_of(0) << "\" stroke=\"#ced4da\"/>\n";
    for (uint32_t server = 1; server <= timeline_.servers; ++server) {
      const std::vector<CommitPoint>& points = timeline_.commits[server - 1];
      if (points.empty()) {
        continue;
      }
      std::string data;
      std::string drawn;
      std::string previous = y_of(0);
      const auto add = [&](int64_t t_ns, const std::string& y) {
        data += format_ms(t_ns) + "," + y + " ";
        drawn += px(x(t_ns)) + "," + y + " ";
      };
      for (const CommitPoint& point : points) {
        add(point.t_ns, previous);
        previous = y_of(point.value);
        add(point.t_ns, previous);
      }
      add(timeline_.end_ns, previous);
      data.pop_back();
      drawn.pop_back();
      const char* color = kServerColors[(server - 1) % (sizeof kServerColors / sizeof kServerColors[0])];
      out_ << "<polyline class=\"commit\" stroke=\"" << color << "\" points=\"" << drawn << "\" data-pts=\"" << data
           << "\"><title>n" << server << ": " << html_escape(points.back().label) << " at "
           << format_ms(points.back().t_ns) << " ms (last)</title></polyline>\n";
    }
  }

  void write_operations(double top, const OperationLanes& lanes) {
    const Counterexample* cx = counterexamples_.empty() ? nullptr : &counterexamples_.front();
    std::map<size_t, size_t> prefix_number;  // invocation line -> 1-based place in the prefix
    if (cx != nullptr) {
      const std::vector<size_t>& prefix = cx->prefix_lines;
      for (size_t i = prefix.size() > kPrefixMarked ? prefix.size() - kPrefixMarked : 0; i < prefix.size(); ++i) {
        prefix_number[prefix[i]] = i + 1;
      }
    }
    for (size_t i = 0; i < timeline_.operations.size(); ++i) {
      const OperationSpan& op = timeline_.operations[i];
      std::string cls = "op " + op.outcome;
      std::string title = operation_title(op);
      const auto number = prefix_number.find(op.invoke_line);
      if (cx != nullptr && op.key == cx->key) {
        cls += " cx-key";
      }
      if (cx != nullptr && op.invoke_line == cx->blocking_line) {
        cls += " cx-block";
        title += "; cannot be linearized after any prefix";
      } else if (number != prefix_number.end()) {
        cls += " cx-prefix";
        title += "; number " + std::to_string(number->second) + " of the longest linearizable prefix";
      }
      const double y = top + kOperationLanePx * static_cast<double>(lanes.lane_of[i]);
      span_rect(cls, op.invoke_ns, op.complete_ns, y, kOperationLanePx - 3, 1, title,
                " data-line=\"" + std::to_string(op.invoke_line) + "\"");
      if (number != prefix_number.end()) {
        span_text(std::to_string(number->second), op.invoke_ns, op.complete_ns, y + 8);
      }
    }
  }

  void write_violation() {
    if (!timeline_.violation) {
      return;
    }
    const std::string at = px(x(timeline_.violation->t_ns));
    out_ << "<line class=\"violation\" x1=\"" << at << "\" x2=\"" << at << "\" y1=\"18\" y2=\"" << px(height_)
         << "\" data-a=\"" << format_ms(timeline_.violation->t_ns) << "\"><title>invariant violated at "
         << format_ms(timeline_.violation->t_ns) << " ms: " << html_escape(timeline_.violation->text)
         << "</title></line>\n";
  }

  void lane_label(const std::string& cls, double y, const std::string& text) {
    out_ << "<text class=\"" << cls << "\" x=\"4\" y=\"" << px(y) << "\">" << html_escape(text) << "</text>\n";
  }

  void write_labels(double faults_y, double servers_y, double commits_y, double operations_y,
                    const OperationLanes& lanes) {
    out_ << "<rect x=\"0\" y=\"0\" width=\"" << px(kPlotLeftPx - 2) << "\" height=\"" << px(height_)
         << "\" fill=\"white\"/>\n";
    lane_label("section", faults_y + 9, timeline_.faults.empty() ? "no faults" : "faults");
    for (uint32_t server = 1; server <= timeline_.servers; ++server) {
      lane_label("lane", servers_y + kServerLanePx * (server - 1) + 11, "n" + std::to_string(server));
    }
    lane_label("section", commits_y + 12, timeline_.protocol == "zab" ? "committed" : "commit index");
    lane_label("lane", commits_y + 26,
               timeline_.protocol == "zab" ? "zxids (rank)" : "0 to " + std::to_string(timeline_.commit_max));
    lane_label("section", operations_y - 4, "clients");
    for (size_t lane = 0; lane < lanes.labels.size(); ++lane) {
      lane_label("lane", operations_y + kOperationLanePx * static_cast<double>(lane) + 9, lanes.labels[lane]);
    }
  }

  const RunTimeline& timeline_;
  const std::vector<Counterexample>& counterexamples_;
  double end_ms_;
  double height_ = 0;
  std::ostringstream out_;
};

}  // namespace

OperationLanes pack_operation_lanes(const std::vector<OperationSpan>& operations) {
  // Each process's first invocation and last completion, in order of first invocation.
  std::map<int64_t, std::pair<int64_t, int64_t>> extent;
  std::vector<int64_t> order;
  for (const OperationSpan& op : operations) {
    auto [it, inserted] = extent.try_emplace(op.process, op.invoke_ns, op.complete_ns);
    if (inserted) {
      order.push_back(op.process);
    }
    it->second.second = std::max(it->second.second, op.complete_ns);
  }
  OperationLanes lanes;
  std::vector<int64_t> busy_until;
  std::vector<std::vector<int64_t>> members;
  std::map<int64_t, size_t> lane_of_process;
  for (const int64_t process : order) {
    const auto& [first_ns, last_ns] = extent[process];
    size_t lane = 0;
    while (lane < busy_until.size() && busy_until[lane] >= first_ns) {
      ++lane;
    }
    if (lane == busy_until.size()) {
      busy_until.push_back(0);
      members.emplace_back();
    }
    busy_until[lane] = last_ns;
    members[lane].push_back(process);
    lane_of_process[process] = lane;
  }
  for (const std::vector<int64_t>& processes : members) {
    std::string label = "p" + std::to_string(processes.front());
    if (processes.size() > 1) {
      label += " +" + std::to_string(processes.size() - 1);
    }
    lanes.labels.push_back(label);
  }
  for (const OperationSpan& op : operations) {
    lanes.lane_of.push_back(lane_of_process[op.process]);
  }
  return lanes;
}

std::string operation_title(const OperationSpan& op) {
  std::string text = "p" + std::to_string(op.process) + " " + op.f + (op.key.empty() ? "" : " " + op.key) +
                     (op.value_json == "null" ? "" : " " + shorten(op.value_json, kValueChars)) + " -> " + op.outcome;
  if (op.outcome == "ok" && op.result_json != "null" && op.result_json != op.value_json) {
    text += " " + shorten(op.result_json, kValueChars);
  }
  if (!op.error.empty()) {
    text += " (" + op.error + ")";
  }
  if (!op.node.empty()) {
    text += " at " + op.node;
  }
  text += ", " + format_ms(op.invoke_ns) + " to " + format_ms(op.complete_ns) + " ms";
  if (op.outcome == "pending") {
    text += " (never completed)";
  } else if (op.outcome == "info") {
    text += " (outcome unknown: it may take effect at any later time)";
  }
  return text + ", history line " + std::to_string(op.invoke_line);
}

std::string timeline_svg(const RunTimeline& timeline, const std::vector<Counterexample>& counterexamples) {
  return SvgWriter(timeline, counterexamples).write();
}

}  // namespace consim::reports
