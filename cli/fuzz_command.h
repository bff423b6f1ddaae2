// `consim fuzz`, `consim fuzz merge` and `consim shrink`: fuzzing campaigns over seeds, their
// reproducers and shrinking (harness/fuzz_campaign.h, harness/shrink.h).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace consim::cli {

struct FuzzCommandOptions {
  std::string protocol = "raft";  // raft, zab
  std::string service = "kv";     // kv, znode
  std::string seeds = "1..100";   // A..B, inclusive
  uint32_t jobs = 1;
  double time_budget_s = 0;  // 0 = none: stop starting seeds after this much wall time
  std::vector<std::string> bugs;
  std::string out_dir = "fuzz-out";
  std::string shard = "0/1";  // I/N
  bool no_shrink = false;
  uint32_t shrink_runs = 300;  // candidate runs per shrink
  bool quiet = false;          // no progress output
};

struct ShrinkCommandOptions {
  std::string scenario_path;
  std::string out_path;  // default: next to the input, "-shrunk" before ".json"
  uint32_t max_runs = 400;
};

struct FuzzMergeOptions {
  std::vector<std::string> dirs;
  std::string out_dir;  // empty: print the merged campaign.json
};

// Exit codes: 0 no failure, 1 some seed failed, 2 bad input.
int run_fuzz(const FuzzCommandOptions& options, std::ostream& out, std::ostream& err);
// Exit codes: 0 merged (1 when a merged campaign has failures), 2 bad input.
int run_fuzz_merge(const FuzzMergeOptions& options, std::ostream& out, std::ostream& err);
// Exit codes: 0 shrunk (the result still fails the same way), 1 the scenario does not fail, 2 bad input.
int run_shrink(const ShrinkCommandOptions& options, std::ostream& out, std::ostream& err);

// Registers `fuzz` (with its `merge` subcommand) and `shrink` on the application.
struct FuzzCommands {
  CLI::App* fuzz = nullptr;
  CLI::App* merge = nullptr;
  CLI::App* shrink = nullptr;
};
FuzzCommands add_fuzz_commands(CLI::App& app, FuzzCommandOptions& fuzz, FuzzMergeOptions& merge,
                               ShrinkCommandOptions& shrink);

}  // namespace consim::cli
