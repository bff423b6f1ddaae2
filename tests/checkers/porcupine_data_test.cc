// Every public sample history (Porcupine's test data, shared/data/porcupine) gets the verdict
// Porcupine's own test suite asserts for it (EXPECTED.tsv).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/history_parse.h"

namespace consim::checkers::lin {
namespace {

const std::string kDataDir = CONSIM_SOURCE_DIR "/../shared/data/porcupine";

struct Expected {
  std::string path;
  std::string format;
  std::string model;
  bool linearizable = false;
  size_t ops = 0;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<Expected> read_expected() {
  std::vector<Expected> rows;
  std::istringstream in(read_file(kDataDir + "/EXPECTED.tsv"));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Expected row;
    std::string verdict;
    fields >> row.path >> row.format >> row.model >> verdict >> row.ops;
    row.linearizable = verdict == "true";
    rows.push_back(row);
  }
  return rows;
}

TEST(LinearizabilityPorcupineData, EverySampleHistoryGetsItsExpectedVerdict) {
  const std::vector<Expected> rows = read_expected();
  ASSERT_EQ(rows.size(), 56u) << "EXPECTED.tsv not found or changed under " << kDataDir;
  double total_ms = 0;
  for (const Expected& row : rows) {
    const ParsedHistory parsed = parse_history(read_file(kDataDir + "/" + row.path));
    ASSERT_FALSE(parsed.error) << row.path << ": " << parsed.error->describe();
    EXPECT_EQ(parsed.history.operations.size(), row.ops) << row.path;
    // Porcupine's kv histories read "" for an absent key; the etcd register starts as nil.
    const bool kv = row.model == "kv";
    const auto model = make_model(kv ? "kv" : "register", kv ? Value::of(std::string()) : Value::null_value());
    ASSERT_FALSE(validate_history(parsed.history, *model)) << row.path;
    const auto start = std::chrono::steady_clock::now();
    const CheckResult result = check(parsed.history, *model);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    total_ms += ms;
    EXPECT_EQ(result.verdict, row.linearizable ? Verdict::linearizable : Verdict::not_linearizable)
        << row.path << ": " << verdict_name(result.verdict) << " " << result.reason;
    std::printf("%-22s %-16s %8.3f ms %9llu steps\n", row.path.c_str(), verdict_name(result.verdict), ms,
                static_cast<unsigned long long>(result.steps));
  }
  std::printf("total check time %.3f ms\n", total_ms);
}

}  // namespace
}  // namespace consim::checkers::lin
