// `consim check HISTORY`: the linearizability checker on a recorded history.
#pragma once

#include <iosfwd>
#include <string>

namespace consim::cli {

struct CheckCommandOptions {
  std::string history_path;
  std::string model = "auto";                // auto, register, kv, znode
  std::string consistency = "linearizable";  // linearizable, sequential, zookeeper
  std::string format = "auto";               // auto, jsonl, jepsen-edn, jepsen-log
  std::string initial_json;                  // the initial value as JSON; empty = the model's default
  double time_limit_s = 0;                   // 0 = none
  size_t memory_limit_mb = 1024;
  bool json = false;
  std::string html_path;  // --html: also write a self-contained timeline here; empty = none
};

// Exit codes: 0 linearizable, 1 not linearizable, 3 unknown (a budget ran out), 2 bad input.
int run_check(const CheckCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace consim::cli
