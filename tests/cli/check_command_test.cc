// `consim check`: verdicts as exit codes (0, 1, 3), bad input as 2 with the line named.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "tests/cli/run_cli.h"

namespace consim::cli {
namespace {

const std::string kData = CONSIM_SOURCE_DIR "/../shared/data/porcupine/";

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

// Many concurrent writes, then two reads that disagree about the last one: deciding it means
// trying the writes' orders, too many for a 1 MiB budget.
TEST(CliCheck, ExhaustedBudgetExitsThreeNeverZero) {
  std::string text;
  const auto event = [&text](int process, const char* type, const std::string& f, const std::string& value, int t) {
    text += "{\"process\":" + std::to_string(process) + ",\"type\":\"" + type + "\",\"f\":\"" + f +
            "\",\"value\":" + value + ",\"time_ns\":" + std::to_string(t) + "}\n";
  };
  for (int p = 0; p < 18; ++p) {
    event(p, "invoke", "write", std::to_string(p), p);
  }
  for (int p = 0; p < 18; ++p) {
    event(p, "ok", "write", std::to_string(p), 200 + p);
  }
  event(100, "invoke", "read", "null", 300);
  event(100, "ok", "read", "0", 301);
  event(101, "invoke", "read", "null", 302);
  event(101, "ok", "read", "1", 303);
  const std::string path = write_temp("consim_check_hard.jsonl", text);
  const Outcome outcome = run_cli({"check", path, "--memory-limit", "1"});
  EXPECT_EQ(outcome.code, kExitUnknown) << outcome.out << outcome.err;
  EXPECT_NE(outcome.out.find("verdict: unknown"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("memory limit"), std::string::npos) << outcome.out;
  std::filesystem::remove(path);
}

// A ZooKeeper history: create and set /a, then process 2 reads /a with `read_f` and sees the
// old data (a stale read).
std::string stale_znode_read(const std::string& read_f) {
  const auto event = [](int process, const char* type, const std::string& f, const std::string& value, int t,
                        const std::string& extra = "") {
    return "{\"process\":" + std::to_string(process) + ",\"type\":\"" + type + "\",\"f\":\"" + f +
           "\",\"key\":\"/a\",\"value\":" + value + ",\"time_ns\":" + std::to_string(t) + extra + "}\n";
  };
  return event(1, "invoke", "create", "\"x\"", 0) + event(1, "ok", "create", "\"x\"", 5) +
         event(1, "invoke", "set", "\"y\"", 10, ",\"version\":0") + event(1, "ok", "set", "\"y\"", 15) +
         event(2, "invoke", read_f, "null", 20) + event(2, "ok", read_f, "\"x\"", 25);
}

TEST(CliCheck, ZnodeHistoryPicksTheZnodeModel) {
  const std::string path = write_temp("consim_check_znode.jsonl", stale_znode_read("get"));
  const Outcome automatic = run_cli({"check", path, "--json"});
  EXPECT_EQ(automatic.code, kExitCheckFailed) << automatic.err;
  const nlohmann::json json = nlohmann::json::parse(automatic.out);
  EXPECT_EQ(json["model"], "znode");
  EXPECT_EQ(json["consistency"], "linearizable");
  EXPECT_EQ(json["counterexample"]["key"], "/a");
  const Outcome named = run_cli({"check", path, "--model", "znode"});
  EXPECT_EQ(named.code, kExitCheckFailed) << named.err;
  EXPECT_NE(named.out.find("model znode"), std::string::npos) << named.out;
  EXPECT_NE(named.out.find("state after the prefix: {/a \"y\" v1}"), std::string::npos) << named.out;
  std::filesystem::remove(path);
}

TEST(CliCheck, ZooKeeperConsistencyAllowsStalePlainGetsOnly) {
  const std::string get_path = write_temp("consim_check_zk_get.jsonl", stale_znode_read("get"));
  const Outcome get = run_cli({"check", get_path, "--consistency", "zookeeper"});
  EXPECT_EQ(get.code, kExitOk) << get.out << get.err;
  EXPECT_NE(get.out.find("consistency: zookeeper"), std::string::npos) << get.out;
  const std::string sync_path = write_temp("consim_check_zk_sync_get.jsonl", stale_znode_read("sync_get"));
  const Outcome sync_get = run_cli({"check", sync_path, "--consistency", "zookeeper", "--json"});
  EXPECT_EQ(sync_get.code, kExitCheckFailed) << sync_get.out << sync_get.err;
  EXPECT_EQ(nlohmann::json::parse(sync_get.out)["consistency"], "zookeeper");
  EXPECT_EQ(run_cli({"check", sync_path, "--consistency", "sequential"}).code, kExitOk);
  std::filesystem::remove(get_path);
  std::filesystem::remove(sync_path);
}

TEST(CliCheck, BadConsistencyOrVersionExitsTwo) {
  const Outcome level = run_cli({"check", kData + "kv/c01-ok.txt", "--consistency", "causal"});
  EXPECT_EQ(level.code, kExitUsage);
  EXPECT_NE(level.err.find("--consistency"), std::string::npos) << level.err;
  const std::string path =
      write_temp("consim_check_bad_version.jsonl",
                 "{\"process\":1,\"type\":\"invoke\",\"f\":\"set\",\"key\":\"/a\",\"value\":1,\"version\":1.5}\n");
  const Outcome version = run_cli({"check", path});
  EXPECT_EQ(version.code, kExitUsage);
  EXPECT_NE(version.err.find("line 1: field 'version' must be an integer"), std::string::npos) << version.err;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace consim::cli
