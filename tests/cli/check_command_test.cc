// `consim check`: verdicts as exit codes (0, 1, 3), bad input as 2 with the line named.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"

namespace consim::cli {
namespace {

const std::string kData = CONSIM_SOURCE_DIR "/../shared/data/porcupine/";

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome run_cli(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = run(args, out, err);
  return {code, out.str(), err.str()};
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(CliCheck, LinearizableHistoryExitsZero) {
  const Outcome outcome = run_cli({"check", kData + "jepsen/etcd_002.log"});
  EXPECT_EQ(outcome.code, kExitOk) << outcome.err;
  EXPECT_NE(outcome.out.find("verdict: linearizable"), std::string::npos) << outcome.out;
}

TEST(CliCheck, ViolationExitsOneAndExplainsItself) {
  const Outcome outcome = run_cli({"check", kData + "jepsen/etcd_000.log", "--model", "register"});
  EXPECT_EQ(outcome.code, kExitCheckFailed) << outcome.err;
  for (const char* part : {"verdict: not linearizable", "cannot linearize: process", "longest linearizable prefix",
                           "state after the prefix"}) {
    EXPECT_NE(outcome.out.find(part), std::string::npos) << part << "\n" << outcome.out;
  }
}

TEST(CliCheck, EdnKvHistoryPicksTheKvModel) {
  const Outcome outcome = run_cli({"check", kData + "kv/c10-bad.txt", "--json"});
  EXPECT_EQ(outcome.code, kExitCheckFailed) << outcome.err;
  const nlohmann::json json = nlohmann::json::parse(outcome.out);
  EXPECT_EQ(json["model"], "kv");
  EXPECT_EQ(json["format"], "jepsen-edn");
  EXPECT_EQ(json["verdict"], "not linearizable");
  EXPECT_FALSE(json["counterexample"]["key"].get<std::string>().empty());
  EXPECT_TRUE(json["counterexample"]["longest_prefix"].is_array());
}

TEST(CliCheck, MalformedHistoryExitsTwoNamingTheLine) {
  const std::string path = write_temp("consim_check_bad.jsonl",
                                      "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n{\"process\":1,\"type\":");
  const Outcome outcome = run_cli({"check", path});
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_NE(outcome.err.find(path + ": line 2: not valid JSON"), std::string::npos) << outcome.err;
  std::filesystem::remove(path);
}

TEST(CliCheck, OperationTheModelDoesNotKnowExitsTwo) {
  const Outcome outcome = run_cli({"check", kData + "kv/c01-ok.txt", "--model", "register"});
  EXPECT_EQ(outcome.code, kExitUsage);
  EXPECT_NE(outcome.err.find("line 1: the register model has no operation"), std::string::npos) << outcome.err;
}

TEST(CliCheck, MissingFileAndBadFlagsExitTwo) {
  EXPECT_EQ(run_cli({"check", "/nonexistent/history.jsonl"}).code, kExitUsage);
  EXPECT_EQ(run_cli({"check", kData + "kv/c01-ok.txt", "--format", "csv"}).code, kExitUsage);
  EXPECT_EQ(run_cli({"check", kData + "kv/c01-ok.txt", "--initial", "{"}).code, kExitUsage);
}

// Many concurrent writes and a read of a value nobody wrote: too big for a 1 MiB budget.
TEST(CliCheck, ExhaustedBudgetExitsThreeNeverZero) {
  std::string text;
  const auto event = [&text](int process, const char* type, const std::string& f, const std::string& value, int t) {
    text += "{\"process\":" + std::to_string(process) + ",\"type\":\"" + type + "\",\"f\":\"" + f +
            "\",\"value\":" + value + ",\"time_ns\":" + std::to_string(t) + "}\n";
  };
  for (int p = 0; p < 18; ++p) {
    event(p, "invoke", "write", std::to_string(p), p);
  }
  event(100, "invoke", "read", "null", 100);
  for (int p = 0; p < 18; ++p) {
    event(p, "ok", "write", std::to_string(p), 200 + p);
  }
  event(100, "ok", "read", "999", 300);
  const std::string path = write_temp("consim_check_hard.jsonl", text);
  const Outcome outcome = run_cli({"check", path, "--memory-limit", "1"});
  EXPECT_EQ(outcome.code, kExitUnknown) << outcome.out << outcome.err;
  EXPECT_NE(outcome.out.find("verdict: unknown"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("memory limit"), std::string::npos) << outcome.out;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace consim::cli
