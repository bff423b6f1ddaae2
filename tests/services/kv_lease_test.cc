// Tests for services/kv leases: grant, attach on put, keep-alive, revoke, and expiry as a
// replicated command that a stale leader cannot get wrong.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "service_test_util.h"
#include "services/kv/kv_service.h"

namespace consim::services::kv {
namespace {

using testing::at;
using testing::ms_to_ns;

class KvLeases : public ::testing::Test {
 protected:
  Response apply(const Command& command, int64_t time_ms = 0) {
    Response response = service_.apply(command, at(++index_, time_ms));
    service_.state().check_invariants();
    return response;
  }

  KvService service_;
  uint64_t index_ = 0;
};

TEST_F(KvLeases, GrantChoosesIdsInOrderAndSetsTheDeadlineFromTheTimestamp) {
  const Response first = apply(LeaseGrant{5000}, 1000);
  EXPECT_EQ(first.code, Code::kOk);
  EXPECT_EQ(first.lease, 1);
  EXPECT_EQ(first.ttl_ms, 5000);
  EXPECT_EQ(first.revision, 1);  // leases are not in the MVCC store
  EXPECT_EQ(apply(LeaseGrant{100}, 1000).lease, 2);
  EXPECT_EQ(service_.state().leases.at(1).deadline_ns, ms_to_ns(6000));
}

TEST_F(KvLeases, GrantRejectsTtlsOutOfRange) {
  EXPECT_EQ(apply(LeaseGrant{0}).code, Code::kInvalidArgument);
  EXPECT_EQ(apply(LeaseGrant{-5}).code, Code::kInvalidArgument);
  EXPECT_EQ(apply(LeaseGrant{kLeaseTtlMsMax + 1}).code, Code::kInvalidArgument);
  EXPECT_EQ(apply(LeaseGrant{kLeaseTtlMsMax}, 1'000'000'000'000).code, Code::kOk);  // saturates, never wraps
  EXPECT_TRUE(service_.expired_leases(INT64_MAX - 1).empty());
}

TEST_F(KvLeases, PutWithAnUnknownLeaseFailsAndChangesNothing) {
  const Response put = apply(Put{"a", "1", 7});
  EXPECT_EQ(put.code, Code::kLeaseNotFound);
  EXPECT_EQ(put.revision, 1);
  EXPECT_TRUE(service_.state().keys.empty());
}

TEST_F(KvLeases, PutAttachesAndAPutWithoutALeaseDetaches) {
  apply(LeaseGrant{5000});
  apply(LeaseGrant{5000});
  apply(Put{"a", "1", 1});
  EXPECT_EQ(service_.state().leases.at(1).keys, (std::set<std::string>{"a"}));
  EXPECT_EQ(apply(Get{"a"}).kv->lease, 1);

  apply(Put{"a", "2", 2});  // moves to lease 2
  EXPECT_TRUE(service_.state().leases.at(1).keys.empty());
  EXPECT_EQ(service_.state().leases.at(2).keys, (std::set<std::string>{"a"}));

  apply(Put{"a", "3"});  // etcd: a put without a lease drops the key's lease
  EXPECT_TRUE(service_.state().leases.at(2).keys.empty());
  EXPECT_EQ(apply(Get{"a"}).kv->lease, 0);
}

TEST_F(KvLeases, CasChecksTheLeaseOnlyWhenTheCompareHolds) {
  apply(Put{"a", "1"});
  const Compare matches{Compare::Target::kValue, "1", 0};
  const Compare differs{Compare::Target::kValue, "0", 0};
  EXPECT_EQ(apply(Cas{"a", differs, "2", 9}).code, Code::kCompareFailed);
  const Response cas = apply(Cas{"a", matches, "2", 9});
  EXPECT_EQ(cas.code, Code::kLeaseNotFound);
  EXPECT_EQ(cas.revision, 2);
  apply(LeaseGrant{1000});
  EXPECT_EQ(apply(Cas{"a", matches, "2", 1}).code, Code::kOk);
  EXPECT_EQ(service_.state().leases.at(1).keys.count("a"), 1U);
}

TEST_F(KvLeases, RevokeDeletesTheAttachedKeysAtOneRevision) {
  apply(LeaseGrant{5000});
  apply(Put{"a", "1", 1});  // rev 2
  apply(Put{"b", "2", 1});  // rev 3
  apply(Put{"c", "3"});     // rev 4
  const Response revoke = apply(LeaseRevoke{1});
  EXPECT_EQ(revoke.code, Code::kOk);
  EXPECT_EQ(revoke.deleted, 2);
  EXPECT_EQ(revoke.revision, 5);
  EXPECT_FALSE(apply(Get{"a"}).kv.has_value());
  EXPECT_FALSE(apply(Get{"b"}).kv.has_value());
  EXPECT_TRUE(apply(Get{"c"}).kv.has_value());
  EXPECT_TRUE(service_.state().leases.empty());
  EXPECT_EQ(apply(LeaseRevoke{1}).code, Code::kLeaseNotFound);
}

TEST_F(KvLeases, RevokingALeaseWithoutKeysDoesNotIncrementTheRevision) {
  apply(LeaseGrant{5000});
  const Response revoke = apply(LeaseRevoke{1});
  EXPECT_EQ(revoke.code, Code::kOk);
  EXPECT_EQ(revoke.deleted, 0);
  EXPECT_EQ(revoke.revision, 1);
}

TEST_F(KvLeases, DeletedKeyLeavesItsLease) {
  apply(LeaseGrant{5000});
  apply(Put{"a", "1", 1});
  apply(Delete{"a"});
  EXPECT_TRUE(service_.state().leases.at(1).keys.empty());
  EXPECT_EQ(apply(LeaseRevoke{1}).revision, 3);  // nothing left to delete
}

TEST_F(KvLeases, KeepAliveMovesTheDeadlineButNeverEarlier) {
  apply(LeaseGrant{5000}, 1000);
  const Response keep_alive = apply(LeaseKeepAlive{1}, 4000);
  EXPECT_EQ(keep_alive.code, Code::kOk);
  EXPECT_EQ(keep_alive.lease, 1);
  EXPECT_EQ(keep_alive.ttl_ms, 5000);
  EXPECT_EQ(service_.state().leases.at(1).deadline_ns, ms_to_ns(9000));
  apply(LeaseKeepAlive{1}, 2000);  // a new leader whose clock is behind
  EXPECT_EQ(service_.state().leases.at(1).deadline_ns, ms_to_ns(9000));
  EXPECT_EQ(apply(LeaseKeepAlive{2}).code, Code::kLeaseNotFound);
}

TEST_F(KvLeases, ExpiredLeasesListsThoseAtOrPastTheirDeadlineInIdOrder) {
  apply(LeaseGrant{3000}, 0);  // deadline 3000
  apply(LeaseGrant{1000}, 0);  // deadline 1000
  apply(LeaseGrant{2000}, 0);  // deadline 2000
  EXPECT_TRUE(service_.expired_leases(999'999'999).empty());
  EXPECT_EQ(service_.expired_leases(ms_to_ns(1000)), (std::vector<LeaseId>{2}));
  EXPECT_EQ(service_.expired_leases(ms_to_ns(2500)), (std::vector<LeaseId>{2, 3}));
  EXPECT_EQ(service_.expired_leases(ms_to_ns(3000)), (std::vector<LeaseId>{1, 2, 3}));
}

TEST_F(KvLeases, ExpiryPastTheDeadlineDeletesTheKeys) {
  apply(LeaseGrant{1000}, 0);
  apply(Put{"a", "1", 1});
  const Response expire = apply(LeaseExpire{1}, 1000);
  EXPECT_EQ(expire.code, Code::kOk);
  EXPECT_TRUE(expire.expired);
  EXPECT_EQ(expire.deleted, 1);
  EXPECT_EQ(expire.revision, 3);
  EXPECT_FALSE(apply(Get{"a"}).kv.has_value());
  EXPECT_TRUE(service_.expired_leases(INT64_MAX).empty());
}

// The leader saw lease 1 past its deadline at t=1000 and proposed the expiry, but a keep-alive
// was ordered before it: the expiry must do nothing.
TEST_F(KvLeases, StaleExpiryAfterAKeepAliveIsANoOp) {
  apply(LeaseGrant{1000}, 0);
  apply(Put{"a", "1", 1});
  EXPECT_EQ(service_.expired_leases(ms_to_ns(1000)), (std::vector<LeaseId>{1}));
  apply(LeaseKeepAlive{1}, 900);
  const uint64_t before = service_.digest();
  const Response expire = apply(LeaseExpire{1}, 1000);
  EXPECT_EQ(expire.code, Code::kOk);
  EXPECT_FALSE(expire.expired);
  EXPECT_EQ(expire.deleted, 0);
  EXPECT_EQ(expire.revision, 2);
  EXPECT_EQ(service_.digest(), before);
  EXPECT_TRUE(apply(Get{"a"}).kv.has_value());
}

// A deposed leader whose clock runs fast proposes an expiry stamped before the deadline.
TEST_F(KvLeases, ExpiryStampedBeforeTheDeadlineIsANoOp) {
  apply(LeaseGrant{1000}, 0);
  const Response expire = apply(LeaseExpire{1}, 999);
  EXPECT_EQ(expire.code, Code::kOk);
  EXPECT_FALSE(expire.expired);
  EXPECT_EQ(service_.state().leases.size(), 1U);
}

TEST_F(KvLeases, ExpiryTakesEffectExactlyAtTheDeadline) {
  apply(LeaseGrant{1000}, 0);
  EXPECT_FALSE(service_.apply(LeaseExpire{1}, ApplyContext{++index_, ms_to_ns(1000) - 1}).expired);
  EXPECT_TRUE(service_.apply(LeaseExpire{1}, ApplyContext{++index_, ms_to_ns(1000)}).expired);
}

TEST_F(KvLeases, ExpiryOfALeaseAlreadyGoneIsANoOp) {
  apply(LeaseGrant{1000}, 0);
  apply(LeaseRevoke{1});
  const uint64_t before = service_.digest();
  const Response expire = apply(LeaseExpire{1}, 5000);
  EXPECT_EQ(expire.code, Code::kLeaseNotFound);
  EXPECT_FALSE(expire.expired);
  EXPECT_EQ(service_.digest(), before);
  EXPECT_EQ(apply(LeaseExpire{42}, 5000).code, Code::kLeaseNotFound);
}

}  // namespace
}  // namespace consim::services::kv
