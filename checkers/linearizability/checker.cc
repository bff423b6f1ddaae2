#include "checkers/linearizability/checker.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <unordered_map>

#include "base/assert.h"
#include "checkers/linearizability/search.h"
#include "checkers/linearizability/sequential_search.h"

namespace consim::checkers::lin {

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::linearizable:
      return "linearizable";
    case Verdict::not_linearizable:
      return "not linearizable";
    case Verdict::unknown:
      return "unknown";
  }
  return "?";
}

const char* consistency_name(Consistency consistency) {
  switch (consistency) {
    case Consistency::linearizable:
      return "linearizable";
    case Consistency::sequential:
      return "sequential";
    case Consistency::zookeeper:
      return "zookeeper";
  }
  return "?";
}

std::optional<Consistency> consistency_from_name(std::string_view name) {
  for (const Consistency consistency : {Consistency::linearizable, Consistency::sequential, Consistency::zookeeper}) {
    if (name == consistency_name(consistency)) {
      return consistency;
    }
  }
  return std::nullopt;
}

std::optional<std::string> validate_history(const History& history, const Model& model) {
  for (const Operation& op : history.operations) {
    if (std::optional<std::string> problem = model.validate(op)) {
      return "line " + std::to_string(op.invoke_line) + ": " + *problem;
    }
  }
  return std::nullopt;
}

namespace {

struct Partition {
  std::string key;
  std::vector<size_t> ops;  // indices into History::operations, none ignored
};

// P-compositionality: a history of independent objects is linearizable iff each object's
// sub-history is (Herlihy & Wing's locality). Partitions keep the order of their first operation,
// so the check and its report are the same on every run. Sequential consistency has no such
// locality, so the other levels search the whole history at once.
std::vector<Partition> split(const History& history, const Model& model, Consistency consistency) {
  std::vector<Partition> partitions;
  std::unordered_map<std::string, size_t> by_key;
  const bool by_key_allowed = consistency == Consistency::linearizable && model.partition_by_key(history);
  for (size_t i = 0; i < history.operations.size(); ++i) {
    const Operation& op = history.operations[i];
    if (model.role(op) == Role::ignored) {
      continue;
    }
    const std::string key = by_key_allowed ? op.key.str() : std::string();
    const auto found = by_key.find(key);
    size_t index = 0;
    if (found == by_key.end()) {
      index = partitions.size();
      by_key.emplace(key, index);
      partitions.push_back({key, {}});
    } else {
      index = found->second;
    }
    partitions[index].ops.push_back(i);
  }
  return partitions;
}

}  // namespace

namespace {

// The first slice of steps each partition gets; every round doubles it.
constexpr uint64_t kFirstSliceSteps = 4096;

struct Active {
  size_t partition;
  std::unique_ptr<Search> search;
};

void record_unknown(CheckResult& result, const std::string& reason) {
  result.verdict = Verdict::unknown;
  if (result.reason.empty()) {
    result.reason = reason;
  }
}

// Runs one slice of `active`'s search; true when the check is over (a violation, or no budget).
bool run_slice(const std::vector<Partition>& partitions, Active& active, uint64_t slice, Budget& budget,
               CheckResult& result) {
  const std::optional<SearchOutcome> outcome = active.search->run(slice);
  if (!outcome) {
    return false;
  }
  const Partition& partition = partitions[active.partition];
  PartitionReport& report = result.partitions[active.partition];
  report.verdict = outcome->verdict;
  report.steps = outcome->steps;
  report.memo_entries = outcome->memo_entries;
  active.search.reset();
  if (outcome->verdict == Verdict::not_linearizable) {
    result.verdict = Verdict::not_linearizable;
    result.reason.clear();
    result.counterexample = Counterexample{partition.key, outcome->blocking_operation, outcome->longest_prefix,
                                           outcome->state, std::nullopt};
    return true;
  }
  if (outcome->verdict == Verdict::unknown) {
    record_unknown(result, budget.exhausted + " in partition \"" + partition.key + "\"");
    return true;
  }
  return false;
}

// True when real time orders each process's operations (each is invoked after its process's
// earlier required operations completed), so that every linearization keeps program order.
bool real_time_orders_processes(const History& history, const Model& model) {
  std::unordered_map<int64_t, int64_t> last_complete_ns;  // per process, over its required operations
  for (const Operation& op : history.operations) {
    const Role role = model.role(op);
    if (role == Role::ignored) {
      continue;
    }
    const auto [it, first] = last_complete_ns.emplace(op.process, std::numeric_limits<int64_t>::min());
    if (!first && it->second >= op.invoke_ns) {
      return false;
    }
    if (role == Role::required) {
      it->second = std::max(it->second, op.complete_ns);
    }
  }
  return true;
}

// The least number of steps the linearizable shortcut gets when the check has no step limit.
constexpr uint64_t kShortcutStepsMin = uint64_t{1} << 22;

// A linearizable history is consistent at the weaker levels too: a linearization keeps real
// time, so it keeps program order wherever real time implies it. And the linearizable search
// is compositional and far faster on consistent histories, so it goes first, on a quarter of
// the budget; only when it cannot show linearizability does the level's own search run.
bool linearizable_shortcut(const History& history, const Model& model, const CheckOptions& options, size_t operations,
                           Budget& budget, CheckResult& result) {
  if (!options.linearizable_shortcut || !real_time_orders_processes(history, model)) {
    return false;
  }
  CheckOptions quick = options;
  quick.consistency = Consistency::linearizable;
  quick.explain_step_limit = 0;
  quick.time_limit_s = options.time_limit_s / 4;
  quick.step_limit = options.step_limit != 0 ? std::max<uint64_t>(1, options.step_limit / 4)
                                             : std::max<uint64_t>(kShortcutStepsMin, 64 * operations);
  const CheckResult linearizable = check(history, model, quick);
  budget.steps += linearizable.steps;
  if (linearizable.verdict != Verdict::linearizable) {
    return false;
  }
  size_t memo_entries = 0;
  for (const PartitionReport& partition : linearizable.partitions) {
    memo_entries += partition.memo_entries;
  }
  result.partitions.push_back({"", operations, Verdict::linearizable, linearizable.steps, memo_entries});
  result.steps = budget.steps;
  return true;
}

// One search over the whole history (a single partition) for the sequential levels.
CheckResult check_sequential(const History& history, const Model& model, const CheckOptions& options,
                             const std::vector<Partition>& partitions) {
  CheckResult result;
  result.verdict = Verdict::linearizable;
  Budget budget(options);
  const size_t operations = partitions.empty() ? 0 : partitions.front().ops.size();
  if (linearizable_shortcut(history, model, options, operations, budget, result)) {
    return result;
  }
  for (const Partition& partition : partitions) {
    result.partitions.push_back({partition.key, partition.ops.size(), Verdict::unknown, 0, 0});
    SequentialSearch search(history, partition.ops, model, options.consistency, budget);
    std::optional<SearchOutcome> outcome;
    while (!outcome) {
      outcome = search.run(std::numeric_limits<uint64_t>::max());
    }
    PartitionReport& report = result.partitions.back();
    report.verdict = outcome->verdict;
    report.steps = outcome->steps;
    report.memo_entries = outcome->memo_entries;
    if (outcome->verdict == Verdict::not_linearizable) {
      result.verdict = Verdict::not_linearizable;
      result.counterexample = Counterexample{partition.key, outcome->blocking_operation, outcome->longest_prefix,
                                             outcome->state, std::nullopt};
      break;
    }
    if (outcome->verdict == Verdict::unknown) {
      record_unknown(result, budget.exhausted);
      break;
    }
  }
  result.steps = budget.steps;
  return result;
}

}  // namespace

namespace {

// Lists the states reachable just before the blocking operation (explain.h), on its own step
// budget: the verdict is already decided, so the explanation can only add detail to it.
void explain_violation(const History& history, const Model& model, const CheckOptions& options,
                       const std::vector<size_t>& ops, CheckResult& result) {
  if (!result.counterexample || options.explain_step_limit == 0) {
    return;
  }
  ExplainLimits limits;
  limits.max_steps = options.explain_step_limit;
  result.counterexample->reachable = reachable_before(history, ops, model, result.counterexample->operation, limits);
}

}  // namespace

// Partitions are searched in rounds, a slice of steps each, doubling every round: one hard
// partition cannot hide an easy violation elsewhere (Porcupine races goroutines for the same
// effect), and the order depends on step counts only, so the verdict and report are the same
// on every run.
CheckResult check(const History& history, const Model& model, const CheckOptions& options) {
  CONSIM_ASSERT_MSG(!validate_history(history, model), "check() needs a history that passed validate_history()");
  const std::vector<Partition> partitions = split(history, model, options.consistency);
  if (options.consistency != Consistency::linearizable) {
    return check_sequential(history, model, options, partitions);
  }
  CheckResult result;
  result.verdict = Verdict::linearizable;
  Budget budget(options);
  std::vector<Active> active;
  for (size_t i = 0; i < partitions.size(); ++i) {
    result.partitions.push_back({partitions[i].key, partitions[i].ops.size(), Verdict::unknown, 0, 0});
    active.push_back({i, std::make_unique<Search>(history, partitions[i].ops, model, budget)});
  }
  for (uint64_t slice = kFirstSliceSteps; !active.empty(); slice *= 2) {
    for (Active& current : active) {
      budget.memory_bytes_elsewhere = 0;
      for (const Active& other : active) {
        budget.memory_bytes_elsewhere += other.search && &other != &current ? other.search->memory_bytes() : 0;
      }
      if (run_slice(partitions, current, slice, budget, result)) {
        result.steps = budget.steps;
        explain_violation(history, model, options, partitions[current.partition].ops, result);
        return result;
      }
    }
    std::erase_if(active, [](const Active& a) { return a.search == nullptr; });
  }
  result.steps = budget.steps;
  return result;
}

}  // namespace consim::checkers::lin
