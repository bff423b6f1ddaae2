#include "reports/render.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <variant>

#include "reports/external.h"
#include "reports/sequence_diagram.h"
#include "reports/timeline.h"

namespace consim::reports {
namespace {

namespace fs = std::filesystem;

std::string in_dir(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.pop_back();
  }
  const size_t newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

// Writes NAME.dot and, when `dot` is there, NAME.svg; links them from the page.
void render_diagram(const std::string& dir, const std::string& name, const RunFiles& files, const RunTimeline& timeline,
                    const DiagramOptions& options, const std::optional<std::string>& dot, HtmlReportOptions* page,
                    RenderResult* result) {
  const SequenceDiagram diagram = sequence_diagram(files, timeline, options);
  const std::string dot_name = name + ".dot";
  if (std::optional<std::string> problem = write_file_atomically(in_dir(dir, dot_name), diagram.dot)) {
    result->notes.push_back(*problem);
    return;
  }
  result->written.push_back(dot_name);
  const DiagramWindow& window = diagram.window;
  const std::string what =
      "messages between servers sent " + format_ms(window.from_ns) + " to " + format_ms(window.to_ns) + " ms (" +
      window.reason + "): " + std::to_string(diagram.delivered) + " delivered, " + std::to_string(diagram.dropped) +
      " dropped, " + std::to_string(diagram.in_flight) + " in flight" +
      (window.capped ? "; shortened from " + std::to_string(window.messages) + " messages" : "");
  if (!dot) {
    result->notes.push_back("graphviz's dot is not on PATH: " + dot_name +
                            " is written but not drawn (Debian: apt-get install graphviz)");
    page->diagrams.push_back({dot_name, dot_name + ": " + what});
    return;
  }
  const std::string svg_name = name + ".svg";
  const std::string temp = in_dir(dir, svg_name + ".tmp");
  const ProgramResult run = run_program({*dot, "-Tsvg", "-o", temp, in_dir(dir, dot_name)});
  std::error_code error;
  if (!run.started || run.exit_code != 0) {
    fs::remove(temp, error);
    result->notes.push_back("dot could not draw " + dot_name + ": " +
                            (run.started ? last_line(run.stderr_text) : run.error));
    page->diagrams.push_back({dot_name, dot_name + ": " + what});
    return;
  }
  if (!run.stderr_text.empty()) {
    result->warnings.push_back("dot " + dot_name + ": " + run.stderr_text);
  }
  fs::rename(temp, in_dir(dir, svg_name), error);
  if (error) {
    fs::remove(temp, error);
    result->notes.push_back("cannot write " + in_dir(dir, svg_name));
    return;
  }
  result->written.push_back(svg_name);
  page->diagrams.push_back({svg_name, svg_name + ": " + what});
  page->diagrams.push_back({dot_name, dot_name + " (its Graphviz source)"});
}

std::optional<std::string> python_interpreter(const RenderOptions& options) {
  if (!options.python.empty()) {
    return options.python;
  }
  if (access("/usr/bin/python3", X_OK) == 0) {
    return std::string("/usr/bin/python3");
  }
  return find_program("python3");
}

// The records plot_run.py reads (faults, roles, crashes and restarts), as JSON lines.
std::string plot_trace_lines(const RunFiles& files) {
  std::string text;
  for (const TraceRecord& record : files.trace) {
    const std::string_view kind = record.kind;
    if (!kind.starts_with("fault.") && kind != "raft.state" && kind != "zab.state" && kind != "host.crash" &&
        kind != "host.restart") {
      continue;
    }
    nlohmann::ordered_json line;
    line["t"] = record.t_ns;
    if (!record.node.empty()) {
      line["node"] = record.node;
    }
    line["kind"] = record.kind;
    for (const TraceField& field : record.fields) {
      std::visit(
          [&](const auto& value) {
            if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::monostate>) {
              line[field.name] = nullptr;
            } else {
              line[field.name] = value;
            }
          },
          field.value);
    }
    text += line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  }
  return text;
}

void render_plots(const std::string& dir, const RunFiles& files, const RenderOptions& options, RenderResult* result) {
  std::error_code error;
  if (options.plot_script.empty() || !fs::is_regular_file(options.plot_script, error)) {
    result->notes.push_back("plots: the plotting script reports/plot_run.py is not in this build's source tree");
    return;
  }
  const std::optional<std::string> python = python_interpreter(options);
  if (!python) {
    result->notes.push_back("plots: python3 is not installed (Debian: apt-get install python3-matplotlib)");
    return;
  }
  const ProgramResult probe = run_program({*python, "-c", "import matplotlib"});
  if (!probe.started || probe.exit_code != 0) {
    result->notes.push_back("plots: matplotlib is not available to " + *python +
                            " (Debian: apt-get install python3-matplotlib)");
    return;
  }
  // The trace was just read in full: the script gets the few records it draws in a file of their
  // own rather than scanning the whole trace again (gigabytes for an hour-long run).
  const std::string trace_path = in_dir(dir, "plot-trace.jsonl.tmp");
  std::vector<std::string> argv = {*python, options.plot_script, dir};
  if (!write_file_atomically(trace_path, plot_trace_lines(files))) {
    argv.insert(argv.end(), {"--trace", trace_path, "--trace-end-ns", std::to_string(files.trace_end_ns)});
  }
  const ProgramResult run = run_program(argv);
  fs::remove(trace_path, error);
  if (!run.started || run.exit_code != 0) {
    result->notes.push_back("plots: " + options.plot_script +
                            " failed: " + (run.started ? last_line(run.stderr_text) : run.error));
    return;
  }
  for (const char* name : {"latency.png", "latency.svg", "throughput.png", "throughput.svg"}) {
    if (fs::is_regular_file(in_dir(dir, name), error)) {
      result->written.push_back(name);
    }
  }
}

std::vector<Counterexample> summary_counterexamples(const RunSummary& summary) {
  std::vector<Counterexample> found;
  for (const char* check : {"linearizability", "sequential"}) {
    if (std::optional<Counterexample> cx = counterexample_from_summary(summary, check)) {
      found.push_back(*cx);
    }
  }
  return found;
}

// Reads trace.jsonl again for the net.* records sent or delivered in `windows` (each extended by
// `grace_ns` for late deliveries) and merges them into files->trace in file order.
std::optional<ReadError> add_network_records(RunFiles* files, std::vector<DiagramWindow> windows, int64_t grace_ns) {
  std::sort(windows.begin(), windows.end(),
            [](const DiagramWindow& a, const DiagramWindow& b) { return a.from_ns < b.from_ns; });
  std::vector<std::pair<int64_t, int64_t>> spans;  // disjoint, so that no record is read twice
  for (const DiagramWindow& window : windows) {
    const int64_t to_ns = window.to_ns + grace_ns;
    if (!spans.empty() && window.from_ns <= spans.back().second) {
      spans.back().second = std::max(spans.back().second, to_ns);
    } else {
      spans.emplace_back(window.from_ns, to_ns);
    }
  }
  ReadOptions read;
  read.keep_record = [](std::string_view kind, int64_t) { return kind.starts_with("net."); };
  std::vector<TraceRecord> network;
  for (const auto& [from_ns, to_ns] : spans) {
    if (std::optional<ReadError> error = read_trace_window(*files, from_ns, to_ns, read, &network)) {
      return error;
    }
  }
  std::vector<TraceRecord> merged;
  merged.reserve(files->trace.size() + network.size());
  std::merge(std::make_move_iterator(files->trace.begin()), std::make_move_iterator(files->trace.end()),
             std::make_move_iterator(network.begin()), std::make_move_iterator(network.end()),
             std::back_inserter(merged), [](const TraceRecord& a, const TraceRecord& b) { return a.line < b.line; });
  files->trace = std::move(merged);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> write_file_atomically(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  std::ofstream out(temp, std::ios::binary | std::ios::trunc);
  if (!out) {
    return "cannot write " + path + ": " + std::strerror(errno);
  }
  out << text;
  out.close();
  std::error_code error;
  if (!out) {
    fs::remove(temp, error);
    return "failed writing " + path;
  }
  fs::rename(temp, path, error);
  if (error) {
    fs::remove(temp, error);
    return "cannot write " + path + ": " + error.message();
  }
  return std::nullopt;
}

RenderResult render_run_dir(const std::string& dir, const RenderOptions& options) {
  RenderResult result;
  // The network's records are most of a trace, and only the diagrams read them, in their windows:
  // a first reading keeps the other records the reports read, a second one adds the network's
  // records of those windows. Memory grows with what is drawn, not with the length of the run.
  ReadOptions read;
  read.keep_record = [](std::string_view kind, int64_t) { return report_kind(kind) && !kind.starts_with("net."); };
  std::variant<RunFiles, ReadError> loaded = read_run_dir(dir, read);
  if (auto* error = std::get_if<ReadError>(&loaded)) {
    result.error = *error;
    return result;
  }
  RunFiles& files = std::get<RunFiles>(loaded);
  const RunTimeline timeline = build_timeline(files);
  DiagramOptions diagram;
  diagram.from_ns = options.from_ns;
  diagram.to_ns = options.to_ns;
  diagram.max_messages = options.max_messages;
  const bool violation_diagram = !options.from_ns && !options.to_ns && timeline.violation;
  std::vector<DiagramWindow> windows = {requested_window(timeline, diagram)};
  if (violation_diagram) {
    DiagramOptions at_violation = diagram;
    at_violation.end_at_violation = true;
    windows.push_back(requested_window(timeline, at_violation));
  }
  if (std::optional<ReadError> error = add_network_records(&files, windows, diagram.delivery_grace_ns)) {
    result.error = *error;
    return result;
  }
  HtmlReportOptions page;
  if (options.counterexamples) {
    for (std::string& note : options.counterexamples(files, &page.counterexamples)) {
      result.notes.push_back(std::move(note));
    }
    for (const Counterexample& cx : page.counterexamples) {
      if (!cx.page.empty()) {
        result.written.push_back(cx.page);
      }
    }
  } else {
    page.counterexamples = summary_counterexamples(files.summary);
  }

  const std::optional<std::string> dot = find_program("dot");
  render_diagram(dir, "sequence", files, timeline, diagram, dot, &page, &result);
  if (violation_diagram) {
    diagram.end_at_violation = true;
    render_diagram(dir, "sequence-violation", files, timeline, diagram, dot, &page, &result);
  }
  if (options.plots) {
    render_plots(dir, files, options, &result);
  }
  std::error_code error;
  for (const char* name : {"latency.svg", "throughput.svg"}) {
    if (fs::is_regular_file(in_dir(dir, name), error)) {
      page.plots.push_back({name, name});
    }
  }
  page.notes = result.notes;
  if (std::optional<std::string> problem =
          write_file_atomically(in_dir(dir, "report.html"), report_html(files, timeline, page))) {
    result.notes.push_back(*problem);
  } else {
    result.written.push_back("report.html");
  }
  return result;
}

}  // namespace consim::reports
