#include "cli/fuzz_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <variant>

#include "cli/app.h"
#include "cli/seed_range.h"
#include "cli/version.h"
#include "harness/fuzz_campaign.h"
#include "harness/scenario_writer.h"
#include "harness/shrink.h"
#include "protocols/raft/config.h"
#include "protocols/zab/config.h"

namespace consim::cli {
namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// "I/N" with I < N.
std::optional<std::pair<uint32_t, uint32_t>> parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) {
    return std::nullopt;
  }
  const std::optional<uint64_t> index = parse_u64(text.substr(0, slash));
  const std::optional<uint64_t> count = parse_u64(text.substr(slash + 1));
  if (!index || !count || *count == 0 || *count > 1'000'000 || *index >= *count) {
    return std::nullopt;
  }
  return std::pair<uint32_t, uint32_t>{static_cast<uint32_t>(*index), static_cast<uint32_t>(*count)};
}

bool known_bug(const std::string& protocol, const std::string& name) {
  if (protocol == "raft") {
    protocols::raft::BugSwitches bugs;
    return protocols::raft::enable_bug(bugs, name);
  }
  protocols::zab::BugSwitches bugs;
  return protocols::zab::enable_bug(bugs, name);
}

// Writes `text` to `path` through a temporary file renamed into place.
bool write_file(const std::filesystem::path& path, const std::string& text, std::string* error) {
  const std::filesystem::path temp = path.string() + ".partial";
  {
    std::ofstream file(temp, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) {
      *error = "cannot write " + temp.string() + ": " + std::strerror(errno);
      return false;
    }
  }
  std::error_code code;
  std::filesystem::rename(temp, path, code);
  if (code) {
    *error = "cannot rename " + temp.string() + ": " + code.message();
    return false;
  }
  return true;
}

// An order-independent fold of (seed, trace digest) over the seeds run: equal for the same seeds
// whatever the jobs, and the sum of the shards' values for a merged campaign.
uint64_t seed_hash(uint64_t seed, const std::string& digest) {
  uint64_t value = std::strtoull(digest.c_str(), nullptr, 16) ^ (seed * 0x9e3779b97f4a7c15ULL);
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

std::string hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, value);
  return text;
}

// The progress line: a bar on a terminal, a plain line every few seconds otherwise.
class Progress {
 public:
  Progress(std::ostream& err, size_t total, bool quiet)
      : err_(err), total_(total), quiet_(quiet), tty_(isatty(STDERR_FILENO) == 1), start_(Clock::now()) {}

  void seed_done(bool failed) {
    ++done_;
    failures_ += failed ? 1 : 0;
    if (quiet_) {
      return;
    }
    const auto now = Clock::now();
    const double since_shown = std::chrono::duration<double>(now - shown_).count();
    if (done_ != total_ && since_shown < (tty_ ? 0.2 : 5.0)) {
      return;
    }
    shown_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0;
    char line[200];
    if (tty_) {
      const size_t width = 30;
      const size_t filled = total_ == 0 ? width : done_ * width / total_;
      std::snprintf(line, sizeof line, "\r[%s%s] %zu/%zu seeds, %.1f seeds/s, %zu failures, ETA %.0fs ",
                    std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), done_, total_, rate,
                    failures_, eta);
      err_ << line << (done_ == total_ ? "\n" : "") << std::flush;
    } else {
      std::snprintf(line, sizeof line, "fuzz: %zu/%zu seeds, %.1f seeds/s, %zu failures, ETA %.0fs\n", done_, total_,
                    rate, failures_, eta);
      err_ << line << std::flush;
    }
  }
  void stopped_early() {
    if (!quiet_ && tty_ && done_ != total_) {
      err_ << "\n";
    }
  }

 private:
  std::ostream& err_;
  size_t total_;
  bool quiet_;
  bool tty_;
  Clock::time_point start_;
  Clock::time_point shown_{};
  size_t done_ = 0;
  size_t failures_ = 0;
};

Json shrink_json(const harness::ShrinkResult& result) {
  const auto pair = [](auto before, auto after) { return Json::array({before, after}); };
  Json json;
  json["faults"] = pair(result.before.faults, result.after.faults);
  json["nodes"] = pair(result.before.nodes, result.after.nodes);
  json["clients"] = pair(result.before.clients, result.after.clients);
  json["duration_ms"] = pair(result.before.duration_ms, result.after.duration_ms);
  json["operations"] = pair(result.before.operations, result.after.operations);
  json["runs"] = result.runs;
  json["digest"] = result.digest;
  return json;
}

}  // namespace

int run_fuzz(const FuzzCommandOptions& options, std::ostream& out, std::ostream& err) {
  const std::optional<SeedRange> range = parse_seeds(options.seeds);
  if (!range) {
    err << "consim fuzz: --seeds: expected A..B with A <= B (or one seed), got \"" << options.seeds << "\"\n";
    return kExitUsage;
  }
  const auto shard = parse_shard(options.shard);
  if (!shard) {
    err << "consim fuzz: --shard: expected I/N with 0 <= I < N, got \"" << options.shard << "\"\n";
    return kExitUsage;
  }
  for (const std::string& bug : options.bugs) {
    if (!known_bug(options.protocol, bug)) {
      err << "consim fuzz: --bug: \"" << bug << "\" is not a " << options.protocol
          << " bug switch (consim list bugs)\n";
      return kExitUsage;
    }
  }
  std::error_code code;
  std::filesystem::create_directories(options.out_dir, code);
  if (code) {
    err << "consim fuzz: --out: cannot create " << options.out_dir << ": " << code.message() << "\n";
    return kExitUsage;
  }

  harness::CampaignOptions campaign;
  campaign.spec.protocol = options.protocol;
  campaign.spec.service = options.service;
  campaign.spec.bugs = options.bugs;
  campaign.first_seed = range->first;
  campaign.last_seed = range->last;
  campaign.jobs = std::max<uint32_t>(options.jobs, 1);
  campaign.shard_index = shard->first;
  campaign.shard_count = shard->second;
  const size_t total = harness::shard_seeds(range->first, range->last, shard->first, shard->second).size();
  Progress progress(err, total, options.quiet);
  const auto start = Clock::now();
  if (options.time_budget_s > 0) {
    campaign.keep_going = [start, budget = options.time_budget_s] {
      return std::chrono::duration<double>(Clock::now() - start).count() < budget;
    };
  }
  campaign.on_outcome = [&progress](const harness::SeedOutcome& outcome) {
    progress.seed_done(outcome.failure.failed());
  };
  const std::vector<harness::SeedOutcome> outcomes = harness::run_campaign(campaign);
  progress.stopped_early();
  const double wall_s = std::chrono::duration<double>(Clock::now() - start).count();

  // Reproducers for every failing seed; the first failure of each kind is shrunk.
  Json failing = Json::array();
  std::map<std::string, uint64_t> by_kind;
  std::set<std::string> shrunk_kinds;
  uint64_t campaign_hash = 0;
  std::string error;
  for (const harness::SeedOutcome& outcome : outcomes) {
    campaign_hash += seed_hash(outcome.seed, outcome.digest);
    if (!outcome.failure.failed()) {
      continue;
    }
    const std::string kind = outcome.failure.kind();
    ++by_kind[kind];
    harness::Scenario repro = *outcome.scenario;
    repro.expect.verdict = "fail";
    repro.expect.check = outcome.failure.check == "run" ? "" : outcome.failure.check;
    repro.expect.invariant = outcome.failure.invariant;
    const std::string repro_name = "seed-" + std::to_string(outcome.seed) + ".json";
    if (!write_file(std::filesystem::path(options.out_dir) / repro_name, harness::scenario_to_json(repro), &error)) {
      err << "consim fuzz: " << error << "\n";
      return kExitUsage;
    }
    Json entry;
    entry["seed"] = outcome.seed;
    entry["kind"] = kind;
    entry["check"] = outcome.failure.check;
    entry["invariant"] = outcome.failure.invariant;
    entry["digest"] = outcome.digest;
    entry["reproducer"] = repro_name;
    entry["detail"] = outcome.detail;
    if (!options.no_shrink && shrunk_kinds.insert(kind).second) {
      if (!options.quiet) {
        err << "fuzz: shrinking seed " << outcome.seed << " (" << kind << ")\n";
      }
      harness::ShrinkOptions shrink;
      shrink.max_runs = options.shrink_runs;
      std::string why;
      const std::optional<harness::ShrinkResult> result = harness::shrink_scenario(repro, shrink, &why);
      if (result.has_value()) {
        const std::string shrunk_name = "seed-" + std::to_string(outcome.seed) + "-shrunk.json";
        if (!write_file(std::filesystem::path(options.out_dir) / shrunk_name,
                        harness::scenario_to_json(result->minimal), &error)) {
          err << "consim fuzz: " << error << "\n";
          return kExitUsage;
        }
        entry["shrunk"] = shrunk_name;
        entry["shrink"] = shrink_json(*result);
      } else {
        entry["shrink_error"] = why;
      }
    }
    failing.push_back(entry);
  }

  Json summary;
  summary["consim_version"] = CONSIM_VERSION;
  summary["protocol"] = options.protocol;
  summary["service"] = options.service;
  summary["bugs"] = options.bugs;
  summary["seeds"] = Json{{"first", range->first}, {"last", range->last}};
  summary["shards"] = Json::array({std::to_string(shard->first) + "/" + std::to_string(shard->second)});
  summary["seeds_run"] = outcomes.size();
  summary["complete"] = outcomes.size() == total;
  summary["failures"] = failing.size();
  Json kinds = Json::object();
  for (const auto& [kind, count] : by_kind) {
    kinds[kind] = count;
  }
  summary["failures_by_kind"] = kinds;
  summary["campaign_digest"] = hex(campaign_hash);
  summary["failing"] = failing;
  summary["timing"] = Json{{"wall_s", wall_s},
                           {"seeds_per_s", wall_s > 0 ? static_cast<double>(outcomes.size()) / wall_s : 0.0},
                           {"jobs", campaign.jobs}};
  if (!write_file(std::filesystem::path(options.out_dir) / "campaign.json", summary.dump(2) + "\n", &error)) {
    err << "consim fuzz: " << error << "\n";
    return kExitUsage;
  }
  out << "fuzz " << options.protocol << "/" << options.service << " seeds " << range->first << ".." << range->last;
  if (shard->second > 1) {
    out << " (shard " << options.shard << ")";
  }
  out << ": " << outcomes.size() << " run, " << failing.size() << " failed";
  if (!by_kind.empty()) {
    out << " (";
    bool first = true;
    for (const auto& [kind, count] : by_kind) {
      out << (first ? "" : ", ") << kind << " " << count;
      first = false;
    }
    out << ")";
  }
  out << "; campaign digest " << hex(campaign_hash) << "\n";
  for (const Json& entry : failing) {
    out << "  seed " << entry["seed"].get<uint64_t>() << ": " << entry["kind"].get<std::string>() << " -> "
        << (std::filesystem::path(options.out_dir) / entry["reproducer"].get<std::string>()).string();
    if (entry.contains("shrunk")) {
      const Json& s = entry["shrink"];
      out << ", shrunk to " << (std::filesystem::path(options.out_dir) / entry["shrunk"].get<std::string>()).string()
          << " (faults " << s["faults"][0] << " -> " << s["faults"][1] << ", nodes " << s["nodes"][0] << " -> "
          << s["nodes"][1] << ", operations " << s["operations"][0] << " -> " << s["operations"][1] << ")";
    }
    out << "\n";
  }
  out << "wrote " << (std::filesystem::path(options.out_dir) / "campaign.json").string() << "\n";
  return failing.empty() ? kExitOk : kExitCheckFailed;
}

int run_fuzz_merge(const FuzzMergeOptions& options, std::ostream& out, std::ostream& err) {
  if (options.dirs.empty()) {
    err << "consim fuzz merge: name at least one campaign directory\n";
    return kExitUsage;
  }
  Json merged;
  std::map<uint64_t, Json> failing;
  std::map<std::string, uint64_t> by_kind;
  std::set<std::string> shards;
  uint32_t shard_count = 0;
  uint64_t seeds_run = 0;
  uint64_t campaign_hash = 0;
  bool complete = true;
  double wall_s = 0;
  for (const std::string& dir : options.dirs) {
    const std::filesystem::path file = std::filesystem::path(dir) / "campaign.json";
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      err << "consim fuzz merge: cannot read " << file.string() << "\n";
      return kExitUsage;
    }
    Json campaign;
    try {
      campaign = Json::parse(in);
      for (const char* key : {"protocol", "service", "bugs", "seeds"}) {
        if (merged.contains(key) && merged[key] != campaign.at(key)) {
          err << "consim fuzz merge: " << file.string() << ": " << key
              << " differs from the other campaigns: they are not shards of one campaign\n";
          return kExitUsage;
        }
        merged[key] = campaign.at(key);
      }
      for (const Json& shard : campaign.at("shards")) {
        const std::string text = shard.get<std::string>();
        const auto parsed = parse_shard(text);
        if (!parsed) {
          err << "consim fuzz merge: " << file.string() << ": bad shard \"" << text << "\"\n";
          return kExitUsage;
        }
        if (shard_count != 0 && parsed->second != shard_count) {
          err << "consim fuzz merge: " << file.string() << ": shard " << text << " splits the range in "
              << parsed->second << ", the others in " << shard_count << "\n";
          return kExitUsage;
        }
        shard_count = parsed->second;
        if (!shards.insert(text).second) {
          err << "consim fuzz merge: " << file.string() << ": shard " << text << " appears twice\n";
          return kExitUsage;
        }
      }
      seeds_run += campaign.at("seeds_run").get<uint64_t>();
      complete = complete && campaign.at("complete").get<bool>();
      campaign_hash += std::strtoull(campaign.at("campaign_digest").get<std::string>().c_str(), nullptr, 16);
      for (const auto& [kind, count] : campaign.at("failures_by_kind").items()) {
        by_kind[kind] += count.get<uint64_t>();
      }
      for (Json entry : campaign.at("failing")) {
        for (const char* key : {"reproducer", "shrunk"}) {
          if (entry.contains(key)) {
            entry[key] = (std::filesystem::path(dir) / entry[key].get<std::string>()).string();
          }
        }
        failing[entry.at("seed").get<uint64_t>()] = entry;
      }
      wall_s = std::max(wall_s, campaign.at("timing").at("wall_s").get<double>());
    } catch (const Json::exception& error) {
      err << "consim fuzz merge: " << file.string() << ": not a campaign.json (" << error.what() << ")\n";
      return kExitUsage;
    }
  }
  Json result;
  result["consim_version"] = CONSIM_VERSION;
  for (const char* key : {"protocol", "service", "bugs", "seeds"}) {
    result[key] = merged[key];
  }
  result["shards"] = Json(std::vector<std::string>(shards.begin(), shards.end()));
  result["seeds_run"] = seeds_run;
  result["complete"] = complete && shards.size() == shard_count;  // every shard of the split is here
  result["failures"] = failing.size();
  Json kinds = Json::object();
  for (const auto& [kind, count] : by_kind) {
    kinds[kind] = count;
  }
  result["failures_by_kind"] = kinds;
  result["campaign_digest"] = hex(campaign_hash);
  Json list = Json::array();
  for (auto& [seed, entry] : failing) {
    list.push_back(entry);
  }
  result["failing"] = list;
  result["timing"] = Json{{"wall_s", wall_s}};
  const std::string text = result.dump(2) + "\n";
  if (options.out_dir.empty()) {
    out << text;
  } else {
    std::error_code code;
    std::filesystem::create_directories(options.out_dir, code);
    std::string error;
    if (code || !write_file(std::filesystem::path(options.out_dir) / "campaign.json", text, &error)) {
      err << "consim fuzz merge: cannot write to " << options.out_dir << (error.empty() ? "" : ": " + error) << "\n";
      return kExitUsage;
    }
    out << "merged " << options.dirs.size() << " campaigns: " << seeds_run << " seeds, " << failing.size()
        << " failed; wrote " << (std::filesystem::path(options.out_dir) / "campaign.json").string() << "\n";
  }
  return failing.empty() ? kExitOk : kExitCheckFailed;
}

int run_shrink(const ShrinkCommandOptions& options, std::ostream& out, std::ostream& err) {
  harness::ScenarioResult loaded = harness::load_scenario(options.scenario_path);
  if (const auto* error = std::get_if<harness::ScenarioError>(&loaded)) {
    err << error->message << "\n";
    return kExitUsage;
  }
  const harness::Scenario& scenario = std::get<harness::Scenario>(loaded);
  harness::ShrinkOptions shrink;
  shrink.max_runs = options.max_runs;
  shrink.on_step = [&err](const std::string& step) { err << "shrink: " << step << "\n"; };
  std::string why;
  const std::optional<harness::ShrinkResult> result = harness::shrink_scenario(scenario, shrink, &why);
  if (!result.has_value()) {
    err << "consim shrink: " << options.scenario_path << ": " << why << "\n";
    return kExitCheckFailed;
  }
  std::string path = options.out_path;
  if (path.empty()) {
    path = options.scenario_path;
    const std::string suffix = ".json";
    if (path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
      path.resize(path.size() - suffix.size());
    }
    path += "-shrunk.json";
  }
  std::string error;
  if (!write_file(path, harness::scenario_to_json(result->minimal), &error)) {
    err << "consim shrink: " << error << "\n";
    return kExitUsage;
  }
  out << "still failing " << result->failure.kind() << ": " << harness::describe_shrink(*result) << "\n";
  out << "wrote " << path << " (trace digest " << result->digest << ")\n";
  return kExitOk;
}

FuzzCommands add_fuzz_commands(CLI::App& app, FuzzCommandOptions& fuzz, FuzzMergeOptions& merge,
                               ShrinkCommandOptions& shrink) {
  FuzzCommands commands;
  commands.fuzz = app.add_subcommand(
      "fuzz",
      "Run a fuzzing campaign: every seed derives a whole run (cluster, configuration, workload, swarm fault "
      "schedule); failing seeds get a reproducer and a shrunk one. Exit 1 if any seed failed");
  commands.fuzz->add_option("--protocol", fuzz.protocol, "Protocol")
      ->check(CLI::IsMember({"raft", "zab"}))
      ->capture_default_str();
  commands.fuzz->add_option("--service", fuzz.service, "Replicated service")
      ->check(CLI::IsMember({"kv", "znode"}))
      ->capture_default_str();
  commands.fuzz->add_option("--seeds", fuzz.seeds, "Seed range A..B (inclusive)")->capture_default_str();
  commands.fuzz->add_option("--jobs", fuzz.jobs, "Seeds run in parallel (results do not depend on it)")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  commands.fuzz->add_option("--time-budget", fuzz.time_budget_s, "Stop starting seeds after this many seconds")
      ->check(CLI::NonNegativeNumber);
  commands.fuzz->add_option("--bug", fuzz.bugs, "Turn a bug switch on (repeatable; consim list bugs)");
  commands.fuzz->add_option("--out", fuzz.out_dir, "Directory for campaign.json and reproducers")
      ->capture_default_str();
  commands.fuzz->add_option("--shard", fuzz.shard, "Run shard I of N of the seed range (I/N)")->capture_default_str();
  commands.fuzz->add_flag("--no-shrink", fuzz.no_shrink, "Do not shrink failing seeds");
  commands.fuzz->add_option("--shrink-runs", fuzz.shrink_runs, "Candidate runs per shrink at most")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  commands.fuzz->add_flag("--quiet", fuzz.quiet, "No progress output");
  commands.merge = commands.fuzz->add_subcommand("merge", "Combine the campaign.json of shards into one");
  commands.merge->add_option("dirs", merge.dirs, "Campaign directories")->required();
  commands.merge->add_option("--out", merge.out_dir, "Write the merged campaign.json here (default: print it)");

  commands.shrink = app.add_subcommand(
      "shrink", "Shrink a failing scenario to a smaller one that still fails the same check the same way");
  commands.shrink->add_option("scenario", shrink.scenario_path, "Failing scenario file (JSON)")->required();
  commands.shrink->add_option("--out", shrink.out_path, "Where to write the result (default: NAME-shrunk.json)");
  commands.shrink->add_option("--max-runs", shrink.max_runs, "Candidate runs at most")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  return commands;
}

}  // namespace consim::cli
