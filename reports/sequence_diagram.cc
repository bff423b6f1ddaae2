#include "reports/sequence_diagram.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace consim::reports {
namespace {

constexpr double kTimeColumnX = 40;  // the row times
constexpr double kFirstLifelineX = 130;
constexpr double kLifelineGap = 160;  // points between lifelines
constexpr double kHeaderY = 0;
constexpr double kFirstRowY = -46;
constexpr double kRowGap = 17;
constexpr double kLongGapExtra = 14;  // more room after a quiet stretch
constexpr int64_t kLongGapNs = 5'000'000;
constexpr double kTailRoom = 30;   // below the last row: where messages in flight end
constexpr size_t kNoteChars = 90;  // notes longer than this are shortened

// A message between two servers sent in the window, with what became of it.
struct Message {
  uint32_t from = 0;
  uint32_t to = 0;
  std::string type;
  int64_t sent_ns = 0;
  std::vector<int64_t> delivered_ns;
  std::optional<int64_t> dropped_ns;
  std::string drop_reason;
};

struct Marker {
  std::string label;
  std::string fill;
};

struct Note {
  int64_t t_ns = 0;
  std::string label;
  std::string color;
};

double x_of(uint32_t server) { return kFirstLifelineX + kLifelineGap * (server - 1); }

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", std::round(value * 10) / 10);
  return buffer;
}

std::string pos(double x, double y) { return "pos=\"" + number(x) + "," + number(y) + "!\""; }

// The length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one.
size_t utf8_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(i);
  const size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || i + length > text.size()) {
    return 0;
  }
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      return 0;
    }
  }
  return length;
}

// A DOT string; a line break becomes \n (centred) or, with `left`, \l (left-justified). Text from
// the files may hold anything: control characters and bytes that are not UTF-8 become '?', so
// that dot never has a word to say about its input.
std::string quote(std::string_view text, bool left = false) {
  std::string quoted = "\"";
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    const size_t length = utf8_length(text, i);
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (c == '\n') {
      quoted += left ? "\\l" : "\\n";
    } else if (length == 0 || (length == 1 && static_cast<unsigned char>(c) < 0x20)) {
      quoted += '?';
    } else {
      quoted.append(text.substr(i, length));
      i += length;
      continue;
    }
    ++i;
  }
  return quoted + "\"";
}

std::string shorten(std::string text, size_t limit) {
  if (text.size() > limit) {
    size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
      --cut;  // never split a UTF-8 sequence
    }
    text = text.substr(0, cut) + "...";
  }
  return text;
}

// A colour per message family (a request and its response share one), from a fixed palette.
std::string message_color(std::string_view type) {
  static constexpr const char* kPalette[] = {"#1c7ed6", "#2b8a3e", "#862e9c", "#d9480f", "#0b7285",
                                             "#5c940d", "#a61e4d", "#364fc7", "#b35c00", "#495057"};
  if (type.ends_with("Response")) {
    type.remove_suffix(8);
  }
  uint32_t hash = 2166136261u;
  for (const char c : type) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  }
  return kPalette[hash % (sizeof kPalette / sizeof kPalette[0])];
}

size_t first_index_at(const std::vector<TraceRecord>& trace, int64_t t_ns) {
  return static_cast<size_t>(std::lower_bound(trace.begin(), trace.end(), t_ns,
                                              [](const TraceRecord& record, int64_t t) { return record.t_ns < t; }) -
                             trace.begin());
}

bool is_server(uint32_t number, uint32_t servers) { return number >= 1 && number <= servers; }

// The trace indexes of server-to-server sends in [from_ns, to_ns].
std::vector<size_t> sends_in(const RunFiles& files, int64_t from_ns, int64_t to_ns) {
  std::vector<size_t> sends;
  const uint32_t servers = files.summary.nodes;
  for (size_t i = first_index_at(files.trace, from_ns); i < files.trace.size(); ++i) {
    const TraceRecord& record = files.trace[i];
    if (record.t_ns > to_ns) {
      break;
    }
    if (record.kind == "net.send" && is_server(node_number(record.node), servers) &&
        is_server(node_number(record.text("to")), servers)) {
      sends.push_back(i);
    }
  }
  return sends;
}

// True when a chosen window ends at the violation (and is shortened from its start).
bool ends_at_violation(const RunTimeline& timeline, const DiagramOptions& options) {
  return !options.from_ns && !options.to_ns && options.end_at_violation && timeline.violation.has_value();
}

std::string default_anchor(const RunTimeline& timeline, int64_t* anchor_ns) {
  for (const FaultSpan& fault : timeline.faults) {
    if (fault.kind == "partition" || fault.kind == "cut" || fault.kind == "crash" || fault.kind == "pause") {
      *anchor_ns = fault.from_ns;
      return "the first fault: " + fault.label + " at " + format_ms(fault.from_ns) + " ms";
    }
  }
  if (!timeline.leader_changes.empty()) {
    const LeaderChange& change = timeline.leader_changes.front();
    *anchor_ns = change.t_ns;
    return "the first leader election: n" + std::to_string(change.server) + " at " + format_ms(change.t_ns) + " ms";
  }
  *anchor_ns = 0;
  return "the start of the run";
}

std::vector<Message> collect_messages(const RunFiles& files, const DiagramWindow& window, size_t max_messages,
                                      bool keep_last, int64_t limit_ns) {
  std::vector<size_t> sends = sends_in(files, window.from_ns, window.to_ns);
  if (sends.size() > max_messages) {
    sends.erase(keep_last ? sends.begin() : sends.begin() + static_cast<std::ptrdiff_t>(max_messages),
                keep_last ? sends.end() - static_cast<std::ptrdiff_t>(max_messages) : sends.end());
  }
  std::vector<Message> messages;
  std::map<int64_t, size_t> by_id;
  for (const size_t index : sends) {
    const TraceRecord& record = files.trace[index];
    by_id[record.integer("id").value_or(-1)] = messages.size();
    messages.push_back({node_number(record.node),
                        node_number(record.text("to")),
                        record.text("msg"),
                        record.t_ns,
                        {},
                        std::nullopt,
                        ""});
  }
  if (sends.empty()) {
    return messages;
  }
  for (size_t i = sends.front(); i < files.trace.size() && files.trace[i].t_ns <= limit_ns; ++i) {
    const TraceRecord& record = files.trace[i];
    if (record.kind != "net.deliver" && record.kind != "net.drop") {
      continue;
    }
    const auto it = by_id.find(record.integer("id").value_or(-1));
    if (it == by_id.end()) {
      continue;
    }
    Message& message = messages[it->second];
    if (record.kind == "net.deliver") {
      message.delivered_ns.push_back(record.t_ns);
    } else if (!message.dropped_ns) {
      message.dropped_ns = record.t_ns;
      message.drop_reason = record.text("reason");
    }
  }
  return messages;
}

std::string role_label(const StateSpan& state) {
  if (state.role == "down") {
    return "down";
  }
  if (!state.phase.empty()) {  // ZAB
    return state.role + " e" + std::to_string(state.term) + "\n" + state.phase;
  }
  const std::string role = state.role == "pre_candidate" ? "pre-candidate" : state.role;
  return role + " t" + std::to_string(state.term);
}

std::string role_fill(const std::string& role) {
  if (role == "leader" || role == "leading") {
    return "#ffd43b";
  }
  if (role == "candidate" || role == "pre_candidate" || role == "looking") {
    return "#a5d8ff";
  }
  if (role == "down") {
    return "#ffa8a8";
  }
  return "#f1f3f5";
}

std::string drop_reason(const std::string& reason) {
  if (reason == "partition_in_flight") {
    return "partition in flight";
  }
  if (reason == "host_down") {
    return "host down";
  }
  if (reason == "connection_closed") {
    return "connection closed";
  }
  return reason.empty() ? "dropped" : reason;
}

std::string fault_color(const std::string& kind) {
  if (kind == "partition") {
    return "#7048e8";
  }
  if (kind == "cut") {
    return "#e8590c";
  }
  if (kind == "heal") {
    return "#2b8a3e";
  }
  return "#868e96";
}

// Writes the diagram: rows are the distinct times of everything drawn.
class DotWriter {
 public:
  DotWriter(const RunFiles& files, const RunTimeline& timeline, const DiagramWindow& window, int64_t bottom_ns)
      : files_(files), timeline_(timeline), window_(window), bottom_ns_(bottom_ns), servers_(files.summary.nodes) {}

  void add_time(int64_t t_ns) { times_.push_back(t_ns); }

  void add_marker(uint32_t server, int64_t t_ns, const std::string& label, const std::string& fill) {
    Marker& marker = markers_[{server, t_ns}];
    marker.label += (marker.label.empty() ? "" : "\n") + label;
    if (marker.fill.empty() || marker.fill == "#f1f3f5") {
      marker.fill = fill;
    }
    add_time(t_ns);
  }

  void add_note(int64_t t_ns, const std::string& label, const std::string& color) {
    notes_.push_back({t_ns, shorten(label, kNoteChars), color});
    add_time(t_ns);
  }

  std::string write(const std::vector<Message>& messages, SequenceDiagram* diagram) {
    layout_rows();
    out_ << "digraph sequence {\n"
         << "  graph [layout=neato, inputscale=72, splines=false, overlap=true, outputorder=edgesfirst, "
            "fontname=\"Helvetica\", fontsize=12, labelloc=t, labeljust=l, bgcolor=white, label="
         << quote(title(messages.size()), true) << "];\n"
         << "  node [shape=point, width=0.02, height=0.02, label=\"\", fontname=\"Helvetica\", fontsize=8];\n"
         << "  edge [arrowsize=0.5, fontname=\"Helvetica\", fontsize=8, penwidth=1];\n";
    write_header();
    write_lifelines();
    write_times();
    for (size_t i = 0; i < messages.size(); ++i) {
      write_message(messages[i], i, diagram);
    }
    write_markers();
    write_notes();
    out_ << "  legend [shape=plaintext, fontsize=8, fontcolor=\"#495057\", "
         << pos(kFirstLifelineX + 170, bottom_y_ - 22)
         << ", label=\"arrows: delivered messages; red dashed to a bar: dropped; dotted: still in flight. "
            "Rows are event times (ms), not to scale; client traffic is not shown.\"];\n";
    out_ << "}\n";
    return out_.str();
  }

 private:
  void layout_rows() {
    std::sort(times_.begin(), times_.end());
    times_.erase(std::unique(times_.begin(), times_.end()), times_.end());
    double y = kFirstRowY;
    for (size_t i = 0; i < times_.size(); ++i) {
      if (i > 0) {
        y -= kRowGap + (times_[i] - times_[i - 1] > kLongGapNs ? kLongGapExtra : 0);
      }
      row_y_.push_back(y);
    }
    bottom_y_ = (row_y_.empty() ? kFirstRowY : row_y_.back()) - kTailRoom;
  }

  size_t row_of(int64_t t_ns) const {
    return static_cast<size_t>(std::lower_bound(times_.begin(), times_.end(), t_ns) - times_.begin());
  }

  // Where a time falls: its row, the top above the first row, the bottom past the last.
  double y_of(int64_t t_ns) const {
    if (times_.empty() || t_ns < times_.front()) {
      return kHeaderY - 14;
    }
    const size_t row = row_of(t_ns);
    return row < times_.size() ? row_y_[row] : bottom_y_;
  }

  std::string point(uint32_t server, int64_t t_ns) {
    const size_t row = row_of(t_ns);
    const std::string name = "p" + std::to_string(server) + "r" + std::to_string(row);
    if (declared_.insert(name).second) {
      out_ << "  " << name << " [" << pos(x_of(server), y_of(t_ns)) << "];\n";
    }
    return name;
  }

  std::string title(size_t drawn) const {
    const RunSummary& s = files_.summary;
    std::string text = (s.scenario.empty() ? files_.dir : s.scenario) + " (" + s.protocol + ", seed " +
                       std::to_string(s.seed) + "): messages between servers sent " + format_ms(window_.from_ns) +
                       " to " + format_ms(window_.to_ns) + " ms\nwindow: " + window_.reason + "\n";
    if (window_.capped) {
      text += std::to_string(drawn) + " of the " + std::to_string(window_.messages) +
              " messages in the window drawn: the window was shortened to keep the diagram readable\n";
    }
    return text;
  }

  void write_header() {
    for (uint32_t server = 1; server <= servers_; ++server) {
      const StateSpan* state = state_at(server, window_.from_ns);
      const std::string label = "n" + std::to_string(server) + (state ? "\n" + role_label(*state) : "");
      out_ << "  h" << server << " [shape=box, style=\"rounded,filled\", fontsize=10, width=0.9, fillcolor="
           << quote(state ? role_fill(state->role) : "#f1f3f5") << ", label=" << quote(label) << ", "
           << pos(x_of(server), kHeaderY) << "];\n";
    }
  }

  const StateSpan* state_at(uint32_t server, int64_t t_ns) const {
    for (const StateSpan& span : timeline_.states[server - 1]) {
      if (span.from_ns <= t_ns && t_ns < span.to_ns) {
        return &span;
      }
    }
    return nullptr;
  }

  // Each lifeline in stretches: solid while up, dashed red while crashed, dotted while paused.
  void write_lifelines() {
    for (uint32_t server = 1; server <= servers_; ++server) {
      std::vector<std::pair<double, std::string>> cuts;  // y where a stretch starts, its style
      cuts.push_back({kHeaderY - 14, "up"});
      for (const FaultSpan& fault : timeline_.faults) {
        if ((fault.kind != "crash" && fault.kind != "pause") || fault.servers.empty() || fault.servers[0] != server ||
            fault.to_ns < window_.from_ns || fault.from_ns > bottom_ns_) {
          continue;
        }
        cuts.push_back({y_of(fault.from_ns), fault.kind});
        cuts.push_back({fault.to_ns > bottom_ns_ ? bottom_y_ : y_of(fault.to_ns), "up"});
      }
      cuts.push_back({bottom_y_, "end"});
      std::stable_sort(cuts.begin(), cuts.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
      for (size_t i = 0; i < cuts.size(); ++i) {
        out_ << "  l" << server << "_" << i << " [" << pos(x_of(server), cuts[i].first) << "];\n";
      }
      for (size_t i = 0; i + 1 < cuts.size(); ++i) {
        if (cuts[i + 1].first >= cuts[i].first) {
          continue;
        }
        const std::string& style = cuts[i].second;
        out_ << "  l" << server << "_" << i << " -> l" << server << "_" << i + 1 << " [arrowhead=none, "
             << (style == "crash"   ? "style=dashed, color=\"#e03131\", penwidth=1.5"
                 : style == "pause" ? "style=dotted, color=\"#f59f00\", penwidth=2"
                                    : "color=\"#adb5bd\"")
             << "];\n";
      }
    }
  }

  void write_times() {
    out_ << "  time [shape=plaintext, fontsize=8, fontcolor=\"#868e96\", label=\"time (ms)\", "
         << pos(kTimeColumnX, kHeaderY) << "];\n";
    for (size_t row = 0; row < times_.size(); ++row) {
      out_ << "  t" << row << " [shape=plaintext, fontsize=7, fontcolor=\"#868e96\", label=\"" << format_ms(times_[row])
           << "\", " << pos(kTimeColumnX, row_y_[row]) << "];\n";
    }
  }

  void write_message(const Message& m, size_t index, SequenceDiagram* diagram) {
    const std::string color = message_color(m.type);
    const std::string tail = point(m.from, m.sent_ns);
    const std::string route = "n" + std::to_string(m.from) + " to n" + std::to_string(m.to) + ": " + m.type +
                              ", sent " + format_ms(m.sent_ns) + " ms";
    for (const int64_t delivered : m.delivered_ns) {
      const std::string head = point(m.to, delivered);  // declared before the edge that uses it
      out_ << "  " << tail << " -> " << head << " [color=" << quote(color) << ", fontcolor=" << quote(color)
           << ", label=" << quote(m.type)
           << ", tooltip=" << quote(route + ", delivered " + format_ms(delivered) + " ms") << "];\n";
      ++diagram->delivered;
    }
    if (m.dropped_ns) {
      const double x = x_of(m.from) + 0.6 * (x_of(m.to) - x_of(m.from));
      const double y = y_of(*m.dropped_ns) - (*m.dropped_ns == m.sent_ns ? 9 : 0);
      out_ << "  x" << index << " [" << pos(x, y) << "];\n";
      out_ << "  " << tail << " -> x" << index << " [style=dashed, color=\"#e03131\", fontcolor=\"#e03131\", "
           << "arrowhead=tee, label=" << quote(m.type + " lost: " + drop_reason(m.drop_reason)) << ", tooltip="
           << quote(route + ", dropped (" + drop_reason(m.drop_reason) + ") " + format_ms(*m.dropped_ns) + " ms")
           << "];\n";
      ++diagram->dropped;
    } else if (m.delivered_ns.empty()) {
      out_ << "  f" << index << " [" << pos(x_of(m.to), bottom_y_) << "];\n";
      out_ << "  " << tail << " -> f" << index << " [style=dotted, color=" << quote(color)
           << ", fontcolor=" << quote(color) << ", label=" << quote(m.type)
           << ", tooltip=" << quote(route + ", still in flight when the diagram ends") << "];\n";
      ++diagram->in_flight;
    }
  }

  void write_markers() {
    size_t index = 0;
    for (const auto& [where, marker] : markers_) {
      out_ << "  m" << index++ << " [shape=box, style=\"rounded,filled\", height=0.2, width=0.3, margin=\"0.04,0.01\", "
           << "fillcolor=" << quote(marker.fill) << ", label=" << quote(marker.label) << ", "
           << pos(x_of(where.first), y_of(where.second)) << "];\n";
    }
  }

  void write_notes() {
    const double left = kFirstLifelineX - 40;
    const double right = x_of(servers_) + 40;
    for (size_t i = 0; i < notes_.size(); ++i) {
      const Note& note = notes_[i];
      const double y = y_of(note.t_ns);
      out_ << "  na" << i << " [" << pos(left, y) << "];\n"
           << "  nb" << i << " [" << pos(right, y) << "];\n"
           << "  na" << i << " -> nb" << i << " [arrowhead=none, style=dashed, color=" << quote(note.color) << "];\n";
      const double width = 4.6 * static_cast<double>(note.label.size());
      out_ << "  nt" << i << " [shape=plaintext, fontsize=8, fontcolor=" << quote(note.color)
           << ", label=" << quote(note.label) << ", " << pos(right + 8 + width / 2, y) << "];\n";
    }
  }

  const RunFiles& files_;
  const RunTimeline& timeline_;
  const DiagramWindow& window_;
  int64_t bottom_ns_;
  uint32_t servers_;
  std::vector<int64_t> times_;
  std::vector<double> row_y_;
  double bottom_y_ = kFirstRowY;
  std::map<std::pair<uint32_t, int64_t>, Marker> markers_;
  std::vector<Note> notes_;
  std::set<std::string> declared_;
  std::ostringstream out_;
};

void add_markers(const RunFiles& files, const RunTimeline& timeline, const DiagramWindow& window, int64_t bottom_ns,
                 DotWriter& writer) {
  const uint32_t servers = files.summary.nodes;
  // What happened to the host first, then the state it took: "restart" above "follower t2".
  for (size_t i = first_index_at(files.trace, window.from_ns);
       i < files.trace.size() && files.trace[i].t_ns <= bottom_ns; ++i) {
    const TraceRecord& record = files.trace[i];
    const uint32_t server = node_number(record.node);
    if (!record.kind.starts_with("host.") || !is_server(server, servers) || record.flag("ignored")) {
      continue;
    }
    if (record.kind == "host.crash") {
      writer.add_marker(server, record.t_ns, "crash", "#ffa8a8");
    } else if (record.kind == "host.restart") {
      writer.add_marker(server, record.t_ns, "restart", "#b2f2bb");
    } else if (record.kind == "host.pause") {
      writer.add_marker(server, record.t_ns, "pause " + format_ms(record.integer("for_ns").value_or(0)) + " ms",
                        "#ffec99");
    } else if (record.kind == "host.resume") {
      writer.add_marker(server, record.t_ns, "resume", "#ffec99");
    }
  }
  for (uint32_t server = 1; server <= servers; ++server) {
    for (const StateSpan& span : timeline.states[server - 1]) {
      if (span.from_ns > window.from_ns && span.from_ns <= bottom_ns && span.role != "down") {
        writer.add_marker(server, span.from_ns, role_label(span), role_fill(span.role));
      }
    }
  }
  for (const FaultSpan& fault : timeline.faults) {
    if (fault.from_ns >= window.from_ns && fault.from_ns <= bottom_ns && fault.kind != "crash" &&
        fault.kind != "pause") {
      writer.add_note(fault.from_ns, fault.label, fault_color(fault.kind));
    }
  }
  if (timeline.violation && timeline.violation->t_ns >= window.from_ns && timeline.violation->t_ns <= bottom_ns) {
    writer.add_note(timeline.violation->t_ns, "invariant violated: " + timeline.violation->text, "#e03131");
  }
}

}  // namespace

DiagramWindow requested_window(const RunTimeline& timeline, const DiagramOptions& options) {
  DiagramWindow window;
  if (options.from_ns.has_value() || options.to_ns.has_value()) {
    window.from_ns = options.from_ns.value_or(std::max<int64_t>(0, options.to_ns.value_or(0) - options.span_ns));
    window.to_ns = options.to_ns.value_or(window.from_ns + options.span_ns);
    window.reason = "as asked";
  } else if (ends_at_violation(timeline, options)) {
    window.to_ns = timeline.violation->t_ns;
    window.from_ns = std::max<int64_t>(0, window.to_ns - options.span_ns);
    window.reason = "the messages before the invariant violation at " + format_ms(window.to_ns) + " ms";
  } else {
    int64_t anchor_ns = 0;
    window.reason = "around " + default_anchor(timeline, &anchor_ns);
    window.from_ns = std::max<int64_t>(0, anchor_ns - options.lead_ns);
    window.to_ns = window.from_ns + options.span_ns;
  }
  return window;
}

DiagramWindow choose_window(const RunFiles& files, const RunTimeline& timeline, const DiagramOptions& options) {
  DiagramWindow window = requested_window(timeline, options);
  const bool from_end = ends_at_violation(timeline, options);
  const std::vector<size_t> sends = sends_in(files, window.from_ns, window.to_ns);
  window.messages = sends.size();
  const size_t max = std::max<size_t>(options.max_messages, 1);
  if (sends.size() > max) {
    window.capped = true;
    // Shorten the window to just before the first message that does not fit (just after, from
    // the end), so that a burst sent at one instant is drawn whole or not at all.
    if (from_end) {
      const int64_t first_ns = files.trace[sends[sends.size() - 1 - max]].t_ns + 1;
      window.from_ns = std::min(first_ns, files.trace[sends.back()].t_ns);
    } else {
      const int64_t last_ns = files.trace[sends[max]].t_ns - 1;
      window.to_ns = std::max(last_ns, files.trace[sends.front()].t_ns);
    }
  }
  return window;
}

SequenceDiagram sequence_diagram(const RunFiles& files, const RunTimeline& timeline, const DiagramOptions& options) {
  SequenceDiagram diagram;
  diagram.window = choose_window(files, timeline, options);
  const DiagramWindow& window = diagram.window;
  const bool keep_last = ends_at_violation(timeline, options);
  const int64_t limit_ns = window.to_ns + options.delivery_grace_ns;
  const std::vector<Message> messages =
      collect_messages(files, window, std::max<size_t>(options.max_messages, 1), keep_last, limit_ns);
  int64_t bottom_ns = window.to_ns;
  for (const Message& m : messages) {
    for (const int64_t t : m.delivered_ns) {
      bottom_ns = std::max(bottom_ns, t);
    }
    bottom_ns = std::max(bottom_ns, m.dropped_ns.value_or(bottom_ns));
  }
  DotWriter writer(files, timeline, window, bottom_ns);
  for (const Message& m : messages) {
    writer.add_time(m.sent_ns);
    for (const int64_t t : m.delivered_ns) {
      writer.add_time(t);
    }
    if (m.dropped_ns) {
      writer.add_time(*m.dropped_ns);
    }
  }
  add_markers(files, timeline, window, bottom_ns, writer);
  writer.add_time(window.from_ns);
  writer.add_time(bottom_ns);
  diagram.dot = writer.write(messages, &diagram);
  return diagram;
}

}  // namespace consim::reports
