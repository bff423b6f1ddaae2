// Tests for services/znode/paths: ZooKeeper's path rules and sequential suffixes.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "services/znode/paths.h"

namespace consim::services::znode {
namespace {

TEST(ZnodePaths, AcceptsWhatZooKeeperAccepts) {
  for (const char* path : {"/", "/a", "/a/b", "/a-b_c.d", "/zookeeper/quota", "/a/..b", "/a/b.", "/\xc3\xa9"}) {
    EXPECT_EQ(validate_path(path), "") << path;
  }
}

TEST(ZnodePaths, RejectsWhatZooKeeperRejects) {
  EXPECT_EQ(validate_path(""), "path must not be empty");
  EXPECT_EQ(validate_path("a"), "path must start with /");
  EXPECT_EQ(validate_path("/a/"), "path must not end with /");
  EXPECT_EQ(validate_path("//a"), "empty node name at position 1");
  EXPECT_EQ(validate_path("/a//b"), "empty node name at position 3");
  EXPECT_EQ(validate_path("/a/./b"), "relative paths are not allowed");
  EXPECT_EQ(validate_path("/.."), "relative paths are not allowed");
  EXPECT_EQ(validate_path(std::string("/a\0b", 4)), "invalid character in node name");
  EXPECT_EQ(validate_path("/a\tb"), "invalid character in node name");
  EXPECT_EQ(validate_path("/a\x7f"), "invalid character in node name");
}

TEST(ZnodePaths, ParentAndName) {
  EXPECT_EQ(parent_of("/a/b/c"), "/a/b");
  EXPECT_EQ(parent_of("/a"), "/");
  EXPECT_EQ(parent_of("/a/"), "/a");  // the prefix of a sequential create
  EXPECT_EQ(parent_of("/"), "/");
  EXPECT_EQ(name_of("/a/b/c"), "c");
  EXPECT_EQ(name_of("/a"), "a");
}

TEST(ZnodePaths, SequentialSuffixIsJavasPercent010d) {
  EXPECT_EQ(sequential_suffix(0), "0000000000");
  EXPECT_EQ(sequential_suffix(7), "0000000007");
  EXPECT_EQ(sequential_suffix(1234567890), "1234567890");
  EXPECT_EQ(sequential_suffix(std::numeric_limits<int32_t>::max()), "2147483647");
  EXPECT_EQ(sequential_suffix(-1), "-000000001");
  EXPECT_EQ(sequential_suffix(std::numeric_limits<int32_t>::min()), "-2147483648");
}

}  // namespace
}  // namespace consim::services::znode
