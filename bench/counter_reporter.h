// A console reporter that also remembers every counter of every run, keyed
// "BENCHMARK_NAME:COUNTER", so that a benchmark's main() can print ratios against a baseline
// measured in the same run after the usual table.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace consim::bench {

class CounterReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      for (const auto& [name, counter] : run.counters) {
        values_[run.benchmark_name() + ":" + name] = counter.value;
      }
    }
  }
  // Whether that benchmark ran (with --benchmark_filter, some do not) and reported the counter.
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  // The counter's value, or 0 when that benchmark or counter did not run.
  double get(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, double> values_;
};

}  // namespace consim::bench
