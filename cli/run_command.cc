#include "cli/run_command.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <variant>
#include <vector>

#include "cli/app.h"
#include "cli/report_command.h"
#include "cli/version.h"
#include "harness/run_summary.h"
#include "harness/runner.h"
#include "harness/scenario.h"

namespace consim::cli {

int run_run(const RunCommandOptions& options, std::ostream& out, std::ostream& err) {
  harness::ScenarioResult loaded = harness::load_scenario(options.scenario_path);
  if (const auto* error = std::get_if<harness::ScenarioError>(&loaded)) {
    err << "consim run: " << error->message << "\n";
    return kExitUsage;
  }
  const harness::Scenario& scenario = std::get<harness::Scenario>(loaded);
  for (const std::string& warning : harness::scenario_warnings(scenario)) {
    err << "consim run: warning: " << warning << "\n";
  }
  harness::RunOptions run_options;
  run_options.seed = options.seed;
  run_options.out_dir = options.out_dir;
  // With --json, stdout is the summary alone: the narration goes to stderr.
  run_options.explain = options.explain ? (options.json ? &err : &out) : nullptr;
  // Long runs show progress when stderr is a terminal (never in files or CI logs).
  if (isatty(STDERR_FILENO) != 0 && scenario.duration_ms >= 60'000) {
    run_options.progress = &err;
  }
  run_options.version = CONSIM_VERSION;
  run_options.keep_history_text = !options.out_dir.empty();
  const harness::RunResult result = harness::run_scenario(scenario, run_options);
  if (!result.report.has_value()) {
    err << "consim run: " << result.error << "\n";
    return kExitUsage;
  }
  const harness::RunReport& report = *result.report;
  if (options.json) {
    out << report.summary_json;
  } else {
    out << harness::format_report(report);
    if (!options.out_dir.empty()) {
      out << "wrote summary.json, trace.jsonl, history.jsonl to " << options.out_dir << "\n";
    }
  }
  if (!options.out_dir.empty() && !options.no_report) {
    // The reports are rendered from the files just written, as `consim report DIR` would.
    ReportCommandOptions rendering;
    rendering.dir = options.out_dir;
    rendering.quiet = options.json;  // stdout holds summary.json alone
    if (run_report(rendering, out, err) != kExitOk) {
      err << "consim run: the reports of " << options.out_dir << " could not be rendered\n";
      return kExitUsage;
    }
  }
  return report.exit_code();
}

int list_scenarios(const std::string& dir, std::ostream& out, std::ostream& err) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    err << "consim list scenarios: no scenario directory at " << dir << "\n";
    return kExitUsage;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    harness::ScenarioResult loaded = harness::load_scenario(file.string());
    if (const auto* problem = std::get_if<harness::ScenarioError>(&loaded)) {
      out << file.string() << "\n    (invalid: " << problem->message << ")\n";
      continue;
    }
    const harness::Scenario& scenario = std::get<harness::Scenario>(loaded);
    out << file.string() << "  [" << scenario.protocol << "/" << scenario.service << ", expect "
        << scenario.expect.verdict << "]\n    " << scenario.description << "\n";
  }
  return kExitOk;
}

void list_faults(std::ostream& out) {
  out << "Faults in a scenario's \"faults\" list; each has \"at_ms\" and one of:\n"
         "  partition   [[SEL...], [SEL...]] groups (\"*\" = every node named in no other group),\n"
         "              or \"halves\", \"majority_ring\", \"bridge\"\n"
         "  cut         {\"from\": SEL, \"to\": SEL}: one-way, messages from -> to are dropped\n"
         "  heal        true: remove every partition and cut\n"
         "  crash       SEL                  restart  SEL (\"*\": every crashed node)\n"
         "  pause       SEL, with \"for_ms\": D (a GC pause)\n"
         "  clock       {\"node\": SEL, \"offset_ms\": X} (a step) and/or {\"drift_ppm\": P}\n"
         "  network     {latency_ms_min, latency_ms_max, latency_ms_mean, latency_shape, drop_probability,\n"
         "               duplicate_probability, \"between\": [SEL, SEL]} (without between: every link)\n"
         "  disk        {\"node\": SEL, \"sync_ms\": D, \"lying_sync\": B, \"lose_unsynced\": true (power loss)}\n"
         "  crash_point {\"node\": SEL, \"before\": write|sync|events|send|apply|advance, \"after_event\": KIND,\n"
         "               \"within_ms\": D}: crash right before that step of a Ready (after the node next\n"
         "               emits a trace record of KIND, e.g. \"raft.vote\"); strikes once\n"
         "  membership  {\"add\": SEL} | {\"remove\": SEL} | {\"add_learner\": SEL}: the leader is asked for a\n"
         "               single-server change (Raft; protocol_config.voters leaves spare machines to add)\n"
         "Selectors (SEL), resolved when the fault fires: \"n3\", \"leader\", \"follower\", \"random\", \"*\".\n";
}

}  // namespace consim::cli
