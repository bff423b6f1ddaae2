// consim's random number generator: xoshiro256** seeded through splitmix64, with named
// sub-streams and its own draws. No std:: distribution is used anywhere: their algorithms are
// implementation-defined and differ between libstdc++ and libc++.
//
// Sub-streams: fork("network") derives a new generator from this stream's *key* and the name,
// never from its current state, so the draws one subsystem makes do not shift another's.
// Forking the same name twice gives the same stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

namespace consim::sim {

// splitmix64 step: a bijective 64-bit mixer, also used to expand seeds.
uint64_t splitmix64(uint64_t& state);

// 64-bit FNV-1a, used to name sub-streams. Stable across compilers and platforms.
uint64_t fnv1a64(std::string_view bytes, uint64_t basis = 0xcbf29ce484222325ULL);

class Rng {
 public:
  explicit Rng(uint64_t seed);

  // A generator for the named sub-stream of this one. Independent of how much this one was used.
  Rng fork(std::string_view name) const;
  // Convenience for per-entity streams: fork("node", 3) == fork of "node/3".
  Rng fork(std::string_view name, uint64_t index) const;

  uint64_t next_u64();

  // Uniform on [0, bound). Requires bound > 0. Unbiased (Lemire's multiply-and-reject).
  uint64_t uniform_u64(uint64_t bound);
  // Uniform on [lo, hi], both inclusive. Requires lo <= hi.
  int64_t uniform_int(int64_t lo, int64_t hi);
  // Uniform on [0, 1), 53 random bits.
  double uniform_real();
  // Uniform on [lo, hi). Requires lo < hi; never returns hi.
  double uniform_real(double lo, double hi);
  // True with probability p; p <= 0 is never, p >= 1 is always (and draws nothing).
  bool bernoulli(double p);
  // Exponential with the given mean (> 0); finite and >= 0.
  double exponential(double mean);
  // Normal(mean, stddev) by Box-Muller; no cached second value, so draws stay aligned.
  double normal(double mean, double stddev);
  // exp(Normal(mu, sigma)); > 0.
  double lognormal(double mu, double sigma);

  // Fisher-Yates, driven by this generator.
  template <typename T>
  void shuffle(std::span<T> items) {
    for (size_t i = items.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(uniform_u64(i));
      std::swap(items[i - 1], items[j]);
    }
  }

  uint64_t key() const { return key_; }
  uint64_t draws() const { return draws_; }

 private:
  Rng(uint64_t key, int /*derived*/);

  uint64_t key_;
  uint64_t state_[4];
  uint64_t draws_ = 0;
};

}  // namespace consim::sim
