// Helpers for the report tests: fresh directories under the build's artifacts folder (kept after
// the run, so that a failure can be looked at), whole-file reads and writes, and a tiny run
// directory written by hand: three Raft servers electing n1, a partition healed, n3 crashed and
// restarted, n2 paused, a client's write, an info read and a pending read.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include "reports/run_files.h"

namespace consim::reports::test_support {

namespace fs = std::filesystem;

// The scenario library (CONSIM_SOURCE_DIR is the source tree, defined for every test target).
inline const std::string kScenarios = std::string(CONSIM_SOURCE_DIR) + "/scenarios/";

// The run directory as the reports read it; a test failure (and nothing) when it cannot be read.
inline RunFiles read(const fs::path& dir) {
  std::variant<RunFiles, ReadError> result = read_run_dir(dir.string());
  if (auto* error = std::get_if<ReadError>(&result)) {
    ADD_FAILURE() << error->describe();
    return {};
  }
  return std::get<RunFiles>(result);
}

// An empty directory for one test (named after it, so that tests running in parallel never share).
inline fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(CONSIM_TEST_OUTPUT_DIR) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

inline std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

inline size_t count(const std::string& text, const std::string& what) {
  size_t found = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) {
    ++found;
  }
  return found;
}

inline const char* const kTinySummary = R"({
  "consim_version": "0.1.0",
  "scenario": "tiny",
  "description": "Three servers elect n1.",
  "protocol": "raft",
  "service": "kv",
  "nodes": 3,
  "seed": 5,
  "verdict": "pass",
  "checks": {
    "invariants": {"status": "pass", "detail": "14 records checked"},
    "linearizability": {"status": "pass", "detail": "3 operations, linearizable"},
    "liveness": {"status": "pass", "detail": "leader 0 ms after the final heal"}
  },
  "expect": {"verdict": "pass", "check": "", "invariant": "", "held": true, "detail": ""},
  "metrics": {"operations": {"invoked": 3, "ok": 1}, "messages": 4},
  "trace_digest": "0123456789abcdef"
}
)";

// Times in ms: election at 100-105, partition 200-300, n3 down 250-350, n2 paused 400-450.
inline const char* const kTinyTrace =
    R"({"t":0,"node":"n1","kind":"raft.state","role":"follower","term":0,"leader":0,"last_index":0}
{"t":0,"node":"n2","kind":"raft.state","role":"follower","term":0,"leader":0,"last_index":0}
{"t":0,"node":"n3","kind":"raft.state","role":"follower","term":0,"leader":0,"last_index":0}
{"t":100000000,"node":"n1","kind":"raft.state","role":"candidate","term":1,"leader":0,"last_index":0}
{"t":100000000,"node":"n1","kind":"net.send","to":"n2","id":1,"msg":"RequestVote","channel":"datagram","bytes":40}
{"t":100000000,"node":"n1","kind":"net.send","to":"n3","id":2,"msg":"RequestVote","channel":"datagram","bytes":40}
{"t":100000000,"node":"n1","kind":"timer.fire","timer":1,"tag":1}
{"t":102000000,"node":"n2","kind":"net.deliver","from":"n1","id":1,"msg":"RequestVote"}
{"t":102000000,"node":"n2","kind":"net.send","to":"n1","id":3,"msg":"RequestVoteResponse","channel":"datagram","bytes":30}
{"t":103000000,"node":"n1","kind":"net.drop","to":"n3","id":2,"msg":"RequestVote","reason":"partition"}
{"t":105000000,"node":"n1","kind":"net.deliver","from":"n2","id":3,"msg":"RequestVoteResponse"}
{"t":105000000,"node":"n1","kind":"raft.state","role":"leader","term":1,"leader":1,"last_index":0}
{"t":110000000,"node":"n1","kind":"raft.commit","index":1,"term":1,"leader":true}
{"t":130000000,"node":"n4","kind":"net.send","to":"n1","id":4,"msg":"ClientCall","channel":"datagram","bytes":34}
{"t":200000000,"kind":"fault.partition","nodes":"n1,n2,n3","detail":"n1|n2,n3"}
{"t":250000000,"node":"n3","kind":"host.crash","incarnation":1,"timers":1,"deferred":0}
{"t":300000000,"kind":"fault.heal","nodes":""}
{"t":350000000,"node":"n3","kind":"host.restart","incarnation":2}
{"t":350000000,"node":"n3","kind":"raft.state","role":"follower","term":1,"leader":0,"last_index":1}
{"t":400000000,"node":"n2","kind":"host.pause","for_ns":50000000}
{"t":450000000,"node":"n2","kind":"host.resume","deferred":0}
{"t":500000000,"node":"n2","kind":"raft.commit","index":1,"term":1,"leader":false}
)";

inline const char* const kTinyHistory =
    R"({"process":0,"type":"invoke","f":"write","key":"k1","value":1,"time_ns":100000000}
{"process":1,"type":"invoke","f":"read","key":"k1","value":null,"time_ns":120000000}
{"process":0,"type":"ok","f":"write","key":"k1","value":1,"node":"n1","time_ns":150000000}
{"process":1,"type":"info","f":"read","key":"k1","value":null,"error":"Timeout","time_ns":400000000}
{"process":2,"type":"invoke","f":"read","key":"k1","value":null,"time_ns":450000000}
)";

// A run directory holding the three texts.
inline fs::path write_run(const std::string& name, const std::string& summary = kTinySummary,
                          const std::string& trace = kTinyTrace, const std::string& history = kTinyHistory) {
  const fs::path dir = fresh_dir(name);
  write_text(dir / "summary.json", summary);
  write_text(dir / "trace.jsonl", trace);
  write_text(dir / "history.jsonl", history);
  return dir;
}

}  // namespace consim::reports::test_support
