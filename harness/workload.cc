#include "harness/workload.h"

#include "base/assert.h"

namespace consim::harness {

Workload::Workload(const WorkloadSpec& spec, std::string service, sim::Rng rng)
    : spec_(spec), service_(std::move(service)), rng_(rng) {
  CONSIM_ASSERT(spec_.keys >= 1);
  CONSIM_ASSERT(service_ == "kv" || service_ == "znode");
}

std::string Workload::key_name(uint32_t key) const {
  return (service_ == "znode" ? "/k" : "k") + std::to_string(key + 1);
}

double Workload::think_ms_mean() const {
  if (spec_.rate_per_s <= 0 || spec_.clients == 0) {
    return 0;
  }
  return 1000.0 * spec_.clients / spec_.rate_per_s;
}

ClientOp Workload::next() {
  const uint32_t key = static_cast<uint32_t>(rng_.uniform_u64(spec_.keys));
  const double draw = rng_.uniform_real();
  if (service_ == "znode") {
    return next_znode(key, draw);
  }
  ClientOp op;
  op.key = key_name(key);
  if (draw < spec_.read_fraction) {
    op.f = "read";
  } else if (draw < spec_.read_fraction + spec_.cas_fraction) {
    op.f = "cas";
    const KeyGuess& guess = guesses_[op.key];
    // Aim at the value last seen; a cas on a guess of "absent" can only fail, so guess a
    // recent value instead.
    op.expected = guess.value.value_or(next_value_ > 1 ? next_value_ - 1 : 0);
    op.value = next_value_++;
  } else if (draw < spec_.read_fraction + spec_.cas_fraction + spec_.delete_fraction) {
    op.f = "delete";
  } else {
    op.f = "write";
    op.value = next_value_++;
  }
  return op;
}

ClientOp Workload::next_znode(uint32_t key, double draw) {
  ClientOp op;
  op.key = key_name(key);
  const KeyGuess& guess = guesses_[op.key];
  if (draw < spec_.read_fraction) {
    // A quarter of the reads are exists (a stat or none) rather than get (data and stat): both
    // observe the node, in the two shapes the checker's model knows. Decided by the same draw,
    // so the mix costs no extra random number.
    op.f = draw < 0.75 * spec_.read_fraction ? "get" : "exists";
  } else if (draw < spec_.read_fraction + spec_.cas_fraction) {
    // A conditional set aims at the version last seen (0, a fresh node's, when none was).
    op.f = "set";
    op.value = next_value_++;
    op.version = guess.version.value_or(0);
  } else if (draw < spec_.read_fraction + spec_.cas_fraction + spec_.delete_fraction) {
    op.f = "delete";
    op.version = -1;
  } else if (!guess.exists) {
    op.f = "create";
    op.value = next_value_++;
    op.ephemeral = rng_.bernoulli(spec_.ephemeral_fraction);
  } else {
    op.f = "set";
    op.value = next_value_++;
    op.version = -1;
  }
  return op;
}

void Workload::learn(const ClientOp& op, const OpOutcome& outcome) {
  KeyGuess& guess = guesses_[op.key];
  if (outcome.version.has_value()) {
    guess.version = outcome.version;
  }
  if (!outcome.ok) {
    if (outcome.error == "NoNode") {
      guess.exists = false;
      guess.version.reset();
    } else if (outcome.error == "NodeExists") {
      guess.exists = true;
    }
    return;
  }
  if (op.f == "exists") {  // no data: whether the node is there shows in the version alone
    guess.exists = outcome.version.has_value();
    if (!guess.exists) {
      guess.version.reset();
    }
    return;
  }
  if (op.is_read()) {
    if (outcome.has_value) {
      guess.value = outcome.value;
      guess.exists = outcome.value.has_value();
    }
    return;
  }
  if (op.f == "delete") {
    guess.value.reset();
    guess.version.reset();  // a node created again starts over at version 0
    guess.exists = false;
    return;
  }
  guess.value = op.value;
  guess.exists = true;
}

}  // namespace consim::harness
