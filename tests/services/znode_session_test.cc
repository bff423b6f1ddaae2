// Tests for services/znode sessions: ids, ephemerals deleted on close and on expiry, expiry as
// a replicated command that a stale leader cannot get wrong, and touches.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "znode_fixture.h"

namespace consim::services::znode {
namespace {

using testing::ms_to_ns;

class ZnodeSessions : public ZnodeFixture {};

TEST_F(ZnodeSessions, CreateSessionChoosesIdsInOrder) {
  const Response first = apply(CreateSession{3000}, 0, 1000);
  EXPECT_EQ(first.code, Code::kOk);
  EXPECT_EQ(first.session, 1);
  EXPECT_EQ(first.timeout_ms, 3000);
  EXPECT_EQ(apply(CreateSession{3000}).session, 2);
  EXPECT_EQ(service_.state().sessions.find(1)->deadline_ns, ms_to_ns(4000));
}

TEST_F(ZnodeSessions, CreateSessionRejectsBadArguments) {
  EXPECT_EQ(apply(CreateSession{0}).code, Code::kBadArguments);
  EXPECT_EQ(apply(CreateSession{-1}).code, Code::kBadArguments);
  EXPECT_EQ(apply(CreateSession{1000}, 7).code, Code::kBadArguments);  // the service chooses the id
  EXPECT_TRUE(service_.state().sessions.sessions().empty());
}

TEST_F(ZnodeSessions, CloseSessionDeletesItsEphemeralsInOneZxid) {
  const SessionId mine = apply(CreateSession{10'000}).session;
  const SessionId other = apply(CreateSession{10'000}).session;
  make("/locks");
  apply(Create{"/locks/l-", "", CreateMode::kEphemeralSequential}, mine);  // /locks/l-0000000000
  apply(Create{"/locks/l-", "", CreateMode::kEphemeralSequential}, other);
  apply(Create{"/mine", "", CreateMode::kEphemeral}, mine);
  apply(Create{"/kept", "", CreateMode::kPersistent}, mine);  // persistent: survives its creator
  EXPECT_EQ(node("/locks").stat.pzxid, 5);                    // an ephemeral child's create moves it too

  const Response closed = apply(CloseSession{}, mine);
  EXPECT_EQ(closed.code, Code::kOk);
  EXPECT_EQ(closed.zxid, 8);
  EXPECT_EQ(closed.deleted, (std::vector<std::string>{"/locks/l-0000000000", "/mine"}));
  EXPECT_FALSE(exists("/locks/l-0000000000"));
  EXPECT_TRUE(exists("/locks/l-0000000001"));
  EXPECT_TRUE(exists("/kept"));
  EXPECT_EQ(node("/locks").stat.pzxid, 8);
  EXPECT_EQ(node("/locks").stat.num_children, 1);
  EXPECT_EQ(node("/locks").stat.cversion, 2);
  EXPECT_FALSE(service_.state().sessions.alive(mine));
  EXPECT_TRUE(service_.state().sessions.alive(other));
}

TEST_F(ZnodeSessions, CommandsOfAClosedSessionFailAndChangeNothing) {
  const SessionId session = apply(CreateSession{10'000}).session;
  apply(CloseSession{}, session);
  const uint64_t before = service_.digest();
  EXPECT_EQ(apply(Create{"/e", "", CreateMode::kEphemeral}, session).code, Code::kSessionExpired);
  EXPECT_EQ(apply(Create{"/p", "", CreateMode::kPersistent}, session).code, Code::kSessionExpired);
  EXPECT_EQ(apply(GetData{"/"}, session).code, Code::kSessionExpired);
  EXPECT_EQ(apply(Touch{}, session).code, Code::kSessionExpired);
  EXPECT_EQ(apply(CloseSession{}, session).code, Code::kSessionExpired);
  EXPECT_EQ(apply(Touch{}, 99).code, Code::kSessionExpired);  // never existed
  EXPECT_EQ(apply(Touch{}, 0).code, Code::kSessionExpired);
  EXPECT_EQ(service_.read(Command{session, Exists{"/"}}).code, Code::kSessionExpired);
  EXPECT_EQ(service_.digest(), before);
}

TEST_F(ZnodeSessions, ExpiredSessionsListsThoseAtOrPastTheirDeadline) {
  apply(CreateSession{3000}, 0, 0);
  apply(CreateSession{1000}, 0, 0);
  apply(CreateSession{2000}, 0, 0);
  EXPECT_TRUE(service_.expired_sessions(ms_to_ns(999)).empty());
  EXPECT_EQ(service_.expired_sessions(ms_to_ns(1000)), (std::vector<SessionId>{2}));
  EXPECT_EQ(service_.expired_sessions(ms_to_ns(5000)), (std::vector<SessionId>{1, 2, 3}));
}

TEST_F(ZnodeSessions, ExpiryPastTheDeadlineDeletesTheEphemerals) {
  const SessionId session = apply(CreateSession{1000}, 0, 0).session;
  apply(Create{"/e", "", CreateMode::kEphemeral}, session, 100);  // touched: deadline 1100
  EXPECT_TRUE(service_.expired_sessions(ms_to_ns(1000)).empty());
  const Response expired = apply(ExpireSession{}, session, 1100);
  EXPECT_EQ(expired.code, Code::kOk);
  EXPECT_TRUE(expired.expired);
  EXPECT_EQ(expired.deleted, (std::vector<std::string>{"/e"}));
  EXPECT_FALSE(exists("/e"));
  EXPECT_FALSE(service_.state().sessions.alive(session));
}

// The leader saw the session past its deadline and proposed the expiry, but a ping was
// ordered first: the expiry must do nothing.
TEST_F(ZnodeSessions, StaleExpiryAfterATouchIsANoOp) {
  const SessionId session = apply(CreateSession{1000}, 0, 0).session;
  apply(Create{"/e", "", CreateMode::kEphemeral}, session, 0);
  EXPECT_EQ(service_.expired_sessions(ms_to_ns(1000)), (std::vector<SessionId>{session}));
  apply(Touch{}, session, 900);
  const uint64_t before = service_.digest();
  const Response expired = apply(ExpireSession{}, session, 1000);
  EXPECT_EQ(expired.code, Code::kOk);
  EXPECT_FALSE(expired.expired);
  EXPECT_TRUE(expired.deleted.empty());
  EXPECT_TRUE(exists("/e"));
  EXPECT_EQ(service_.digest(), before);
}

TEST_F(ZnodeSessions, AnyCommandOfTheSessionTouchesIt) {
  const SessionId session = apply(CreateSession{1000}, 0, 0).session;
  apply(GetData{"/nope"}, session, 600);  // even a failed read through the log
  EXPECT_EQ(service_.state().sessions.find(session)->deadline_ns, ms_to_ns(1600));
  apply(Touch{}, session, 100);  // a leader whose clock is behind never shortens it
  EXPECT_EQ(service_.state().sessions.find(session)->deadline_ns, ms_to_ns(1600));
}

TEST_F(ZnodeSessions, ExpiryTakesEffectExactlyAtTheDeadline) {
  const SessionId session = apply(CreateSession{1000}, 0, 0).session;
  const Command expire{session, ExpireSession{}};
  EXPECT_FALSE(service_.apply(expire, ApplyContext{++zxid_, ms_to_ns(1000) - 1}).expired);
  EXPECT_TRUE(service_.apply(expire, ApplyContext{++zxid_, ms_to_ns(1000)}).expired);
}

TEST_F(ZnodeSessions, ExpiryOfASessionAlreadyGoneIsANoOp) {
  const SessionId session = apply(CreateSession{1000}, 0, 0).session;
  apply(CloseSession{}, session);
  const uint64_t before = service_.digest();
  EXPECT_EQ(apply(ExpireSession{}, session, 9000).code, Code::kSessionExpired);
  EXPECT_EQ(service_.digest(), before);
}

}  // namespace
}  // namespace consim::services::znode
