#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>

#include "cli/check_command.h"
#include "cli/compare_command.h"
#include "cli/fuzz_command.h"
#include "cli/report_command.h"
#include "cli/run_command.h"
#include "cli/version.h"
#include "harness/demo/ping_pong.h"
#include "protocols/raft/config.h"
#include "protocols/zab/config.h"

namespace consim::cli {
namespace {

constexpr const char* kDescription =
    "consim: a deterministic simulation and protocol-verification testbed for consensus.";

struct DemoOptions {
  harness::PingPongOptions run;
  std::string trace_path;
};

int run_demo(const DemoOptions& options, std::ostream& out, std::ostream& err) {
  std::ofstream trace_file;
  if (!options.trace_path.empty()) {
    trace_file.open(options.trace_path, std::ios::binary | std::ios::trunc);
    if (!trace_file) {
      err << "consim demo: cannot write --trace " << options.trace_path << ": " << std::strerror(errno) << "\n";
      return kExitUsage;
    }
  }
  const harness::PingPongReport report =
      harness::run_ping_pong(options.run, options.trace_path.empty() ? nullptr : &trace_file);
  out << harness::format_ping_pong(report);
  if (!options.trace_path.empty()) {
    trace_file.close();
    if (!trace_file) {
      err << "consim demo: failed writing " << options.trace_path << "\n";
      return kExitUsage;
    }
    out << "trace: " << options.trace_path << "\n";
  }
  // Streams are FIFO by construction; a reordering here means the simulator is broken.
  for (const auto& host : report.hosts) {
    if (host.stream_out_of_order != 0) {
      err << "consim demo: stream delivered out of order on " << host.name << "\n";
      return kExitCheckFailed;
    }
  }
  return kExitOk;
}

int run_list(const std::string& what, std::ostream& out, std::ostream& err) {
  if (what == "scenarios") {
    std::error_code error;
    return list_scenarios(std::filesystem::is_directory("scenarios", error) ? "scenarios" : CONSIM_SCENARIO_DIR, out,
                          err);
  }
  if (what == "faults") {
    list_faults(out);
    return kExitOk;
  }
  if (what == "bugs") {
    for (const auto& bug : protocols::raft::bug_catalogue()) {
      out << bug.name << "\n    " << bug.description << "\n    caught by: " << bug.caught_by << "\n";
    }
    for (const auto& bug : protocols::zab::bug_catalogue()) {
      out << bug.name << "\n    " << bug.description << "\n    caught by: " << bug.caught_by << "\n";
    }
  }
  return kExitOk;
}

CLI::App* add_check_command(CLI::App& app, CheckCommandOptions& options) {
  CLI::App* command = app.add_subcommand(
      "check",
      "Check a client history for linearizability (exit 0 linearizable, 1 not linearizable, 3 unknown, 2 bad input)");
  command->add_option("history", options.history_path, "History file: consim JSONL, Jepsen EDN or Jepsen log")
      ->required();
  command
      ->add_option("--model", options.model,
                   "Model: auto (znode if the history uses create/set/exists/children/sync_get, else kv if it "
                   "uses get/put/delete/append), register, kv, znode")
      ->check(CLI::IsMember({"auto", "register", "kv", "znode"}))
      ->capture_default_str();
  command
      ->add_option("--consistency", options.consistency,
                   "What the history is held to: linearizable; sequential (each process's order only); "
                   "zookeeper (linearizable writes and sync_get, plain reads sequential)")
      ->check(CLI::IsMember({"linearizable", "sequential", "zookeeper"}))
      ->capture_default_str();
  command->add_option("--format", options.format, "History format")
      ->check(CLI::IsMember({"auto", "jsonl", "jepsen-edn", "jepsen-log"}))
      ->capture_default_str();
  command->add_option(
      "--initial", options.initial_json,
      "Initial value of the register (or of every key) as JSON; default null, \"\" for EDN kv histories");
  command->add_option("--time-limit", options.time_limit_s, "Time budget in seconds, 0 for none (exhausted: unknown)")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  command->add_option("--memory-limit", options.memory_limit_mb, "Memory budget in MiB (exhausted: unknown)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30))
      ->capture_default_str();
  command->add_flag("--json", options.json, "Print the result as JSON");
  command->add_option("--html", options.html_path,
                      "Also write a self-contained HTML timeline of the operations per process to this file");
  return command;
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app(kDescription, "consim");
  app.set_version_flag("--version", std::string("consim ") + CONSIM_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success, 1 a check failed, 2 bad input or usage, 3 unknown (a checker ran out of time or "
      "memory).");

  DemoOptions demo;
  CLI::App* demo_command =
      app.add_subcommand("demo", "Run the simulator demonstration (ping-pong under faults) and print its digest");
  demo_command->add_option("--seed", demo.run.seed, "Seed of the run")->capture_default_str();
  demo_command->add_option("--hosts", demo.run.hosts, "Number of hosts")
      ->check(CLI::Range(3u, 64u))
      ->capture_default_str();
  demo_command->add_option("--duration-ms", demo.run.duration_ms, "Simulated duration in milliseconds")
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}))
      ->capture_default_str();
  demo_command->add_option("--trace", demo.trace_path, "Write the trace as JSONL to this file");

  std::string list_what;
  CLI::App* list_command = app.add_subcommand(
      "list", "List what consim knows: scenarios (the library), bugs (the protocols' bug switches), faults");
  list_command->add_option("what", list_what, "What to list")
      ->required()
      ->check(CLI::IsMember({"scenarios", "bugs", "faults"}));

  RunCommandOptions run_options;
  uint64_t run_seed = 0;
  CLI::App* run_command = app.add_subcommand(
      "run",
      "Run a scenario: exit 0 when its expectation held (every check passed, or the violation it expects), "
      "1 when not, 2 on bad input");
  run_command->add_option("scenario", run_options.scenario_path, "Scenario file (JSON)")->required();
  CLI::Option* seed_option = run_command->add_option("--seed", run_seed, "Seed (overrides the scenario's)");
  run_command->add_option("--out", run_options.out_dir, "Write summary.json, trace.jsonl and history.jsonl here");
  run_command->add_flag("--explain", run_options.explain,
                        "Narrate the run: elections, faults, crashes, as they happen");
  run_command->add_flag("--json", run_options.json, "Print summary.json instead of the report");
  run_command->add_flag("--no-report", run_options.no_report,
                        "With --out: skip rendering report.html, the sequence diagrams and the plots");

  CheckCommandOptions check;
  CLI::App* check_command = add_check_command(app, check);

  ReportCommandOptions report;
  CLI::App* report_command = add_report_command(app, report);

  FuzzCommandOptions fuzz;
  FuzzMergeOptions fuzz_merge;
  ShrinkCommandOptions shrink;
  const FuzzCommands fuzz_commands = add_fuzz_commands(app, fuzz, fuzz_merge, shrink);

  CompareCommandOptions compare;
  CLI::App* compare_command = add_compare_command(app, compare);

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help(app.get_subcommands().empty() ? "" : app.get_subcommands().front()->get_name());
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    out << std::string("consim ") + CONSIM_VERSION << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& error) {
    std::string message = error.what();
    if (app.get_subcommands().empty() && !args.empty() && !args.front().starts_with("-")) {
      message = "unknown command '" + args.front() + "'";
    }
    err << "consim: error: " << message << "\nRun 'consim --help' for usage.\n";
    return kExitUsage;
  }

  if (demo_command->parsed()) {
    return run_demo(demo, out, err);
  }
  if (check_command->parsed()) {
    return run_check(check, out, err);
  }
  if (report_command->parsed()) {
    return run_report(report, out, err);
  }
  if (list_command->parsed()) {
    return run_list(list_what, out, err);
  }
  if (fuzz_commands.merge->parsed()) {
    return run_fuzz_merge(fuzz_merge, out, err);
  }
  if (fuzz_commands.fuzz->parsed()) {
    return run_fuzz(fuzz, out, err);
  }
  if (fuzz_commands.shrink->parsed()) {
    return run_shrink(shrink, out, err);
  }
  if (compare_command->parsed()) {
    return run_compare(compare, out, err);
  }
  if (run_command->parsed()) {
    if (seed_option->count() > 0) {
      run_options.seed = run_seed;
    }
    return run_run(run_options, out, err);
  }
  err << "consim: error: no command given\nRun 'consim --help' for usage.\n";
  return kExitUsage;
}

}  // namespace consim::cli
