// The figures `consim compare` reports for one run, read from the files the run wrote (its
// summary.json, trace.jsonl and history.jsonl), never from the simulator: what a reader of the
// files could compute, and check, for themselves.
//
// Times are in ms of simulated time. A figure is absent (nullopt) when the run gives it no
// meaning: no leader failed, no follower restarted, no write committed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace consim::harness {

// One figure of the comparison: its id (a key of compare.json), how to title it, its unit and
// the group its chart belongs to.
struct FigureInfo {
  const char* id;
  const char* title;
  const char* unit;
  const char* group;  // "latency", "throughput", "cost", "elections", "failover", "recovery", "anomalies"
};

// Every figure, in the order compare.md lists them.
const std::vector<FigureInfo>& figure_catalogue();

struct RunFigures {
  std::map<std::string, std::optional<double>> values;  // by FigureInfo::id, every id present
  // How the first restarted follower was brought up to date: "append" or "snapshot" (Raft),
  // "diff", "trunc", "trunc_diff" or "snap" (ZAB); empty when no follower restarted.
  std::string recovery_mode;
  std::string verdict;  // summary.json's
};

// Reads `dir`'s three files. On a missing or malformed file, nullopt and `error` names the file,
// the line and the problem.
std::optional<RunFigures> figures_from_files(const std::string& dir, std::string* error);

}  // namespace consim::harness
