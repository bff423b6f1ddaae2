// Tests for services/kv: get, put, delete and compare-and-swap with the revisions and versions
// etcd produces (a fresh store is at revision 1; the first write makes it 2).
#include "services/kv/kv_service.h"

#include <gtest/gtest.h>

#include <string>

#include "service_test_util.h"

namespace consim::services::kv {
namespace {

using testing::at;

class KvSemantics : public ::testing::Test {
 protected:
  Response apply(const Command& command, int64_t time_ms = 0) {
    Response response = service_.apply(command, at(++index_, time_ms));
    service_.state().check_invariants();
    return response;
  }

  static KeyValue kv(std::string key, std::string value, Revision create, Revision mod, int64_t version,
                     LeaseId lease = 0) {
    return KeyValue{std::move(key), std::move(value), create, mod, version, lease};
  }

  KvService service_;
  uint64_t index_ = 0;
};

TEST_F(KvSemantics, FreshStoreIsAtRevisionOneAndEmpty) {
  const Response response = apply(Get{"a"});
  EXPECT_EQ(response.code, Code::kOk);  // etcd: an absent key is no kvs, not an error
  EXPECT_EQ(response.revision, 1);
  EXPECT_FALSE(response.kv.has_value());
}

TEST_F(KvSemantics, PutCreatesThenUpdatesWithEtcdRevisionsAndVersions) {
  Response first = apply(Put{"a", "1"});
  EXPECT_EQ(first.code, Code::kOk);
  EXPECT_EQ(first.revision, 2);
  EXPECT_FALSE(first.prev_kv.has_value());

  Response second = apply(Put{"a", "2"});
  EXPECT_EQ(second.revision, 3);
  EXPECT_EQ(second.prev_kv, kv("a", "1", 2, 2, 1));

  apply(Put{"b", "x"});
  const Response get = apply(Get{"a"});
  EXPECT_EQ(get.revision, 4);
  EXPECT_EQ(get.kv, kv("a", "2", 2, 3, 2));
}

TEST_F(KvSemantics, PutOfTheSameValueStillWritesANewRevision) {
  apply(Put{"a", "1"});
  const Response again = apply(Put{"a", "1"});
  EXPECT_EQ(again.revision, 3);
  EXPECT_EQ(apply(Get{"a"}).kv, kv("a", "1", 2, 3, 2));
}

TEST_F(KvSemantics, DeleteEndsTheKeyAndAPutAfterItStartsAgainAtVersionOne) {
  apply(Put{"a", "1"});
  apply(Put{"a", "2"});
  const Response del = apply(Delete{"a"});
  EXPECT_EQ(del.code, Code::kOk);
  EXPECT_EQ(del.revision, 4);
  EXPECT_EQ(del.deleted, 1);
  EXPECT_EQ(del.prev_kv, kv("a", "2", 2, 3, 2));
  EXPECT_FALSE(apply(Get{"a"}).kv.has_value());

  apply(Put{"a", "3"});
  EXPECT_EQ(apply(Get{"a"}).kv, kv("a", "3", 5, 5, 1));
}

TEST_F(KvSemantics, DeleteOfAnAbsentKeyDoesNotIncrementTheRevision) {
  apply(Put{"a", "1"});
  const Response del = apply(Delete{"b"});
  EXPECT_EQ(del.code, Code::kOk);
  EXPECT_EQ(del.deleted, 0);
  EXPECT_EQ(del.revision, 2);
  EXPECT_FALSE(del.prev_kv.has_value());
  EXPECT_EQ(service_.revision(), 2);
}

TEST_F(KvSemantics, CasOnValueSwapsWhenItMatches) {
  apply(Put{"a", "1"});
  const Response cas = apply(Cas{"a", Compare{Compare::Target::kValue, "1", 0}, "2", 0});
  EXPECT_EQ(cas.code, Code::kOk);
  EXPECT_EQ(cas.revision, 3);
  EXPECT_EQ(cas.prev_kv, kv("a", "1", 2, 2, 1));
  EXPECT_EQ(apply(Get{"a"}).kv, kv("a", "2", 2, 3, 2));
}

TEST_F(KvSemantics, FailedCasChangesNothingAndReportsTheCurrentKey) {
  apply(Put{"a", "1"});
  const uint64_t before = service_.digest();
  const Response cas = apply(Cas{"a", Compare{Compare::Target::kValue, "0", 0}, "2", 0});
  EXPECT_EQ(cas.code, Code::kCompareFailed);
  EXPECT_EQ(cas.revision, 2);
  EXPECT_EQ(cas.kv, kv("a", "1", 2, 2, 1));
  EXPECT_FALSE(cas.prev_kv.has_value());
  EXPECT_EQ(service_.digest(), before);
}

TEST_F(KvSemantics, CasOnValueOfAnAbsentKeyAlwaysFails) {
  const Response cas = apply(Cas{"a", Compare{Compare::Target::kValue, "", 0}, "2", 0});
  EXPECT_EQ(cas.code, Code::kCompareFailed);
  EXPECT_EQ(cas.revision, 1);
  EXPECT_FALSE(cas.kv.has_value());
}

TEST_F(KvSemantics, CasOnVersionZeroCreatesOnlyIfAbsent) {
  const Compare absent{Compare::Target::kVersion, "", 0};
  const Response created = apply(Cas{"a", absent, "1", 0});
  EXPECT_EQ(created.code, Code::kOk);
  EXPECT_EQ(apply(Get{"a"}).kv, kv("a", "1", 2, 2, 1));
  EXPECT_EQ(apply(Cas{"a", absent, "2", 0}).code, Code::kCompareFailed);
}

TEST_F(KvSemantics, CasOnModAndCreateRevision) {
  apply(Put{"a", "1"});  // rev 2
  apply(Put{"a", "2"});  // rev 3
  EXPECT_EQ(apply(Cas{"a", Compare{Compare::Target::kModRevision, "", 2}, "x", 0}).code, Code::kCompareFailed);
  EXPECT_EQ(apply(Cas{"a", Compare{Compare::Target::kModRevision, "", 3}, "x", 0}).code, Code::kOk);  // rev 4
  EXPECT_EQ(apply(Cas{"a", Compare{Compare::Target::kCreateRevision, "", 3}, "y", 0}).code, Code::kCompareFailed);
  const Response by_create = apply(Cas{"a", Compare{Compare::Target::kCreateRevision, "", 2}, "y", 0});
  EXPECT_EQ(by_create.code, Code::kOk);
  EXPECT_EQ(by_create.revision, 5);
  EXPECT_EQ(apply(Get{"a"}).kv, kv("a", "y", 2, 5, 4));
  EXPECT_EQ(apply(Cas{"a", Compare{Compare::Target::kVersion, "", 4}, "z", 0}).code, Code::kOk);
}

TEST_F(KvSemantics, EmptyKeyIsAnInvalidArgument) {
  EXPECT_EQ(apply(Put{"", "1"}).code, Code::kInvalidArgument);
  EXPECT_EQ(apply(Get{""}).code, Code::kInvalidArgument);
  EXPECT_EQ(apply(Delete{""}).code, Code::kInvalidArgument);
  EXPECT_EQ(apply(Cas{"", Compare{Compare::Target::kVersion, "", 0}, "1", 0}).code, Code::kInvalidArgument);
  EXPECT_EQ(service_.revision(), 1);
}

TEST_F(KvSemantics, LocalReadAgreesWithAReadThroughTheLog) {
  apply(Put{"a", "1"});
  apply(Put{"b", "2"});
  const Response local = service_.read(Get{"a"});
  EXPECT_EQ(apply(Get{"a"}), local);
  EXPECT_EQ(service_.read(Get{"zz"}), apply(Get{"zz"}));
  EXPECT_EQ(service_.read(Command{Get{"b"}}), apply(Get{"b"}));
}

TEST_F(KvSemantics, ReadsDoNotChangeTheDigest) {
  apply(Put{"a", "1"});
  const uint64_t before = service_.digest();
  apply(Get{"a"});
  apply(Get{"b"});
  EXPECT_EQ(service_.digest(), before);
  EXPECT_EQ(service_.applied_index(), 3U);
}

TEST_F(KvSemantics, SnapshotRestoresAnEqualStateThatContinuesIdentically) {
  apply(Put{"a", "1"});
  apply(LeaseGrant{1000}, 5);
  apply(Put{"b", "2", 1});
  const Snapshot snapshot = service_.snapshot();

  KvService restored;
  restored.restore(snapshot);
  EXPECT_EQ(restored.digest(), service_.digest());
  EXPECT_EQ(restored.state(), service_.state());

  const Command next[] = {Put{"a", "3"}, Delete{"b"}, LeaseExpire{1}, Get{"a"}};
  for (const Command& command : next) {
    ++index_;
    EXPECT_EQ(restored.apply(command, at(index_, 2000)), service_.apply(command, at(index_, 2000)));
  }
  EXPECT_EQ(restored.digest(), service_.digest());
}

TEST_F(KvSemantics, SnapshotIsNotChangedByLaterCommands) {
  apply(Put{"a", "1"});
  const Snapshot snapshot = service_.snapshot();
  const uint64_t digest = snapshot->digest();
  apply(Put{"a", "2"});
  EXPECT_EQ(snapshot->digest(), digest);
  EXPECT_EQ(snapshot->keys.at("a").value, "1");
  EXPECT_NE(service_.digest(), digest);
}

TEST_F(KvSemantics, RestoringNullGivesTheInitialState) {
  apply(Put{"a", "1"});
  service_.restore(nullptr);
  EXPECT_EQ(service_.digest(), KvService().digest());
  EXPECT_EQ(service_.revision(), 1);
}

TEST_F(KvSemantics, SameCommandsGiveTheSameDigestAndDifferentOnesDoNot) {
  const Command commands[] = {Put{"a", "1"}, Put{"b", "2"}, Cas{"a", Compare{Compare::Target::kValue, "1", 0}, "3", 0},
                              Delete{"b"}};
  KvService one;
  KvService two;
  uint64_t index = 0;
  for (const Command& command : commands) {
    ++index;
    one.apply(command, at(index));
    two.apply(command, at(index));
  }
  EXPECT_EQ(one.digest(), two.digest());
  two.apply(Put{"b", "2"}, at(++index));
  EXPECT_NE(one.digest(), two.digest());
}

TEST_F(KvSemantics, DigestIsPinned) {
  // Integer-only hashing: the same on every compiler and platform. Update deliberately.
  apply(Put{"a", "1"});
  apply(LeaseGrant{1000}, 5);
  apply(Put{"b", "2", 1});
  EXPECT_EQ(KvService().digest(), 0xc1b5dd44d3036739ULL);
  EXPECT_EQ(service_.digest(), 0x206e6427f61f8543ULL);
}

TEST(KvSemanticsDeathTest, CommandsMustComeInLogOrder) {
  KvService service;
  service.apply(Put{"a", "1"}, at(5));
  EXPECT_DEATH(service.apply(Put{"a", "2"}, at(5)), "log order");
}

}  // namespace
}  // namespace consim::services::kv
