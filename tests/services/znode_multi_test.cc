// Tests for services/znode multi: all or nothing at one zxid, per-op results, and ZooKeeper's
// error reporting (research/zab.md §b.3).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "znode_fixture.h"

namespace consim::services::znode {
namespace {

class ZnodeMulti : public ZnodeFixture {};

TEST_F(ZnodeMulti, SuccessfulMultiAppliesEveryOpAtOneZxid) {
  const Response multi = apply(Multi{{
      Create{"/m", "a", CreateMode::kPersistent},
      Create{"/m/s-", "", CreateMode::kPersistentSequential},
      Create{"/m/s-", "", CreateMode::kPersistentSequential},
      SetData{"/m", "b", 0},
      Check{"/m", 1},
  }});
  ASSERT_EQ(multi.code, Code::kOk);
  EXPECT_EQ(multi.zxid, 1);
  ASSERT_EQ(multi.results.size(), 5U);
  EXPECT_EQ(multi.results[0].path, "/m");
  EXPECT_EQ(multi.results[1].path, "/m/s-0000000000");
  EXPECT_EQ(multi.results[2].path, "/m/s-0000000001");
  EXPECT_EQ(multi.results[3].stat->version, 1);
  EXPECT_EQ(multi.results[4], OpResult{});
  const Stat& stat = node("/m").stat;
  EXPECT_EQ(stat.czxid, 1);
  EXPECT_EQ(stat.mzxid, 1);
  EXPECT_EQ(stat.pzxid, 1);
  EXPECT_EQ(stat.cversion, 2);
  EXPECT_EQ(node("/m").data, "b");
}

TEST_F(ZnodeMulti, FailedMultiChangesNothingAndReportsTheFirstError) {
  make("/a");
  const uint64_t before = service_.digest();
  const Response multi = apply(Multi{{
      Create{"/n", "", CreateMode::kPersistent},
      Delete{"/a", kAnyVersion},
      SetData{"/missing", "x", kAnyVersion},
      Create{"/o", "", CreateMode::kPersistent},
      Check{"/also-missing", kAnyVersion},
  }});
  EXPECT_EQ(multi.code, Code::kNoNode);
  EXPECT_EQ(multi.zxid, 2);  // a failed multi still takes a zxid
  const std::vector<OpResult> expected = {
      OpResult{Code::kOk, {}, std::nullopt},
      OpResult{Code::kOk, {}, std::nullopt},
      OpResult{Code::kNoNode, {}, std::nullopt},
      OpResult{Code::kRuntimeInconsistency, {}, std::nullopt},
      OpResult{Code::kRuntimeInconsistency, {}, std::nullopt},
  };
  EXPECT_EQ(multi.results, expected);
  EXPECT_FALSE(exists("/n"));
  EXPECT_TRUE(exists("/a"));
  EXPECT_EQ(service_.digest(), before);
}

TEST_F(ZnodeMulti, LaterOpsSeeTheEffectsOfEarlierOnes) {
  make("/a");
  const Response multi = apply(Multi{{
      Delete{"/a", 0},
      Create{"/a", "again", CreateMode::kPersistent},
      Check{"/a", 0},
      SetData{"/a", "x", 0},
  }});
  EXPECT_EQ(multi.code, Code::kOk);
  EXPECT_EQ(node("/a").stat.czxid, 2);
  EXPECT_EQ(node("/a").stat.version, 1);
}

TEST_F(ZnodeMulti, RollbackRestoresDeletedEphemeralsAndTheirOwner) {
  const SessionId session = apply(CreateSession{10'000}).session;
  make("/q");
  apply(Create{"/q/e", "", CreateMode::kEphemeral}, session);
  const uint64_t before_tree = service_.state().tree.digest();
  const Response multi = apply(Multi{{
                                   Delete{"/q/e", kAnyVersion},
                                   Create{"/q/e2", "", CreateMode::kEphemeral},
                                   Create{"/q/s", "", CreateMode::kPersistentSequential},
                                   Check{"/q", 7},
                               }},
                               session);
  EXPECT_EQ(multi.code, Code::kBadVersion);
  EXPECT_EQ(service_.state().tree.digest(), before_tree);
  EXPECT_EQ(node("/q").stat.cversion, 1);
  EXPECT_EQ(service_.state().tree.ephemerals(session), (std::vector<std::string>{"/q/e"}));
  EXPECT_EQ(apply(CloseSession{}, session).deleted, (std::vector<std::string>{"/q/e"}));
}

TEST_F(ZnodeMulti, NoChildrenForEphemeralsInsideAMulti) {
  const SessionId session = apply(CreateSession{10'000}).session;
  const Response multi = apply(Multi{{
                                   Create{"/e", "", CreateMode::kEphemeral},
                                   Create{"/e/c", "", CreateMode::kPersistent},
                               }},
                               session);
  EXPECT_EQ(multi.code, Code::kNoChildrenForEphemerals);
  EXPECT_EQ(multi.results[0].code, Code::kOk);
  EXPECT_EQ(multi.results[1].code, Code::kNoChildrenForEphemerals);
  EXPECT_FALSE(exists("/e"));
}

TEST_F(ZnodeMulti, EmptyMultiSucceeds) {
  const Response multi = apply(Multi{});
  EXPECT_EQ(multi.code, Code::kOk);
  EXPECT_TRUE(multi.results.empty());
}

TEST_F(ZnodeMulti, MultiOfAClosedSessionFailsAsAWhole) {
  const SessionId session = apply(CreateSession{10'000}).session;
  apply(CloseSession{}, session);
  const Response multi = apply(Multi{{Create{"/a", "", CreateMode::kPersistent}}}, session);
  EXPECT_EQ(multi.code, Code::kSessionExpired);
  EXPECT_TRUE(multi.results.empty());
  EXPECT_FALSE(exists("/a"));
}

}  // namespace
}  // namespace consim::services::znode
