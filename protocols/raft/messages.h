// Raft's messages: one struct for every type, as etcd's raftpb.Message, immutable once sent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "protocols/common/effects.h"
#include "protocols/common/ids.h"
#include "protocols/raft/types.h"

namespace consim::protocols::raft {

enum class MessageType : uint8_t {
  kPreVote,
  kPreVoteResponse,
  kVote,
  kVoteResponse,
  kAppend,
  kAppendResponse,
  kHeartbeat,
  kHeartbeatResponse,
  kSnapshot,
  kTimeoutNow,
  kPropose,    // a follower forwards a client request to the leader
  kReadIndex,  // a follower asks the leader for a read index
  kReadIndexResponse,
  kTransferLeader,  // a follower forwards a leadership transfer request
};

std::string_view message_type_name(MessageType type);
// Vote and pre-vote requests and responses are answered whatever the term relation; see step().
bool is_response(MessageType type);

// Entry lists for messages, recycled: nearly every append carries a list of one or a few
// entries, and its buffer goes back to a small per-thread pool when the message dies.
std::vector<Entry> acquire_entries();
void recycle_entries(std::vector<Entry>&& entries);

struct RaftMessage final : Message {
  // User-provided, though it does what `= default` would: value-initialization (make_shared)
  // then builds the members from their initializers, instead of first zeroing the whole message.
  RaftMessage() {}  // NOLINT(modernize-use-equals-default)
  RaftMessage(const RaftMessage&) = default;
  RaftMessage(RaftMessage&&) = default;
  RaftMessage& operator=(const RaftMessage&) = default;
  RaftMessage& operator=(RaftMessage&&) = default;
  ~RaftMessage() override {
    if (entries.capacity() != 0) {
      recycle_entries(std::move(entries));
    }
  }

  MessageType type = MessageType::kAppend;
  NodeId from;
  NodeId to;
  Term term;
  // Append: the previous entry (index, log_term). Vote: the candidate's last entry.
  // AppendResponse: the last index accepted, or on reject the probed index.
  LogIndex index;
  Term log_term;  // ... and (Pre)VoteResponse on reject: the term at `commit` (a commit hint)
  std::vector<Entry> entries;
  LogIndex commit;  // Append/Heartbeat: the leader's commit; (Pre)VoteResponse on reject: see election.cc
  bool reject = false;
  LogIndex reject_hint;                   // AppendResponse on reject: where the follower's log may match
  Term hint_term;                         // ... and the term there (fast backtracking)
  uint64_t context = 0;                   // Heartbeat (and response): the ReadIndex round it confirms, 0 for none
  uint64_t sent_tick = 0;                 // Heartbeat (and response): the leader's tick when sent, for its lease
  bool transfer = false;                  // Vote/PreVote: a campaign started by TimeoutNow (bypasses the lease)
  SnapshotPtr snapshot;                   // Snapshot
  std::optional<ClientRequest> request;   // Propose / ReadIndex: the forwarded request
  std::optional<ConfChange> conf_change;  // Propose: a forwarded configuration change

  std::string_view kind() const override { return message_type_name(type); }
  uint32_t bytes() const;
};

using RaftMessagePtr = std::shared_ptr<const RaftMessage>;

}  // namespace consim::protocols::raft
