#include "harness/shrink.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>
#include <variant>
#include <vector>

#include "harness/scenario_writer.h"

namespace consim::harness {

namespace {

std::string number(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

// Halves a magnitude towards zero, or nullopt when it is already small.
std::optional<double> halved(double value, double smallest) {
  if (std::fabs(value) <= smallest) {
    return std::nullopt;
  }
  const double half = std::trunc(value / 2);
  if (std::fabs(half) < smallest) {
    return value > 0 ? smallest : -smallest;
  }
  return half;
}

bool names_node_above(const Selector& selector, uint32_t nodes) {
  return selector.kind == Selector::Kind::kNode && selector.node > nodes;
}

// Whether a fault still makes sense with `nodes` servers.
bool fits(const Fault& fault, uint32_t nodes) {
  return std::visit(
      [nodes](const auto& action) {
        using T = std::decay_t<decltype(action)>;
        if constexpr (std::is_same_v<T, PartitionFault>) {
          if (action.shape != PartitionFault::Shape::kGroups) {
            return nodes >= 3;
          }
          for (const auto& group : action.groups) {
            for (const Selector& selector : group) {
              if (names_node_above(selector, nodes)) {
                return false;
              }
            }
          }
          return true;
        } else if constexpr (std::is_same_v<T, CutFault>) {
          return !names_node_above(action.from, nodes) && !names_node_above(action.to, nodes);
        } else if constexpr (std::is_same_v<T, HealFault>) {
          return true;
        } else if constexpr (std::is_same_v<T, NetworkFault>) {
          return !action.between.has_value() ||
                 (!names_node_above(action.between->first, nodes) && !names_node_above(action.between->second, nodes));
        } else {
          return !names_node_above(action.node, nodes);
        }
      },
      fault.action);
}

// Candidate versions of a fault with one value halved; empty when there is nothing to halve.
std::vector<FaultAction> smaller_values(const FaultAction& action) {
  std::vector<FaultAction> out;
  if (const auto* pause = std::get_if<PauseFault>(&action)) {
    if (const auto half = halved(pause->for_ms, 1)) {
      PauseFault smaller = *pause;
      smaller.for_ms = *half;
      out.emplace_back(smaller);
    }
  } else if (const auto* clock = std::get_if<ClockFault>(&action)) {
    if (clock->offset_ms.has_value()) {
      if (const auto half = halved(*clock->offset_ms, 1)) {
        ClockFault smaller = *clock;
        smaller.offset_ms = *half;
        out.emplace_back(smaller);
      }
    }
    if (clock->drift_ppm.has_value()) {
      if (const auto half = halved(*clock->drift_ppm, 1)) {
        ClockFault smaller = *clock;
        smaller.drift_ppm = *half;
        out.emplace_back(smaller);
      }
    }
  } else if (const auto* network = std::get_if<NetworkFault>(&action)) {
    for (std::optional<double> NetworkSpec::*field :
         {&NetworkSpec::latency_ms_min, &NetworkSpec::latency_ms_max, &NetworkSpec::latency_ms_mean}) {
      if ((network->link.*field).has_value()) {
        if (const auto half = halved(*(network->link.*field), 1)) {
          NetworkFault smaller = *network;
          smaller.link.*field = *half;
          out.emplace_back(smaller);
        }
      }
    }
  } else if (const auto* disk = std::get_if<DiskFault>(&action)) {
    if (disk->sync_ms.has_value()) {
      if (const auto half = halved(*disk->sync_ms, 1)) {
        DiskFault smaller = *disk;
        smaller.sync_ms = *half;
        out.emplace_back(smaller);
      }
    }
  }
  return out;
}

class Shrinker {
 public:
  Shrinker(const ShrinkOptions& options, FailureSignature target) : options_(options), target_(std::move(target)) {}

  // Whether `candidate` is a valid scenario that still fails the same way; if so it becomes the
  // best so far (normalized as the loader reads it back).
  bool try_candidate(const Scenario& candidate, const std::string& step) {
    if (runs_ >= options_.max_runs) {
      return false;
    }
    std::optional<Scenario> loaded = normalize(candidate);
    if (!loaded.has_value()) {
      return false;
    }
    ++runs_;
    const RunResult result = run_scenario(*loaded, options_.run);
    if (!result.report.has_value() || signature_of(*result.report) != target_) {
      return false;
    }
    best_ = std::move(*loaded);
    best_report_ = *result.report;
    if (options_.on_step) {
      options_.on_step(step);
    }
    return true;
  }

  // The scenario as its file would load: only those are tried, so the result replays exactly.
  static std::optional<Scenario> normalize(const Scenario& scenario) {
    const std::string text = scenario_to_json(scenario);
    ScenarioResult parsed = parse_scenario(text, scenario.file.empty() ? "shrink" : scenario.file);
    if (std::holds_alternative<ScenarioError>(parsed)) {
      return std::nullopt;
    }
    return std::get<Scenario>(std::move(parsed));
  }

  void set_best(Scenario scenario, RunReport report) {
    best_ = std::move(scenario);
    best_report_ = std::move(report);
  }
  const Scenario& best() const { return best_; }
  const RunReport& best_report() const { return best_report_; }
  uint32_t runs() const { return runs_; }
  bool budget_left() const { return runs_ < options_.max_runs; }

  // ddmin over the faults: remove chunks (complements of the others) while it still fails.
  bool shrink_faults() {
    bool changed = false;
    size_t granularity = 2;
    while (best_.faults.size() >= 2 && budget_left()) {
      const size_t size = best_.faults.size();
      const size_t chunk = (size + granularity - 1) / granularity;
      bool reduced = false;
      for (size_t start = 0; start < size && budget_left(); start += chunk) {
        Scenario candidate = best_;
        candidate.faults.erase(candidate.faults.begin() + static_cast<std::ptrdiff_t>(start),
                               candidate.faults.begin() + static_cast<std::ptrdiff_t>(std::min(size, start + chunk)));
        if (try_candidate(candidate,
                          "faults " + std::to_string(size) + " -> " + std::to_string(candidate.faults.size()))) {
          granularity = std::max<size_t>(granularity - 1, 2);
          reduced = true;
          changed = true;
          break;
        }
      }
      if (!reduced) {
        if (granularity >= size) {
          break;
        }
        granularity = std::min(size, granularity * 2);
      }
    }
    // Down to single faults: can the last one go too?
    for (size_t i = best_.faults.size(); i-- > 0 && budget_left();) {
      Scenario candidate = best_;
      candidate.faults.erase(candidate.faults.begin() + static_cast<std::ptrdiff_t>(i));
      if (try_candidate(candidate, "faults " + std::to_string(best_.faults.size()) + " -> " +
                                       std::to_string(candidate.faults.size()))) {
        changed = true;
      }
    }
    return changed;
  }

  bool shrink_workload() {
    bool changed = false;
    while (best_.workload.clients > 1 && budget_left()) {
      Scenario candidate = best_;
      candidate.workload.clients = best_.workload.clients > 2 ? best_.workload.clients / 2 : 1;
      if (!try_candidate(candidate, "clients " + std::to_string(best_.workload.clients) + " -> " +
                                        std::to_string(candidate.workload.clients))) {
        break;
      }
      changed = true;
    }
    if (best_.workload.keys > 1 && budget_left()) {
      Scenario candidate = best_;
      candidate.workload.keys = 1;
      changed |= try_candidate(candidate, "keys " + std::to_string(best_.workload.keys) + " -> 1");
    }
    return changed;
  }

  bool shrink_duration() {
    bool changed = false;
    while (budget_left()) {
      double latest = 0;
      for (const Fault& fault : best_.faults) {
        latest = std::max(latest, fault.at_ms);
      }
      const double target = std::max(std::floor(best_.duration_ms / 2), std::ceil(latest) + 1);
      if (target >= best_.duration_ms || target < 100) {
        break;
      }
      Scenario candidate = best_;
      candidate.duration_ms = target;
      if (!try_candidate(candidate, "duration " + number(best_.duration_ms) + " -> " + number(target) + " ms")) {
        break;
      }
      changed = true;
    }
    return changed;
  }

  bool shrink_nodes() {
    bool changed = false;
    for (const uint32_t nodes : {1u, 3u, 5u}) {
      if (nodes >= best_.nodes || !budget_left()) {
        continue;
      }
      Scenario candidate = best_;
      candidate.nodes = nodes;
      candidate.faults.erase(std::remove_if(candidate.faults.begin(), candidate.faults.end(),
                                            [nodes](const Fault& fault) { return !fits(fault, nodes); }),
                             candidate.faults.end());
      candidate.zab.observers = std::min(candidate.zab.observers, nodes - 1);
      candidate.raft.voters = std::min(candidate.raft.voters, nodes);  // 0 (every node) stays 0
      if (try_candidate(candidate, "nodes " + std::to_string(best_.nodes) + " -> " + std::to_string(nodes))) {
        changed = true;
        break;  // the smallest count that still fails, tried from the smallest up
      }
    }
    return changed;
  }

  bool shrink_values() {
    bool changed = false;
    for (size_t i = 0; i < best_.faults.size() && budget_left(); ++i) {
      bool progress = true;
      while (progress && budget_left()) {
        progress = false;
        for (FaultAction& smaller : smaller_values(best_.faults[i].action)) {
          Scenario candidate = best_;
          candidate.faults[i].action = std::move(smaller);
          if (try_candidate(candidate, "smaller " + std::string(fault_kind(candidate.faults[i].action)) +
                                           " values in fault " + std::to_string(i + 1))) {
            progress = true;
            changed = true;
            break;
          }
        }
      }
    }
    return changed;
  }

 private:
  const ShrinkOptions& options_;
  FailureSignature target_;
  Scenario best_;
  RunReport best_report_;
  uint32_t runs_ = 0;
};

ShrinkSize size_of(const Scenario& scenario, const RunReport& report) {
  return ShrinkSize{scenario.faults.size(), scenario.nodes, scenario.workload.clients, scenario.duration_ms,
                    report.metrics.invoked};
}

}  // namespace

std::string describe_shrink(const ShrinkResult& result) {
  std::string text = "faults " + std::to_string(result.before.faults) + " -> " + std::to_string(result.after.faults) +
                     ", nodes " + std::to_string(result.before.nodes) + " -> " + std::to_string(result.after.nodes) +
                     ", clients " + std::to_string(result.before.clients) + " -> " +
                     std::to_string(result.after.clients) + ", duration " + number(result.before.duration_ms) + " -> " +
                     number(result.after.duration_ms) + " ms, operations " + std::to_string(result.before.operations) +
                     " -> " + std::to_string(result.after.operations) + " (" + std::to_string(result.runs) + " runs)";
  return text;
}

std::optional<ShrinkResult> shrink_scenario(const Scenario& failing, const ShrinkOptions& options, std::string* error) {
  std::optional<Scenario> start = Shrinker::normalize(failing);
  if (!start.has_value()) {
    if (error != nullptr) {
      *error = "the scenario does not survive writing and loading back";
    }
    return std::nullopt;
  }
  const RunResult first = run_scenario(*start, options.run);
  if (!first.report.has_value()) {
    if (error != nullptr) {
      *error = first.error;
    }
    return std::nullopt;
  }
  const FailureSignature target = signature_of(*first.report);
  if (!target.failed()) {
    if (error != nullptr) {
      *error = "the scenario does not fail: nothing to shrink";
    }
    return std::nullopt;
  }
  Shrinker shrinker(options, target);
  shrinker.set_best(*start, *first.report);
  // Cheap and large reductions first; repeat while anything still gives.
  for (int pass = 0; pass < 4 && shrinker.budget_left(); ++pass) {
    bool changed = shrinker.shrink_faults();
    changed |= shrinker.shrink_nodes();
    changed |= shrinker.shrink_workload();
    changed |= shrinker.shrink_duration();
    changed |= shrinker.shrink_values();
    if (!changed) {
      break;
    }
  }
  ShrinkResult result;
  result.failure = target;
  result.before = size_of(*start, *first.report);
  result.minimal = shrinker.best();
  result.after = size_of(result.minimal, shrinker.best_report());
  result.runs = shrinker.runs();
  result.digest = shrinker.best_report().digest;
  result.minimal.expect.verdict = "fail";
  result.minimal.expect.check = target.check;
  result.minimal.expect.invariant = target.invariant;
  if (result.minimal.name.find("-shrunk") == std::string::npos) {
    result.minimal.name += "-shrunk";
  }
  result.minimal.description = (failing.description.empty() ? std::string() : failing.description + " ") +
                               "Shrunk, still failing " + target.kind() + ": " + describe_shrink(result) + ".";
  return result;
}

}  // namespace consim::harness
