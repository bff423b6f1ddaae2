// The operations clients invoke (Jepsen's generator): a mix of reads, writes, compare-and-swaps
// and deletes over a few keys, every written value unique in the run so that the checker can
// tell writes apart. One generator serves all clients of a run from its own random sub-stream.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "harness/client_op.h"
#include "harness/scenario.h"
#include "sim/rng.h"

namespace consim::harness {

class Workload {
 public:
  // `service` is "kv" or "znode".
  Workload(const WorkloadSpec& spec, std::string service, sim::Rng rng);

  // The next operation to invoke.
  ClientOp next();
  // What a completed operation taught the generator about its key (to aim compare-and-swaps
  // and versions at plausible values).
  void learn(const ClientOp& op, const OpOutcome& outcome);
  // The mean think time between a client's operations, 0 for a closed loop.
  double think_ms_mean() const;

 private:
  struct KeyGuess {
    std::optional<int64_t> value;    // the last value seen written or read
    std::optional<int64_t> version;  // znode: the last version seen
    bool exists = false;             // znode: whether the node is believed to exist
  };
  std::string key_name(uint32_t key) const;
  ClientOp next_znode(uint32_t key, double draw);

  WorkloadSpec spec_;
  std::string service_;
  sim::Rng rng_;
  int64_t next_value_ = 1;
  std::map<std::string, KeyGuess> guesses_;
};

}  // namespace consim::harness
