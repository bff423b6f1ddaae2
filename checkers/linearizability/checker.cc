#include "checkers/linearizability/checker.h"

#include <memory>
#include <unordered_map>

#include "base/assert.h"
#include "checkers/linearizability/search.h"

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
// so the check and its report are the same on every run.
std::vector<Partition> split(const History& history, const Model& model) {
  std::vector<Partition> partitions;
  std::unordered_map<std::string, size_t> by_key;
  for (size_t i = 0; i < history.operations.size(); ++i) {
    const Operation& op = history.operations[i];
    if (model.role(op) == Role::ignored) {
      continue;
    }
    const std::string key = model.partition_by_key() ? op.key : std::string();
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
    result.counterexample =
        Counterexample{partition.key, outcome->blocking_operation, outcome->longest_prefix, outcome->state};
    return true;
  }
  if (outcome->verdict == Verdict::unknown) {
    record_unknown(result, budget.exhausted + " in partition \"" + partition.key + "\"");
    return true;
  }
  return false;
}

}  // namespace

// Partitions are searched in rounds, a slice of steps each, doubling every round: one hard
// partition cannot hide an easy violation elsewhere (Porcupine races goroutines for the same
// effect), and the order depends on step counts only, so the verdict and report are the same
// on every run.
CheckResult check(const History& history, const Model& model, const CheckOptions& options) {
  CONSIM_ASSERT_MSG(!validate_history(history, model), "check() needs a history that passed validate_history()");
  CheckResult result;
  result.verdict = Verdict::linearizable;
  Budget budget(options);
  const std::vector<Partition> partitions = split(history, model);
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
        return result;
      }
    }
    std::erase_if(active, [](const Active& a) { return a.search == nullptr; });
  }
  result.steps = budget.steps;
  return result;
}

}  // namespace consim::checkers::lin
