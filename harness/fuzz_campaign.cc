#include "harness/fuzz_campaign.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace consim::harness {

std::string FailureSignature::kind() const {
  if (check.empty()) {
    return "";
  }
  std::string text = check;
  if (!invariant.empty()) {
    text += ":" + invariant;
  }
  if (status == "unknown") {
    text += "(unknown)";
  }
  return text;
}

namespace {

// The invariant id in a failing invariants check's detail:
// "seed=7 event=1234: prefix_consistency at record 17 (t=...): ...".
std::string invariant_of(const std::string& detail) {
  const size_t colon = detail.find(": ");
  const size_t at = detail.find(" at record ");
  if (colon == std::string::npos || at == std::string::npos || at <= colon + 2) {
    return "";
  }
  return detail.substr(colon + 2, at - colon - 2);
}

}  // namespace

FailureSignature signature_of(const RunReport& report) {
  for (const CheckOutcome& check : report.checks) {
    if (check.status == "fail" || check.status == "unknown") {
      FailureSignature signature;
      signature.check = check.name;
      signature.status = check.status;
      if (check.name == "invariants") {
        signature.invariant = invariant_of(check.detail);
      }
      return signature;
    }
  }
  return {};
}

std::vector<uint64_t> shard_seeds(uint64_t first, uint64_t last, uint32_t index, uint32_t count) {
  std::vector<uint64_t> seeds;
  if (count == 0 || index >= count || last < first) {
    return seeds;
  }
  for (uint64_t seed = first + index; seed <= last && seed >= first; seed += count) {
    seeds.push_back(seed);
    if (last - seed < count) {
      break;  // the next step would pass `last` (or wrap around)
    }
  }
  return seeds;
}

namespace {

SeedOutcome run_seed(const CampaignOptions& options, uint64_t seed) {
  Scenario scenario = generate_scenario(options.spec, seed);
  RunOptions run = options.run;
  run.seed.reset();  // the scenario carries its seed
  SeedOutcome outcome;
  outcome.seed = seed;
  const RunResult result = run_scenario(scenario, run);
  if (!result.report.has_value()) {
    // Nothing is written by a campaign run, so the runner has no file to fail on.
    outcome.failure = FailureSignature{"run", "", "fail"};
    outcome.detail = result.error;
    outcome.scenario = std::move(scenario);
    return outcome;
  }
  const RunReport& report = *result.report;
  outcome.failure = signature_of(report);
  outcome.digest = report.digest;
  outcome.simulated_s = report.metrics.simulated_s;
  if (outcome.failure.failed()) {
    for (const CheckOutcome& check : report.checks) {
      if (check.name == outcome.failure.check) {
        outcome.detail = check.detail;
      }
    }
    outcome.scenario = std::move(scenario);
  }
  return outcome;
}

}  // namespace

std::vector<SeedOutcome> run_campaign(const CampaignOptions& options) {
  const std::vector<uint64_t> seeds =
      shard_seeds(options.first_seed, options.last_seed, options.shard_index, options.shard_count);
  std::vector<std::optional<SeedOutcome>> outcomes(seeds.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> stopped{false};
  std::mutex report_mutex;
  const auto work = [&] {
    while (!stopped.load()) {
      const size_t slot = next.fetch_add(1);
      if (slot >= seeds.size()) {
        return;
      }
      if (options.keep_going) {
        std::lock_guard<std::mutex> lock(report_mutex);
        if (!options.keep_going()) {
          stopped.store(true);
          return;
        }
      }
      SeedOutcome outcome = run_seed(options, seeds[slot]);
      if (options.on_outcome) {
        std::lock_guard<std::mutex> lock(report_mutex);
        options.on_outcome(outcome);
      }
      outcomes[slot] = std::move(outcome);
    }
  };
  const uint32_t jobs = std::max<uint32_t>(1, std::min<uint32_t>(options.jobs, static_cast<uint32_t>(seeds.size())));
  if (jobs <= 1) {
    work();
  } else {
    std::vector<std::thread> threads;
    threads.reserve(jobs);
    for (uint32_t i = 0; i < jobs; ++i) {
      threads.emplace_back(work);
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
  }
  std::vector<SeedOutcome> done;
  for (std::optional<SeedOutcome>& outcome : outcomes) {
    if (outcome.has_value()) {
      done.push_back(std::move(*outcome));
    }
  }
  return done;
}

}  // namespace consim::harness
