#include "protocols/zab/messages.h"

namespace consim::protocols::zab {

std::string_view message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kNotification:
      return "Notification";
    case MessageType::kFollowerInfo:
      return "FollowerInfo";
    case MessageType::kLeaderInfo:
      return "LeaderInfo";
    case MessageType::kAckEpoch:
      return "AckEpoch";
    case MessageType::kDiff:
      return "Diff";
    case MessageType::kTrunc:
      return "Trunc";
    case MessageType::kSnap:
      return "Snap";
    case MessageType::kProposal:
      return "Proposal";
    case MessageType::kCommit:
      return "Commit";
    case MessageType::kInform:
      return "Inform";
    case MessageType::kNewLeader:
      return "NewLeader";
    case MessageType::kAck:
      return "Ack";
    case MessageType::kUpToDate:
      return "UpToDate";
    case MessageType::kRequest:
      return "Request";
    case MessageType::kSync:
      return "Sync";
    case MessageType::kPing:
      return "Ping";
  }
  return "?";
}

std::string_view peer_state_name(PeerState state) {
  switch (state) {
    case PeerState::kLooking:
      return "looking";
    case PeerState::kFollowing:
      return "following";
    case PeerState::kLeading:
      return "leading";
    case PeerState::kObserving:
      return "observing";
  }
  return "?";
}

uint32_t ZabMessage::bytes() const {
  // A quorum packet's header (type, zxid, length) or an FLE notification.
  uint32_t size = type == MessageType::kNotification ? 40 : 16;
  if (txn.has_value()) {
    size += txn->bytes();
  }
  if (snapshot != nullptr) {
    size += 16 + snapshot->data_bytes;
  }
  if (request.has_value() && request->command != nullptr) {
    size += 8 + request->command->bytes();
  }
  return size;
}

}  // namespace consim::protocols::zab
