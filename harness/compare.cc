#include "harness/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

#include "harness/run_figures.h"
#include "harness/runner.h"

namespace consim::harness {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array<const char*, 2> kProtocols = {"raft", "zab"};
const std::map<std::string, std::string> kProtocolTitles = {{"raft", "Raft"}, {"zab", "ZAB"}};
// Every read mode of each protocol; the first is the one a comparison runs with by default.
const std::map<std::string, std::vector<std::string>> kReadModes = {
    {"raft", {"read_index", "log", "lease", "follower"}}, {"zab", {"sync", "local"}}};

struct Spread {
  std::optional<double> mean, min, max, stdev;
  size_t n = 0;
};

Spread spread_of(const std::vector<std::optional<double>>& values) {
  Spread spread;
  double sum = 0;
  for (const std::optional<double>& value : values) {
    if (!value) {
      continue;
    }
    ++spread.n;
    sum += *value;
    spread.min = spread.min ? std::min(*spread.min, *value) : *value;
    spread.max = spread.max ? std::max(*spread.max, *value) : *value;
  }
  if (spread.n == 0) {
    return spread;
  }
  const double mean = sum / static_cast<double>(spread.n);
  double squares = 0;
  for (const std::optional<double>& value : values) {
    if (value) {
      squares += (*value - mean) * (*value - mean);
    }
  }
  spread.mean = mean;
  spread.stdev = std::sqrt(squares / static_cast<double>(spread.n));
  return spread;
}

Json number_or_null(std::optional<double> value) { return value ? Json(*value) : Json(nullptr); }

Json spread_json(const Spread& spread) {
  Json json;
  json["mean"] = number_or_null(spread.mean);
  json["min"] = number_or_null(spread.min);
  json["max"] = number_or_null(spread.max);
  json["stdev"] = number_or_null(spread.stdev);
  json["n"] = spread.n;
  return json;
}

}  // namespace

std::string format_figure(double value) {
  char buffer[64];
  const double magnitude = std::fabs(value);
  const int decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 || magnitude == 0 ? 2 : 4;
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

namespace {

std::string cell(const Spread& spread) {
  if (!spread.mean) {
    return "n/a";
  }
  std::string text = format_figure(*spread.mean);
  if (*spread.min != *spread.max) {
    text += " (" + format_figure(*spread.min) + "–" + format_figure(*spread.max) + ")";
  }
  return text;
}

bool write_file(const std::filesystem::path& path, const std::string& text, std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    *error = path.string() + ": cannot write";
    return false;
  }
  return true;
}

struct ProtocolRuns {
  std::vector<uint64_t> seeds;
  std::vector<std::string> dirs;
  std::vector<RunFigures> figures;
};

struct ReadModeRuns {
  std::string protocol;
  std::string mode;
  std::vector<std::optional<double>> stale_reads;
  uint64_t linearizable = 0;  // runs whose linearizability check passed
  uint64_t runs = 0;
};

std::string markdown(const Scenario& scenario, const CompareOptions& options,
                     const std::map<std::string, ProtocolRuns>& runs, const std::vector<ReadModeRuns>& read_modes,
                     const std::vector<std::string>& notes) {
  std::string seeds;
  for (const uint64_t seed : options.seeds) {
    seeds += (seeds.empty() ? "" : ", ") + std::to_string(seed);
  }
  std::string md = "# Raft vs ZAB: " + scenario.name + "\n\n";
  md += "Scenario `" + scenario.file + "` (" + scenario.service + ", " + std::to_string(scenario.nodes) +
        " servers), the same workload and fault schedule on both protocols, seeds " + seeds +
        ". Each figure is the mean over the seeds, with the range (min–max) when the seeds differ; "
        "n/a when no run had it (no leader failed, no follower restarted). Every figure is read back from "
        "the runs' files: `raft/seed-N/` and `zab/seed-N/` hold each run's summary.json, trace.jsonl and "
        "history.jsonl.\n\n";
  if (!notes.empty()) {
    for (const std::string& note : notes) {
      md += "- " + note + "\n";
    }
    md += "\n";
  }
  md += "| figure | unit | Raft | ZAB |\n|---|---|---|---|\n";
  std::string group;
  for (const FigureInfo& info : figure_catalogue()) {
    if (info.group != group) {
      group = info.group;
      md += "| **" + group + "** | | | |\n";
    }
    md += "| " + std::string(info.title) + " | " + info.unit;
    for (const char* protocol : kProtocols) {
      std::vector<std::optional<double>> values;
      for (const RunFigures& figures : runs.at(protocol).figures) {
        values.push_back(figures.values.at(info.id));
      }
      md += " | " + cell(spread_of(values));
    }
    md += " |\n";
  }
  md += "| Restarted follower brought up to date by | |";
  for (const char* protocol : kProtocols) {
    std::map<std::string, int> modes;
    for (const RunFigures& figures : runs.at(protocol).figures) {
      if (!figures.recovery_mode.empty()) {
        ++modes[figures.recovery_mode];
      }
    }
    std::string text;
    for (const auto& [mode, count] : modes) {
      text += (text.empty() ? "" : ", ") + mode + " ×" + std::to_string(count);
    }
    md += " " + (text.empty() ? std::string("n/a") : text) + " |";
  }
  md += "\n| Verdicts | |";
  for (const char* protocol : kProtocols) {
    std::map<std::string, int> verdicts;
    for (const RunFigures& figures : runs.at(protocol).figures) {
      ++verdicts[figures.verdict];
    }
    std::string text;
    for (const auto& [verdict, count] : verdicts) {
      text += (text.empty() ? "" : ", ") + verdict + " ×" + std::to_string(count);
    }
    md += " " + text + " |";
  }
  md += "\n";
  if (!read_modes.empty()) {
    md +=
        "\n## Stale reads by read mode\n\nThe same runs once per read mode (summaries in `read-modes/`). "
        "Raft's follower reads and ZooKeeper's local reads are stale by design; the others must stay "
        "linearizable.\n\n| protocol | read mode | stale reads | linearizable runs |\n|---|---|---|---|\n";
    for (const ReadModeRuns& mode : read_modes) {
      md += "| " + kProtocolTitles.at(mode.protocol) + " | " + mode.mode + " | " + cell(spread_of(mode.stale_reads)) +
            " | " + std::to_string(mode.linearizable) + " of " + std::to_string(mode.runs) + " |\n";
    }
  }
  md +=
      "\n## Reading the figures\n\n"
      "- Messages and bytes per write count all traffic between servers and clients over the run, "
      "heartbeats (Raft, every heartbeat interval) and pings (ZAB) included. By the protocols alone a ZAB "
      "write costs PROPOSAL, ACK and COMMIT per follower, 3(n−1), and a Raft write AppendEntries and its "
      "reply, 2(n−1), the commit index riding on later traffic.\n"
      "- Failover: Raft's followers notice a dead leader when their election timeout expires; ZAB's "
      "followers see its connections close (a crash) at once, or miss its pings for the sync limit (a pause "
      "or a partition). Raft's new leader serves once elected and its no-op commits; ZAB's goes through "
      "discovery and synchronization with a quorum first. The first committed write counts from the "
      "failure to the first write answered after a successor was elected.\n"
      "- Terms per leader: every Raft timeout starts a term (PreVote keeps a partitioned node from inflating "
      "it); a ZAB epoch advances only when a leader gathers a discovery quorum.\n"
      "- Recovery: Raft repairs a follower entry by entry from the leader (or with InstallSnapshot); ZAB sends "
      "one DIFF, TRUNC or SNAP decided from the follower's last zxid.\n";
  return md;
}

}  // namespace

Scenario scenario_for(const Scenario& scenario, const std::string& protocol, std::vector<std::string>* notes) {
  Scenario out = scenario;
  out.protocol = protocol;
  out.expect = Expectation{};
  const std::string prefix = protocol + ".";
  std::vector<std::string> bugs;
  for (const std::string& bug : scenario.bugs) {
    if (bug.rfind(prefix, 0) == 0) {
      bugs.push_back(bug);
    } else {
      notes->push_back("bug switch " + bug + " applies to " + scenario.protocol + " only");
    }
  }
  out.bugs = bugs;
  std::vector<Fault> faults;
  for (const Fault& fault : scenario.faults) {
    if (protocol != "raft" && std::holds_alternative<MembershipFault>(fault.action)) {
      notes->push_back("the membership change at " + format_figure(fault.at_ms) + " ms runs on Raft only");
      continue;
    }
    if (const auto* point = std::get_if<CrashPointFault>(&fault.action);
        point != nullptr && !point->after_event.empty() && point->after_event.rfind(prefix, 0) != 0) {
      notes->push_back("the crash point at " + format_figure(fault.at_ms) + " ms waits for " + point->after_event +
                       ": it runs on " + scenario.protocol + " only");
      continue;
    }
    faults.push_back(fault);
  }
  out.faults = faults;
  return out;
}

std::optional<CompareOutcome> run_compare(const Scenario& scenario, const CompareOptions& options, std::string* error) {
  namespace fs = std::filesystem;
  if (options.out_dir.empty() || options.seeds.empty()) {
    *error = "compare needs an output directory and at least one seed";
    return std::nullopt;
  }
  CompareOutcome outcome;
  std::vector<std::string> notes;
  std::map<std::string, Scenario> scenarios;
  for (const char* protocol : kProtocols) {
    std::vector<std::string> own;
    scenarios[protocol] = scenario_for(scenario, protocol, &own);
    if (protocol != scenario.protocol) {
      notes.insert(notes.end(), own.begin(), own.end());
    }
  }
  // Runs `s` with `seed`, writing its files into `dir` (none when empty).
  const auto run = [&](const Scenario& s, uint64_t seed, const std::string& dir) -> std::optional<RunReport> {
    RunOptions run_options;
    run_options.seed = seed;
    run_options.out_dir = dir;
    run_options.version = options.version;
    run_options.keep_history_text = false;
    RunResult result = run_scenario(s, run_options);
    ++outcome.runs;
    if (!result.report) {
      *error = result.error;
      return std::nullopt;
    }
    if (options.progress != nullptr) {
      *options.progress << "compare: " << s.protocol << " (read mode " << s.read_mode() << ") seed " << seed << ": "
                        << result.report->verdict << "\n";
    }
    return std::move(result.report);
  };

  std::map<std::string, ProtocolRuns> runs;
  for (const char* protocol : kProtocols) {
    ProtocolRuns& mine = runs[protocol];
    for (const uint64_t seed : options.seeds) {
      const std::string relative = std::string(protocol) + "/seed-" + std::to_string(seed);
      const std::string dir = (fs::path(options.out_dir) / relative).string();
      if (!run(scenarios[protocol], seed, dir)) {
        return std::nullopt;
      }
      std::optional<RunFigures> figures = figures_from_files(dir, error);
      if (!figures) {
        return std::nullopt;
      }
      mine.seeds.push_back(seed);
      mine.dirs.push_back(relative);
      mine.figures.push_back(std::move(*figures));
    }
  }

  std::vector<ReadModeRuns> read_modes;
  if (options.read_modes) {
    std::error_code fs_error;
    fs::create_directories(fs::path(options.out_dir) / "read-modes", fs_error);
    for (const char* protocol : kProtocols) {
      for (const std::string& mode : kReadModes.at(protocol)) {
        Scenario s = scenarios[protocol];
        (std::string(protocol) == "raft" ? s.raft.read_mode : s.zab.read_mode) = mode;
        if (mode == "lease") {
          s.raft.check_quorum = true;  // a lease rests on CheckQuorum
        }
        ReadModeRuns& mine = read_modes.emplace_back();
        mine.protocol = protocol;
        mine.mode = mode;
        for (const uint64_t seed : options.seeds) {
          const std::optional<RunReport> report = run(s, seed, "");
          if (!report) {
            return std::nullopt;
          }
          const std::string name = std::string(protocol) + "-" + mode + "-seed-" + std::to_string(seed) + ".json";
          if (!write_file(fs::path(options.out_dir) / "read-modes" / name, report->summary_json, error)) {
            return std::nullopt;
          }
          // Read back from the summary, as every other figure.
          const Json summary = Json::parse(report->summary_json);
          const Json& stale = summary["metrics"]["stale_reads"];
          mine.stale_reads.push_back(stale.is_number() ? std::optional<double>(stale.get<double>()) : std::nullopt);
          const Json& lin = summary["checks"]["linearizability"];
          mine.linearizable += lin.is_object() && lin.value("status", "") == "pass" ? 1 : 0;
          ++mine.runs;
        }
      }
    }
  }

  Json json;
  json["consim_version"] = options.version;
  json["scenario"] = scenario.name;
  json["file"] = scenario.file;
  json["service"] = scenario.service;
  json["nodes"] = scenario.nodes;
  json["seeds"] = options.seeds;
  json["notes"] = notes;
  Json figures = Json::array();
  for (const FigureInfo& info : figure_catalogue()) {
    figures.push_back(Json{{"id", info.id}, {"title", info.title}, {"unit", info.unit}, {"group", info.group}});
  }
  json["figures"] = figures;
  Json protocols = Json::object();
  for (const char* protocol : kProtocols) {
    const ProtocolRuns& mine = runs.at(protocol);
    Json entry;
    Json run_list = Json::array();
    std::map<std::string, std::vector<std::optional<double>>> by_figure;
    for (size_t i = 0; i < mine.figures.size(); ++i) {
      Json values = Json::object();
      for (const FigureInfo& info : figure_catalogue()) {
        const std::optional<double> value = mine.figures[i].values.at(info.id);
        values[info.id] = number_or_null(value);
        by_figure[info.id].push_back(value);
      }
      run_list.push_back(Json{{"seed", mine.seeds[i]},
                              {"dir", mine.dirs[i]},
                              {"verdict", mine.figures[i].verdict},
                              {"recovery_mode", mine.figures[i].recovery_mode},
                              {"figures", values}});
    }
    entry["runs"] = run_list;
    Json spreads = Json::object();
    for (const FigureInfo& info : figure_catalogue()) {
      spreads[info.id] = spread_json(spread_of(by_figure[info.id]));
    }
    entry["figures"] = spreads;
    protocols[protocol] = entry;
  }
  json["protocols"] = protocols;
  Json modes = Json::array();
  for (const ReadModeRuns& mode : read_modes) {
    modes.push_back(Json{{"protocol", mode.protocol},
                         {"read_mode", mode.mode},
                         {"stale_reads", spread_json(spread_of(mode.stale_reads))},
                         {"linearizable_runs", mode.linearizable},
                         {"runs", mode.runs}});
  }
  json["read_modes"] = modes;

  outcome.json = json.dump(2) + "\n";
  outcome.markdown = markdown(scenario, options, runs, read_modes, notes);
  if (!write_file(fs::path(options.out_dir) / "compare.json", outcome.json, error) ||
      !write_file(fs::path(options.out_dir) / "compare.md", outcome.markdown, error)) {
    return std::nullopt;
  }
  return outcome;
}

}  // namespace consim::harness
