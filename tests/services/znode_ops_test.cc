// Tests for services/znode: create, delete, set_data, the reads and sync, with the stats and
// errors ZooKeeper produces (research/zab.md §b.1, §b.2).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "znode_fixture.h"

namespace consim::services::znode {
namespace {

class ZnodeOps : public ZnodeFixture {};

TEST_F(ZnodeOps, FreshTreeHoldsZooKeepersOwnNodes) {
  const Response children = apply(GetChildren{"/"});
  EXPECT_EQ(children.code, Code::kOk);
  EXPECT_EQ(children.children, (std::vector<std::string>{"zookeeper"}));
  EXPECT_EQ(apply(GetChildren{"/zookeeper"}).children, (std::vector<std::string>{"config", "quota"}));
  EXPECT_EQ(children.stat->num_children, 1);
  EXPECT_EQ(children.stat->cversion, 0);
}

TEST_F(ZnodeOps, CreateSetsEveryStatFieldAndUpdatesTheParent) {
  const Response created = apply(Create{"/a", "xyz", CreateMode::kPersistent}, 0, 5);
  ASSERT_EQ(created.code, Code::kOk);
  EXPECT_EQ(created.zxid, 1);
  EXPECT_EQ(created.path, "/a");
  Stat expected;
  expected.czxid = expected.mzxid = expected.pzxid = 1;
  expected.ctime_ms = expected.mtime_ms = 5;
  expected.data_length = 3;
  EXPECT_EQ(created.stat, expected);
  EXPECT_EQ(node("/a").stat, expected);

  const Stat& root = node("/").stat;
  EXPECT_EQ(root.cversion, 1);
  EXPECT_EQ(root.pzxid, 1);
  EXPECT_EQ(root.num_children, 2);
  EXPECT_EQ(root.mzxid, 0);  // a child create is not a write of the parent's data
  EXPECT_EQ(root.version, 0);
}

TEST_F(ZnodeOps, CreateErrorsInZooKeepersOrder) {
  make("/a");
  EXPECT_EQ(apply(Create{"/a", "", CreateMode::kPersistent}).code, Code::kNodeExists);
  EXPECT_EQ(apply(Create{"/", "", CreateMode::kPersistent}).code, Code::kNodeExists);
  EXPECT_EQ(apply(Create{"/x/y", "", CreateMode::kPersistent}).code, Code::kNoNode);
  EXPECT_EQ(apply(Create{"a", "", CreateMode::kPersistent}).code, Code::kBadArguments);
  EXPECT_EQ(apply(Create{"/a/", "", CreateMode::kPersistent}).code, Code::kBadArguments);
  EXPECT_EQ(apply(Create{"/x//y", "", CreateMode::kPersistent}).code, Code::kBadArguments);  // before NoNode
  EXPECT_EQ(apply(Create{"/e", "", CreateMode::kEphemeral}).code, Code::kBadArguments);      // no session
}

TEST_F(ZnodeOps, FailedWritesTakeAZxidButChangeNothing) {
  make("/a");
  const uint64_t before = service_.digest();
  const Response failed = apply(Create{"/a", "", CreateMode::kPersistent});
  EXPECT_EQ(failed.code, Code::kNodeExists);
  EXPECT_EQ(failed.zxid, 2);
  EXPECT_EQ(apply(SetData{"/a", "x", 3}).code, Code::kBadVersion);
  EXPECT_EQ(apply(Delete{"/b", kAnyVersion}).code, Code::kNoNode);
  EXPECT_EQ(service_.digest(), before);
  EXPECT_EQ(service_.last_zxid(), 4);
}

TEST_F(ZnodeOps, SequentialNamesComeFromTheParentsCversion) {
  make("/q");
  EXPECT_EQ(apply(Create{"/q/job-", "", CreateMode::kPersistentSequential}).path, "/q/job-0000000000");
  EXPECT_EQ(apply(Create{"/q/job-", "", CreateMode::kPersistentSequential}).path, "/q/job-0000000001");
  make("/q/other");  // any child create counts
  EXPECT_EQ(apply(Create{"/q/job-", "", CreateMode::kPersistentSequential}).path, "/q/job-0000000003");
  EXPECT_EQ(node("/q").stat.cversion, 4);
}

TEST_F(ZnodeOps, DeleteLeavesTheCversionSoSequentialNamesNeverRepeat) {
  make("/q");
  const std::string first = apply(Create{"/q/n", "", CreateMode::kPersistentSequential}).path;
  EXPECT_EQ(first, "/q/n0000000000");
  const Response deleted = apply(Delete{first, kAnyVersion});
  EXPECT_EQ(deleted.code, Code::kOk);
  EXPECT_EQ(node("/q").stat.cversion, 1);
  EXPECT_EQ(node("/q").stat.pzxid, 3);  // the delete's zxid
  EXPECT_EQ(node("/q").stat.num_children, 0);
  EXPECT_EQ(apply(Create{"/q/n", "", CreateMode::kPersistentSequential}).path, "/q/n0000000001");
}

TEST_F(ZnodeOps, SequentialPrefixMayEndWithASlash) {
  make("/q");
  EXPECT_EQ(apply(Create{"/q/", "", CreateMode::kPersistentSequential}).path, "/q/0000000000");
  EXPECT_EQ(apply(Create{"/", "", CreateMode::kPersistentSequential}).path, "/0000000001");
}

TEST_F(ZnodeOps, SetDataBumpsVersionAndMzxidOnly) {
  apply(Create{"/a", "1", CreateMode::kPersistent}, 0, 10);
  const Response set = apply(SetData{"/a", "22", 0}, 0, 20);
  ASSERT_EQ(set.code, Code::kOk);
  EXPECT_EQ(set.stat->version, 1);
  EXPECT_EQ(set.stat->mzxid, 2);
  EXPECT_EQ(set.stat->czxid, 1);
  EXPECT_EQ(set.stat->pzxid, 1);
  EXPECT_EQ(set.stat->mtime_ms, 20);
  EXPECT_EQ(set.stat->ctime_ms, 10);
  EXPECT_EQ(set.stat->data_length, 2);
  EXPECT_EQ(apply(SetData{"/a", "3", 0}).code, Code::kBadVersion);
  EXPECT_EQ(apply(SetData{"/a", "3", kAnyVersion}).stat->version, 2);
  EXPECT_EQ(apply(SetData{"/missing", "3", kAnyVersion}).code, Code::kNoNode);
  EXPECT_EQ(apply(GetData{"/a"}).data, "3");
}

TEST_F(ZnodeOps, DeleteChecksBadVersionBeforeNotEmpty) {
  make("/a");
  make("/a/b");
  EXPECT_EQ(apply(Delete{"/a", 5}).code, Code::kBadVersion);
  EXPECT_EQ(apply(Delete{"/a", 0}).code, Code::kNotEmpty);
  EXPECT_EQ(apply(Delete{"/a", kAnyVersion}).code, Code::kNotEmpty);
  EXPECT_EQ(apply(Delete{"/a/b", 0}).code, Code::kOk);
  EXPECT_EQ(apply(Delete{"/a", 0}).code, Code::kOk);
  EXPECT_EQ(apply(Delete{"/a", kAnyVersion}).code, Code::kNoNode);
}

TEST_F(ZnodeOps, ZooKeepersOwnNodesCannotBeDeleted) {
  for (const char* path : {"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"}) {
    EXPECT_EQ(apply(Delete{path, kAnyVersion}).code, Code::kBadArguments) << path;
  }
}

TEST_F(ZnodeOps, EphemeralsCannotHaveChildren) {
  const SessionId session = apply(CreateSession{10'000}).session;
  ASSERT_EQ(apply(Create{"/e", "", CreateMode::kEphemeral}, session).code, Code::kOk);
  EXPECT_EQ(node("/e").stat.ephemeral_owner, session);
  EXPECT_EQ(apply(Create{"/e/c", "", CreateMode::kPersistent}).code, Code::kNoChildrenForEphemerals);
  EXPECT_EQ(apply(Create{"/e/c", "", CreateMode::kEphemeralSequential}, session).code, Code::kNoChildrenForEphemerals);
  EXPECT_EQ(node("/e").stat.cversion, 0);
}

TEST_F(ZnodeOps, ReadsReportDataStatAndSortedChildren) {
  make("/p");
  make("/p/b");
  make("/p/c");
  make("/p/a");
  const Response children = apply(GetChildren{"/p"});
  EXPECT_EQ(children.children, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(children.stat->num_children, 3);
  EXPECT_EQ(apply(GetChildren{"/nope"}).code, Code::kNoNode);
  EXPECT_EQ(apply(GetData{"/nope"}).code, Code::kNoNode);
  EXPECT_EQ(apply(GetData{"bad"}).code, Code::kBadArguments);

  const Response present = apply(Exists{"/p/a"});
  EXPECT_EQ(present.code, Code::kOk);
  EXPECT_EQ(present.stat->czxid, 4);
  const Response absent = apply(Exists{"/p/z"});
  EXPECT_EQ(absent.code, Code::kOk);  // a null Stat, not an error
  EXPECT_FALSE(absent.stat.has_value());
}

TEST_F(ZnodeOps, LocalReadsMatchReadsThroughTheLogExceptForTheirZxid) {
  apply(Create{"/a", "x", CreateMode::kPersistent});
  const Command get{0, GetData{"/a"}};
  Response local = service_.read(get);
  EXPECT_EQ(local.zxid, 1);  // the last applied zxid
  Response logged = apply(GetData{"/a"});
  EXPECT_EQ(logged.zxid, 2);
  local.zxid = logged.zxid = 0;
  EXPECT_EQ(local, logged);
}

TEST_F(ZnodeOps, SyncIsAnOrderedNoOp) {
  make("/a");
  const uint64_t before = service_.digest();
  const Response sync = apply(Sync{"/a"});
  EXPECT_EQ(sync.code, Code::kOk);
  EXPECT_EQ(sync.zxid, 2);
  EXPECT_EQ(sync.path, "/a");
  EXPECT_EQ(service_.digest(), before);
  EXPECT_EQ(service_.last_zxid(), 2);
}

TEST_F(ZnodeOps, SnapshotRestoresAnEqualStateThatContinuesIdentically) {
  const SessionId session = apply(CreateSession{1000}).session;
  make("/q");
  apply(Create{"/q/e", "", CreateMode::kEphemeralSequential}, session);
  ZnodeService restored;
  restored.restore(service_.snapshot());
  EXPECT_EQ(restored.digest(), service_.digest());
  EXPECT_EQ(restored.state(), service_.state());
  const Command next[] = {
      {0, Create{"/q/p", "", CreateMode::kPersistentSequential}}, {session, ExpireSession{}}, {0, GetChildren{"/q"}}};
  for (const Command& command : next) {
    ++zxid_;
    EXPECT_EQ(restored.apply(command, testing::at(zxid_, 5000)), service_.apply(command, testing::at(zxid_, 5000)));
  }
  EXPECT_EQ(restored.digest(), service_.digest());
}

TEST_F(ZnodeOps, DigestIsPinned) {
  // Integer-only hashing: the same on every compiler and platform. Update deliberately.
  const SessionId session = apply(CreateSession{1000}).session;
  apply(Create{"/a", "x", CreateMode::kPersistent}, 0, 3);
  apply(Create{"/a/e", "y", CreateMode::kEphemeralSequential}, session, 4);
  EXPECT_EQ(ZnodeService().digest(), 0x4dfc06b0a02f7592ULL);
  EXPECT_EQ(service_.digest(), 0x7be45e55b89b1453ULL);
}

TEST(ZnodeOpsDeathTest, CommandsMustComeInZxidOrder) {
  ZnodeService service;
  service.apply(Command{0, Sync{"/"}}, testing::at(5));
  EXPECT_DEATH(service.apply(Command{0, Sync{"/"}}, testing::at(4)), "zxid order");
}

}  // namespace
}  // namespace consim::services::znode
