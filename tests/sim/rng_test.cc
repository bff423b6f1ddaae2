// Tests for sim/rng: determinism, known answers, bounds of every draw, sub-stream independence
// and rough distribution sanity.
#include "sim/rng.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace consim::sim {
namespace {

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr double kDoubleMax = std::numeric_limits<double>::max();

std::vector<uint64_t> take(Rng rng, size_t count) {
  std::vector<uint64_t> values;
  values.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    values.push_back(rng.next_u64());
  }
  return values;
}

// Integers over the whole range, with the extremes and their neighbours over-represented.
rc::Gen<int64_t> any_int64() {
  return rc::gen::oneOf(
      rc::gen::arbitrary<int64_t>(),
      rc::gen::elementOf(std::vector<int64_t>{kInt64Min, kInt64Min + 1, -1, 0, 1, kInt64Max - 1, kInt64Max}));
}

rc::Gen<uint64_t> any_uint64() {
  return rc::gen::oneOf(rc::gen::arbitrary<uint64_t>(),
                        rc::gen::elementOf(std::vector<uint64_t>{0, 1, 2, 3, uint64_t{1} << 63, (uint64_t{1} << 63) + 1,
                                                                 UINT64_MAX - 1, UINT64_MAX}));
}

// Finite doubles of every magnitude: random bit patterns (subnormals to DBL_MAX), rapidcheck's
// own small reals, and the extremes.
rc::Gen<double> any_finite_double() {
  return rc::gen::oneOf(rc::gen::suchThat(rc::gen::map(rc::gen::arbitrary<uint64_t>(),
                                                       [](uint64_t bits) { return std::bit_cast<double>(bits); }),
                                          [](double x) { return std::isfinite(x); }),
                        rc::gen::arbitrary<double>(),
                        rc::gen::elementOf(std::vector<double>{0.0, -0.0, 1.0, -1.0, kDoubleMax, -kDoubleMax,
                                                               std::numeric_limits<double>::min(),
                                                               std::numeric_limits<double>::denorm_min()}));
}

TEST(Rng, SameSeedGivesSameSequence) {
  Rng a(7);
  Rng b(7);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(a.next_u64(), b.next_u64()) << "draw " << i;
  }
  // Mixed draws stay aligned too.
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(a.uniform_int(-5, 5), b.uniform_int(-5, 5));
    ASSERT_EQ(a.normal(0.0, 1.0), b.normal(0.0, 1.0));
    ASSERT_EQ(a.exponential(3.0), b.exponential(3.0));
    ASSERT_EQ(a.bernoulli(0.5), b.bernoulli(0.5));
  }
  EXPECT_EQ(a.draws(), b.draws());
}

TEST(Rng, DifferentSeedsGiveDifferentSequences) {
  std::set<std::vector<uint64_t>> sequences;
  for (uint64_t seed = 0; seed < 256; ++seed) {
    sequences.insert(take(Rng(seed), 4));
  }
  EXPECT_EQ(sequences.size(), 256u);
  EXPECT_NE(take(Rng(1), 100), take(Rng(2), 100));
  EXPECT_NE(take(Rng(0), 100), take(Rng(UINT64_MAX), 100));
}

// Golden values pinned from the implementation (and checked against an independent reference of
// splitmix64 seeding + xoshiro256**). They guard cross-compiler determinism: a gcc build and a
// clang build must produce exactly these numbers, or traces and digests would differ between them.
TEST(Rng, KnownAnswersForSeed42) {
  Rng rng(42);
  EXPECT_EQ(rng.next_u64(), 0x34c7abc7c156d555ULL);
  EXPECT_EQ(rng.next_u64(), 0x0e53d2a57deddea8ULL);
  EXPECT_EQ(rng.next_u64(), 0x96ed12faeff9d50fULL);
  EXPECT_EQ(rng.next_u64(), 0x0ff287b08ad4b193ULL);
  EXPECT_EQ(rng.next_u64(), 0x1dca797748730224ULL);
  EXPECT_EQ(rng.draws(), 5u);
}

// FNV-1a 64 names sub-streams and hashes traces; these are the published test vectors.
TEST(Rng, Fnv1a64MatchesPublishedVectors) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
  // Streaming: hashing a suffix from the prefix's hash equals hashing the whole.
  EXPECT_EQ(fnv1a64("bar", fnv1a64("foo")), fnv1a64("foobar"));
}

TEST(Rng, SplitMix64MatchesReference) {
  // Vigna's splitmix64.c seeded with 0 produces these first outputs.
  uint64_t state = 0;
  EXPECT_EQ(splitmix64(state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(splitmix64(state), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(splitmix64(state), 0x06c45d188009454fULL);
}

TEST(Rng, DrawsCountsGeneratorSteps) {
  Rng rng(3);
  EXPECT_EQ(rng.draws(), 0u);
  rng.next_u64();
  rng.uniform_real();
  EXPECT_EQ(rng.draws(), 2u);
  rng.normal(0.0, 1.0);  // Box-Muller: two uniforms, no cached second value
  EXPECT_EQ(rng.draws(), 4u);
}

TEST(Rng, CertainBernoulliDrawsNothing) {
  Rng rng(11);
  Rng twin(11);
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(rng.bernoulli(0.0));
    EXPECT_FALSE(rng.bernoulli(-3.0));
    EXPECT_TRUE(rng.bernoulli(1.0));
    EXPECT_TRUE(rng.bernoulli(7.5));
  }
  EXPECT_EQ(rng.draws(), 0u);
  EXPECT_EQ(rng.next_u64(), twin.next_u64());
}

TEST(Rng, UniformRealNeverReturnsUpperBoundOfTinyInterval) {
  // The only double in [1, next(1)) is 1; rounding up to hi must be pulled back.
  const double hi = std::nextafter(1.0, 2.0);
  Rng rng(5);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(rng.uniform_real(1.0, hi), 1.0);
  }
}

TEST(Rng, UniformIntOverSingleValueIsThatValue) {
  Rng rng(9);
  EXPECT_EQ(rng.uniform_int(kInt64Min, kInt64Min), kInt64Min);
  EXPECT_EQ(rng.uniform_int(kInt64Max, kInt64Max), kInt64Max);
  EXPECT_EQ(rng.uniform_int(-4, -4), -4);
  EXPECT_EQ(rng.uniform_u64(1), 0u);
}

TEST(Rng, UniformIntOverWholeRangeReachesBothSigns) {
  Rng rng(13);
  int negative = 0;
  for (int i = 0; i < 1000; ++i) {
    negative += rng.uniform_int(kInt64Min, kInt64Max) < 0 ? 1 : 0;
  }
  EXPECT_GT(negative, 400);
  EXPECT_LT(negative, 600);
}

TEST(Rng, ExponentialOfHugeMeanStaysFinite) {
  Rng rng(17);
  for (int i = 0; i < 1000; ++i) {
    const double x = rng.exponential(kDoubleMax);
    ASSERT_TRUE(std::isfinite(x)) << x;
    ASSERT_GE(x, 0.0);
  }
}

// The header documents fork("node", 3) as the fork of "node/3".
TEST(Rng, IndexedForkEqualsForkOfSlashName) {
  const Rng root(99);
  EXPECT_EQ(take(root.fork("node", 3), 8), take(root.fork("node/3"), 8));
  EXPECT_EQ(take(root.fork("link", 0), 8), take(root.fork("link/0"), 8));
  EXPECT_EQ(take(root.fork("x", UINT64_MAX), 8), take(root.fork("x/18446744073709551615"), 8));
}

TEST(Rng, ForkOfSameNameTwiceIsSameStream) {
  Rng root(21);
  const std::vector<uint64_t> first = take(root.fork("network"), 16);
  root.next_u64();
  EXPECT_EQ(take(root.fork("network"), 16), first);
  EXPECT_NE(take(root.fork("disk"), 16), first);
  EXPECT_NE(take(root, 16), first);
  // A fork is a different stream from its parent and from a fork of another seed.
  EXPECT_NE(take(Rng(22).fork("network"), 16), first);
}

// --- distribution sanity: fixed seed, generous bounds ---

TEST(Rng, UniformIntHitsEveryValueEvenly) {
  Rng rng(42);
  std::array<int, 10> counts{};
  constexpr int kDraws = 100'000;
  for (int i = 0; i < kDraws; ++i) {
    const int64_t x = rng.uniform_int(0, 9);
    ASSERT_GE(x, 0);
    ASSERT_LE(x, 9);
    ++counts[static_cast<size_t>(x)];
  }
  for (size_t value = 0; value < counts.size(); ++value) {
    EXPECT_GE(counts[value], 8'000) << "value " << value;
    EXPECT_LE(counts[value], 12'000) << "value " << value;
  }
}

// With bound = 3·2^62, plain multiply-shift maps four inputs onto three outputs, so multiples
// of three would come up half the time instead of a third. Lemire's rejection removes that bias.
TEST(Rng, UniformU64IsUnbiasedForHugeBounds) {
  Rng rng(48);
  constexpr uint64_t kBound = uint64_t{3} << 62;
  constexpr int kDraws = 30'000;
  int multiples_of_three = 0;
  for (int i = 0; i < kDraws; ++i) {
    multiples_of_three += rng.uniform_u64(kBound) % 3 == 0 ? 1 : 0;
  }
  EXPECT_NEAR(static_cast<double>(multiples_of_three) / kDraws, 1.0 / 3.0, 0.02);
}

TEST(Rng, ExponentialSampleMeanIsClose) {
  Rng rng(43);
  constexpr int kDraws = 100'000;
  constexpr double kMean = 250.0;
  double sum = 0.0;
  for (int i = 0; i < kDraws; ++i) {
    sum += rng.exponential(kMean);
  }
  EXPECT_NEAR(sum / kDraws, kMean, 0.05 * kMean);
}

TEST(Rng, BernoulliFrequencyIsClose) {
  Rng rng(44);
  constexpr int kDraws = 100'000;
  int hits = 0;
  for (int i = 0; i < kDraws; ++i) {
    hits += rng.bernoulli(0.3) ? 1 : 0;
  }
  EXPECT_NEAR(static_cast<double>(hits) / kDraws, 0.3, 0.02);
}

TEST(Rng, NormalMeanAndStddevAreClose) {
  Rng rng(45);
  constexpr int kDraws = 100'000;
  double sum = 0.0;
  double sum_squares = 0.0;
  for (int i = 0; i < kDraws; ++i) {
    const double x = rng.normal(10.0, 3.0);
    sum += x;
    sum_squares += x * x;
  }
  const double mean = sum / kDraws;
  const double stddev = std::sqrt(sum_squares / kDraws - mean * mean);
  EXPECT_NEAR(mean, 10.0, 0.05);
  EXPECT_NEAR(stddev, 3.0, 0.1);
}

TEST(Rng, UniformRealAndLognormalAreClose) {
  Rng rng(46);
  constexpr int kDraws = 100'000;
  double sum = 0.0;
  double log_sum = 0.0;
  for (int i = 0; i < kDraws; ++i) {
    sum += rng.uniform_real();
    log_sum += std::log(rng.lognormal(2.0, 0.5));
  }
  EXPECT_NEAR(sum / kDraws, 0.5, 0.01);
  EXPECT_NEAR(log_sum / kDraws, 2.0, 0.02);
}

TEST(Rng, ShuffleIsADeterministicPermutation) {
  std::vector<int> original(100);
  std::iota(original.begin(), original.end(), 0);

  std::vector<int> a = original;
  std::vector<int> b = original;
  std::vector<int> c = original;
  Rng(1).shuffle(std::span<int>(a));
  Rng(1).shuffle(std::span<int>(b));
  Rng(2).shuffle(std::span<int>(c));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, original);
  EXPECT_NE(a, c);

  std::sort(a.begin(), a.end());
  std::sort(c.begin(), c.end());
  EXPECT_EQ(a, original);
  EXPECT_EQ(c, original);

  std::vector<int> empty;
  std::vector<int> single{7};
  Rng rng(3);
  rng.shuffle(std::span<int>(empty));
  rng.shuffle(std::span<int>(single));
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(single, std::vector<int>{7});
  EXPECT_EQ(rng.draws(), 0u);
}

TEST(Rng, ShuffleReachesEveryOrderOfThree) {
  std::set<std::vector<int>> orders;
  Rng rng(47);
  for (int i = 0; i < 200; ++i) {
    std::vector<int> items{0, 1, 2};
    rng.shuffle(std::span<int>(items));
    orders.insert(items);
  }
  EXPECT_EQ(orders.size(), 6u);
}

TEST(RngDeathTest, UniformU64OfZeroBoundIsAProgrammerError) {
  Rng rng(1);
  EXPECT_DEATH(rng.uniform_u64(0), "bound > 0");
}

// --- properties ---

RC_GTEST_PROP(RngProperty, UniformU64StaysBelowBound, ()) {
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  const uint64_t bound = *rc::gen::suchThat(any_uint64(), [](uint64_t b) { return b > 0; });
  Rng rng(seed);
  for (int i = 0; i < 20; ++i) {
    RC_ASSERT(rng.uniform_u64(bound) < bound);
  }
}

RC_GTEST_PROP(RngProperty, UniformIntStaysWithinInclusiveRange, ()) {
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  int64_t lo = *any_int64();
  int64_t hi = *any_int64();
  if (lo > hi) {
    std::swap(lo, hi);
  }
  Rng rng(seed);
  for (int i = 0; i < 20; ++i) {
    const int64_t x = rng.uniform_int(lo, hi);
    RC_ASSERT(x >= lo);
    RC_ASSERT(x <= hi);
  }
}

RC_GTEST_PROP(RngProperty, UniformRealStaysInHalfOpenUnitInterval, (uint64_t seed)) {
  Rng rng(seed);
  for (int i = 0; i < 50; ++i) {
    const double x = rng.uniform_real();
    RC_ASSERT(x >= 0.0);
    RC_ASSERT(x < 1.0);
  }
}

RC_GTEST_PROP(RngProperty, UniformRealStaysInHalfOpenRange, ()) {
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  double lo = *any_finite_double();
  double hi = *any_finite_double();
  RC_PRE(lo != hi);
  if (lo > hi) {
    std::swap(lo, hi);
  }
  Rng rng(seed);
  for (int i = 0; i < 20; ++i) {
    const double x = rng.uniform_real(lo, hi);
    RC_ASSERT(x >= lo);
    RC_ASSERT(x < hi);
  }
}

RC_GTEST_PROP(RngProperty, ExponentialIsFiniteAndNonNegative, ()) {
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  const double mean = *rc::gen::suchThat(any_finite_double(), [](double m) { return m > 0.0; });
  Rng rng(seed);
  for (int i = 0; i < 20; ++i) {
    const double x = rng.exponential(mean);
    RC_ASSERT(std::isfinite(x));
    RC_ASSERT(x >= 0.0);
  }
}

RC_GTEST_PROP(RngProperty, LognormalIsFiniteAndPositive, (uint64_t seed)) {
  // Sane parameters: |mu| <= 100, sigma <= 10 keeps exp() far from under- and overflow.
  const double mu = static_cast<double>(*rc::gen::inRange<int>(-100'000, 100'001)) / 1000.0;
  const double sigma = static_cast<double>(*rc::gen::inRange<int>(0, 10'001)) / 1000.0;
  Rng rng(seed);
  for (int i = 0; i < 20; ++i) {
    const double x = rng.lognormal(mu, sigma);
    RC_ASSERT(std::isfinite(x));
    RC_ASSERT(x > 0.0);
  }
}

RC_GTEST_PROP(RngProperty, BernoulliOfZeroIsFalseAndOfOneIsTrue, (uint64_t seed)) {
  Rng rng(seed);
  for (int i = 0; i < 20; ++i) {
    RC_ASSERT(!rng.bernoulli(0.0));
    RC_ASSERT(rng.bernoulli(1.0));
  }
}

RC_GTEST_PROP(RngProperty, ForkIsIndependentOfParentAndSiblingUse,
              (uint64_t seed, std::string name, std::string sibling)) {
  const size_t parent_draws = *rc::gen::inRange<size_t>(0, 200);
  const size_t sibling_draws = *rc::gen::inRange<size_t>(0, 200);
  const std::vector<uint64_t> expected = take(Rng(seed).fork(name), 8);

  Rng parent(seed);
  for (size_t i = 0; i < parent_draws; ++i) {
    parent.next_u64();
  }
  Rng sibling_stream = parent.fork(sibling);
  for (size_t i = 0; i < sibling_draws; ++i) {
    sibling_stream.next_u64();
  }
  RC_ASSERT(take(parent.fork(name), 8) == expected);
  // Using one fork of a name does not change a later fork of the same name.
  Rng used = parent.fork(name);
  used.uniform_int(0, 100);
  RC_ASSERT(take(parent.fork(name), 8) == expected);
}

RC_GTEST_PROP(RngProperty, ForksOfDifferentNamesDiffer, (uint64_t seed, std::string a, std::string b)) {
  RC_PRE(a != b);
  const Rng root(seed);
  RC_ASSERT(take(root.fork(a), 4) != take(root.fork(b), 4));
}

RC_GTEST_PROP(RngProperty, IndexedForksDifferAcrossIndices, (uint64_t seed, std::string name)) {
  const uint64_t i = *any_uint64();
  const uint64_t j = *any_uint64();
  RC_PRE(i != j);
  const Rng root(seed);
  RC_ASSERT(take(root.fork(name, i), 4) != take(root.fork(name, j), 4));
}

RC_GTEST_PROP(RngProperty, ShuffleIsAPermutation, (uint64_t seed, std::vector<int> items)) {
  std::vector<int> shuffled = items;
  Rng(seed).shuffle(std::span<int>(shuffled));
  std::vector<int> again = items;
  Rng(seed).shuffle(std::span<int>(again));
  RC_ASSERT(shuffled == again);
  std::sort(shuffled.begin(), shuffled.end());
  std::sort(items.begin(), items.end());
  RC_ASSERT(shuffled == items);
}

}  // namespace
}  // namespace consim::sim
