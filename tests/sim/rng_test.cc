#include "sim/rng.h"

#include <gtest/gtest.h>

namespace consim::sim {
namespace {

TEST(Rng, SameSeedSameSequence) {
  Rng a(7);
  Rng b(7);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(a.next_u64(), b.next_u64());
  }
}

}  // namespace
}  // namespace consim::sim
