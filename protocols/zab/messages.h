// ZAB's messages: one struct for every packet type (ZooKeeper's QuorumPacket and FLE's
// Notification), immutable once sent. FLE notifications travel as datagrams (a lost one is
// re-sent on the notification timeout); everything else on the FIFO stream between a learner
// and its leader, which ZAB requires (research/zab.md a.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "protocols/common/effects.h"
#include "protocols/common/ids.h"
#include "protocols/zab/types.h"

namespace consim::protocols::zab {

enum class MessageType : uint8_t {
  kNotification,  // FLE: a vote, the sender's round and state
  kFollowerInfo,  // learner -> leader: its acceptedEpoch (observer: OBSERVERINFO)
  kLeaderInfo,    // leader -> learner: the new epoch
  kAckEpoch,      // learner -> leader: its currentEpoch and last zxid (epoch_ack false: the "-1" reply)
  kDiff,          // leader -> learner: an incremental sync follows
  kTrunc,         // leader -> learner: truncate the log to zxid, then an incremental sync follows
  kSnap,          // leader -> learner: the leader's state follows (snapshot)
  kProposal,      // leader -> follower: a transaction
  kCommit,        // leader -> follower: commit up to zxid
  kInform,        // leader -> observer: a committed transaction
  kNewLeader,     // leader -> learner: the synced history ends here; (epoch, 0)
  kAck,           // follower -> leader: zxid is durable (counter 0: the NEWLEADER ack)
  kUpToDate,      // leader -> learner: start serving
  kRequest,       // learner -> leader: a forwarded client write or sync
  kSync,          // leader -> learner: a forwarded sync may be served once zxid is applied
  kPing,          // both ways: liveness
};

std::string_view message_type_name(MessageType type);

enum class PeerState : uint8_t { kLooking, kFollowing, kLeading, kObserving };
std::string_view peer_state_name(PeerState state);

struct ZabMessage final : Message {
  MessageType type = MessageType::kPing;
  NodeId from;

  // kNotification
  Vote vote;
  uint64_t round = 0;  // the sender's logical clock (electionEpoch)
  PeerState state = PeerState::kLooking;

  // kFollowerInfo, kLeaderInfo, kAckEpoch, kNewLeader: an epoch
  uint64_t epoch = 0;
  bool observer = false;   // kFollowerInfo: sent by an observer (OBSERVERINFO)
  bool epoch_ack = true;   // kAckEpoch: false for the reply to an epoch it had already accepted
  uint64_t zxid = 0;       // kAckEpoch: last logged; kDiff/kTrunc: the point; kCommit/kAck/kSync: the zxid
  std::optional<Txn> txn;  // kProposal, kInform
  SnapshotPtr snapshot;    // kSnap
  std::optional<ClientRequest> request;  // kRequest; kSync: the sync it answers (its id)

  std::string_view kind() const override { return message_type_name(type); }
  uint32_t bytes() const;
};

using ZabMessagePtr = std::shared_ptr<const ZabMessage>;

}  // namespace consim::protocols::zab
