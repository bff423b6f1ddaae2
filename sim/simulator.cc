#include "sim/simulator.h"

namespace consim::sim {

Simulator::Simulator(uint64_t seed) : seed_(seed), root_rng_(seed), assert_context_(this) {}

bool Simulator::step() {
  SimTime at;
  EventQueue::Callback callback;
  if (!queue_.pop(at, callback)) {
    return false;
  }
  CONSIM_ASSERT(at >= now_);
  now_ = at;
  ++events_processed_;
  callback();
  return true;
}

void Simulator::run_until(SimTime until) {
  CONSIM_ASSERT(until >= now_);
  while (queue_.next_time() <= until) {
    step();
  }
  now_ = until;
}

uint64_t Simulator::run(uint64_t max_events) {
  uint64_t ran = 0;
  while (ran < max_events && step()) {
    ++ran;
  }
  return ran;
}

std::string Simulator::describe() const {
  return "seed=" + std::to_string(seed_) + " event=" + std::to_string(events_processed_) +
         " t_ns=" + std::to_string(now_.ns);
}

}  // namespace consim::sim
