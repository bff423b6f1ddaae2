#include "sim/rng.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "base/assert.h"
#include "base/int128.h"

namespace consim::sim {
namespace {

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

uint64_t splitmix64(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t fnv1a64(std::string_view bytes, uint64_t basis) {
  uint64_t hash = basis;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

Rng::Rng(uint64_t seed) : Rng(seed ^ 0x6a09e667f3bcc908ULL, 0) {}

Rng::Rng(uint64_t key, int) : key_(key) {
  uint64_t expand = key;
  for (uint64_t& word : state_) {
    word = splitmix64(expand);
  }
  // xoshiro's state must not be all zero; splitmix64 of any input makes that vanishingly
  // unlikely, but a generator that silently emits zeros would be a determinism disaster.
  CONSIM_ASSERT((state_[0] | state_[1] | state_[2] | state_[3]) != 0);
}

Rng Rng::fork(std::string_view name) const {
  uint64_t mix = key_ ^ fnv1a64(name);
  return Rng(splitmix64(mix), 0);
}

Rng Rng::fork(std::string_view name, uint64_t index) const {
  // As documented: the stream named "name/index", so a per-entity stream can be named either way.
  std::string full(name);
  full += '/';
  full += std::to_string(index);
  return fork(full);
}

uint64_t Rng::next_u64() {
  ++draws_;
  const uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

uint64_t Rng::uniform_u64(uint64_t bound) {
  CONSIM_ASSERT(bound > 0);
  // Lemire, "Fast random integer generation in an interval" (2019).
  UInt128 product = static_cast<UInt128>(next_u64()) * bound;
  uint64_t low = static_cast<uint64_t>(product);
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      product = static_cast<UInt128>(next_u64()) * bound;
      low = static_cast<uint64_t>(product);
    }
  }
  return static_cast<uint64_t>(product >> 64);
}

int64_t Rng::uniform_int(int64_t lo, int64_t hi) {
  CONSIM_ASSERT(lo <= hi);
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == UINT64_MAX) {
    return static_cast<int64_t>(next_u64());
  }
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + uniform_u64(span + 1));
}

double Rng::uniform_real() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Rng::uniform_real(double lo, double hi) {
  CONSIM_ASSERT(lo < hi);
  const double x = lo + (hi - lo) * uniform_real();
  // Rounding can land exactly on hi when the interval is wide; the contract is half-open.
  return x < hi ? x : std::nextafter(hi, lo);
}

bool Rng::bernoulli(double p) {
  if (p <= 0.0) {
    return false;
  }
  if (p >= 1.0) {
    return true;
  }
  return uniform_real() < p;
}

double Rng::exponential(double mean) {
  CONSIM_ASSERT(mean > 0.0);
  // 1 - u is in (0, 1], so the logarithm is finite. The product can still overflow for a mean
  // above DBL_MAX / 37; clamp so the result stays finite as documented.
  return std::min(-mean * std::log(1.0 - uniform_real()), std::numeric_limits<double>::max());
}

double Rng::normal(double mean, double stddev) {
  CONSIM_ASSERT(stddev >= 0.0);
  const double u1 = 1.0 - uniform_real();  // (0, 1]
  const double u2 = uniform_real();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  return mean + stddev * radius * std::cos(2.0 * std::numbers::pi * u2);
}

double Rng::lognormal(double mu, double sigma) { return std::exp(normal(mu, sigma)); }

}  // namespace consim::sim
