#include "cli/compare_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <ostream>
#include <variant>

#include "cli/app.h"
#include "cli/report_command.h"
#include "cli/seed_range.h"
#include "cli/version.h"
#include "harness/compare.h"
#include "harness/scenario.h"
#include "reports/external.h"

namespace consim::cli {

namespace {

// A comparison runs every seed on both protocols and every read mode: a range this long is a typo.
constexpr uint64_t kMaxSeeds = 1000;

// Each run's reports, as `consim report` renders them, and the comparison charts. What cannot be
// drawn (no Python, no matplotlib) is a note: the comparison itself stands.
void render_reports(const harness::CompareOptions& compare, std::ostream& out, std::ostream& err) {
  for (const char* protocol : {"raft", "zab"}) {
    for (const uint64_t seed : compare.seeds) {
      ReportCommandOptions report;
      report.dir = compare.out_dir + "/" + protocol + "/seed-" + std::to_string(seed);
      report.quiet = true;
      if (run_report(report, out, err) != kExitOk) {
        err << "consim compare: the reports of " << report.dir << " could not be rendered\n";
      }
    }
  }
  const std::string python = access("/usr/bin/python3", X_OK) == 0
                                 ? std::string("/usr/bin/python3")
                                 : reports::find_program("python3").value_or(std::string());
  const reports::ProgramResult charts =
      python.empty()
          ? reports::ProgramResult{}
          : reports::run_program({python, std::string(CONSIM_REPORTS_DIR) + "/plot_compare.py", compare.out_dir});
  if (!charts.started || charts.exit_code != 0) {
    out << "note: no comparison charts (reports/plot_compare.py needs python3 with matplotlib)"
        << (charts.stderr_text.empty() ? "" : ": " + charts.stderr_text) << "\n";
    return;
  }
  out << "wrote each run's report.html and the comparison charts (compare-*.png, compare-*.svg)\n";
}

}  // namespace

int run_compare(const CompareCommandOptions& options, std::ostream& out, std::ostream& err) {
  const std::optional<SeedRange> range = parse_seeds(options.seeds);
  if (!range || range->last - range->first >= kMaxSeeds) {
    err << "consim compare: --seeds: expected A..B with A <= B and at most " << kMaxSeeds << " seeds, got \""
        << options.seeds << "\"\n";
    return kExitUsage;
  }
  harness::ScenarioResult loaded = harness::load_scenario(options.scenario_path);
  if (const auto* error = std::get_if<harness::ScenarioError>(&loaded)) {
    err << "consim compare: " << error->message << "\n";
    return kExitUsage;
  }
  harness::CompareOptions compare;
  compare.seeds.clear();
  for (uint64_t seed = range->first;; ++seed) {
    compare.seeds.push_back(seed);
    if (seed == range->last) {
      break;
    }
  }
  compare.out_dir = options.out_dir;
  compare.version = CONSIM_VERSION;
  compare.read_modes = !options.no_read_modes;
  compare.progress = options.quiet ? nullptr : &err;
  std::string error;
  const std::optional<harness::CompareOutcome> outcome =
      harness::run_compare(std::get<harness::Scenario>(loaded), compare, &error);
  if (!outcome) {
    err << "consim compare: " << error << "\n";
    return kExitUsage;
  }
  out << outcome->markdown << "\nwrote compare.md, compare.json and the runs' files (" << outcome->runs << " runs) to "
      << options.out_dir << "\n";
  if (!options.no_report) {
    render_reports(compare, out, err);
  }
  return kExitOk;
}

CLI::App* add_compare_command(CLI::App& app, CompareCommandOptions& options) {
  CLI::App* command =
      app.add_subcommand("compare",
                         "Run a scenario's workload and faults on Raft and on ZAB over the same seeds and compare them "
                         "(compare.md, compare.json); exit 0 when compared, 2 on bad input");
  command->add_option("scenario", options.scenario_path, "Scenario file (JSON), of either protocol")->required();
  command->add_option("--seeds", options.seeds, "Seed range A..B (inclusive)")->capture_default_str();
  command->add_option("--out", options.out_dir, "Directory for compare.md, compare.json and the runs")
      ->capture_default_str();
  command->add_flag("--no-read-modes", options.no_read_modes,
                    "Skip the extra runs that count stale reads in every read mode");
  command->add_flag("--no-report", options.no_report,
                    "Skip each run's reports (report.html, sequence diagrams, plots) and the comparison charts");
  command->add_flag("--quiet", options.quiet, "No line per run on stderr");
  return command;
}

}  // namespace consim::cli
