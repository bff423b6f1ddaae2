#include "cli/report_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/history_parse.h"
#include "checkers/linearizability/html.h"
#include "cli/app.h"
#include "reports/render.h"

namespace consim::cli {
namespace {

namespace lin = checkers::lin;

// The runner's budget (harness/runner.h), so that the check gives the run's verdict again.
constexpr uint64_t kCheckStepLimit = 200'000'000;

struct HistoryCheck {
  const char* name;  // the check's name in summary.json
  lin::Consistency consistency;
  const char* page;  // the checker's timeline, written next to the report
};

constexpr HistoryCheck kHistoryChecks[] = {
    {"linearizability", lin::Consistency::linearizable, "linearizability.html"},
    {"sequential", lin::Consistency::zookeeper, "sequential.html"},
};

bool check_failed(const reports::RunSummary& summary, const char* name) {
  for (const reports::CheckSummary& check : summary.checks) {
    if (check.name == name && check.status == "fail") {
      return true;
    }
  }
  return false;
}

// Checks the history again as the run did, for the whole counterexample (the longest prefix
// included), and writes the checker's own timeline of it. Falls back on what summary.json says.
std::vector<std::string> recheck_history(const reports::RunFiles& files,
                                         std::vector<reports::Counterexample>* counterexamples) {
  std::vector<std::string> notes;
  std::optional<lin::History> history;
  for (const HistoryCheck& check : kHistoryChecks) {
    if (!check_failed(files.summary, check.name)) {
      continue;
    }
    std::optional<reports::Counterexample> cx = reports::counterexample_from_summary(files.summary, check.name);
    const std::string model_name = files.summary.service == "znode" ? "znode" : "kv";
    const std::unique_ptr<lin::Model> model = lin::make_model(model_name);
    if (!history) {
      const std::string path = (std::filesystem::path(files.dir) / "history.jsonl").string();
      std::ifstream in(path, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      lin::ParsedHistory parsed = lin::parse_history(text.str(), lin::Format::jsonl);
      if (parsed.error || lin::validate_history(parsed.history, *model)) {
        notes.push_back("history.jsonl cannot be checked again: " +
                        (parsed.error ? parsed.error->describe() : *lin::validate_history(parsed.history, *model)));
        break;
      }
      history = std::move(parsed.history);
    }
    lin::CheckOptions options;
    options.consistency = check.consistency;
    options.step_limit = kCheckStepLimit;
    const lin::CheckResult result = lin::check(*history, *model, options);
    if (!result.counterexample) {
      notes.push_back(std::string("checking history.jsonl again did not reproduce the ") + check.name + " failure (" +
                      lin::verdict_name(result.verdict) + ")");
    } else {
      const lin::Counterexample& found = *result.counterexample;
      cx = reports::Counterexample{check.name, found.key,   history->operations[found.operation].invoke_line,
                                   {},         found.state, ""};
      for (const size_t index : found.longest_prefix) {
        cx->prefix_lines.push_back(history->operations[index].invoke_line);
      }
      lin::TimelineOptions page;
      // Named after the run, not the directory, so that the page is the same wherever the run lives.
      page.title = files.summary.scenario + ": history.jsonl";
      page.model = model_name + (check.consistency == lin::Consistency::linearizable
                                     ? std::string()
                                     : std::string(", consistency ") + lin::consistency_name(check.consistency));
      const std::string path = (std::filesystem::path(files.dir) / check.page).string();
      if (std::optional<std::string> problem =
              reports::write_file_atomically(path, lin::timeline_html(*history, result, page))) {
        notes.push_back(*problem);
      } else {
        cx->page = check.page;
      }
    }
    if (cx) {
      counterexamples->push_back(*cx);
    }
  }
  return notes;
}

}  // namespace

int run_report(const ReportCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (options.from_ms && options.to_ms && *options.to_ms <= *options.from_ms) {
    err << "consim report: --to-ms (" << *options.to_ms << ") must be after --from-ms (" << *options.from_ms << ")\n";
    return kExitUsage;
  }
  reports::RenderOptions render;
  const auto to_ns = [](double ms) { return static_cast<int64_t>(std::llround(ms * 1e6)); };
  if (options.from_ms) {
    render.from_ns = to_ns(*options.from_ms);
  }
  if (options.to_ms) {
    render.to_ns = to_ns(*options.to_ms);
  }
  render.max_messages = options.max_messages;
  render.plots = !options.no_plots;
  render.plot_script = std::string(CONSIM_REPORTS_DIR) + "/plot_run.py";
  render.counterexamples = recheck_history;
  const reports::RenderResult result = reports::render_run_dir(options.dir, render);
  if (result.error) {
    err << "consim report: " << result.error->describe() << "\n";
    return kExitUsage;
  }
  for (const std::string& warning : result.warnings) {
    err << "consim report: warning: " << warning << (warning.ends_with("\n") ? "" : "\n");
  }
  const bool page_written =
      std::find(result.written.begin(), result.written.end(), "report.html") != result.written.end();
  if (!options.quiet) {
    out << "wrote";
    for (size_t i = 0; i < result.written.size(); ++i) {
      out << (i == 0 ? " " : ", ") << result.written[i];
    }
    out << " to " << options.dir << "\n";
    for (const std::string& note : result.notes) {
      out << "note: " << note << "\n";
    }
  }
  if (!page_written) {
    err << "consim report: cannot write " << (std::filesystem::path(options.dir) / "report.html").string() << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

CLI::App* add_report_command(CLI::App& app, ReportCommandOptions& options) {
  CLI::App* command = app.add_subcommand(
      "report",
      "Render a run directory's reports from its files (report.html, sequence diagrams, plots); exit 2 on bad input");
  command->add_option("dir", options.dir, "A run directory (consim run --out DIR)")->required();
  command->add_option("--from-ms", options.from_ms, "Start of the sequence diagram's window, in simulated ms")
      ->check(CLI::Range(0.0, 1e12));
  command->add_option("--to-ms", options.to_ms, "End of the sequence diagram's window, in simulated ms")
      ->check(CLI::Range(0.0, 1e12));
  command->add_option("--max-messages", options.max_messages, "Messages drawn at most (the window shrinks to fit)")
      ->check(CLI::Range(size_t{1}, size_t{5000}))
      ->capture_default_str();
  command->add_flag("--no-plots", options.no_plots, "Do not run reports/plot_run.py");
  command->add_flag("--quiet", options.quiet, "Do not list the files written");
  return command;
}

}  // namespace consim::cli
