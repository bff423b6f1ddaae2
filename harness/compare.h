// `consim compare`: one scenario's workload and fault schedule on Raft and on ZAB, over the same
// seeds, and what each protocol made of it (research/zab.md (f)): commit latency, throughput,
// messages, bytes and fsyncs per write, elections, the phases of a failover, the cost of bringing
// a restarted follower up to date, stale reads in every read mode, leader changes after a heal.
//
// Every run writes its files under the output directory (raft/seed-N/, zab/seed-N/: summary.json,
// trace.jsonl, history.jsonl), and the figures are read back from those files
// (harness/run_figures.h), so compare.json can be checked against them. The read-mode runs keep
// only their summary (read-modes/<protocol>-<mode>-seed-N.json).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "harness/scenario.h"

namespace consim::harness {

struct CompareOptions {
  std::vector<uint64_t> seeds = {1, 2, 3};
  std::string out_dir;               // required
  std::string version;               // consim's, for compare.json
  bool read_modes = true;            // also run every read mode of each protocol for its stale reads
  std::ostream* progress = nullptr;  // a line per run when set
};

struct CompareOutcome {
  std::string json;      // what compare.json holds
  std::string markdown;  // what compare.md holds
  uint64_t runs = 0;
};

// `scenario` as `protocol` runs it: the other protocol's bug switches, membership changes (Raft
// only) and crash points waiting for the other protocol's events are left out, each with a line
// in `notes`; the protocol's own settings are the scenario's when it is written for it, else its
// defaults; the expectation is dropped (compare reports what happened, it judges nothing).
Scenario scenario_for(const Scenario& scenario, const std::string& protocol, std::vector<std::string>* notes);

// How compare.md writes a figure, without exponent: whole numbers from 100 up (123, 12345),
// three significant digits below (12.3, 1.23, 0.0123).
std::string format_figure(double value);

// Runs everything, writes compare.json and compare.md into options.out_dir and returns them.
// nullopt and `error` when a run or a file fails.
std::optional<CompareOutcome> run_compare(const Scenario& scenario, const CompareOptions& options, std::string* error);

}  // namespace consim::harness
