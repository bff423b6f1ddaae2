#include "protocols/raft/messages.h"

namespace consim::protocols::raft {

namespace {
constexpr size_t kEntriesPoolMax = 64;
thread_local std::vector<std::vector<Entry>> entries_pool;
}  // namespace

std::vector<Entry> acquire_entries() {
  if (entries_pool.empty()) {
    return {};
  }
  std::vector<Entry> entries = std::move(entries_pool.back());
  entries_pool.pop_back();
  return entries;
}

void recycle_entries(std::vector<Entry>&& entries) {
  if (entries_pool.size() < kEntriesPoolMax) {
    entries.clear();
    entries_pool.push_back(std::move(entries));
  }
}

std::string_view message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kPreVote:
      return "PreVote";
    case MessageType::kPreVoteResponse:
      return "PreVoteResponse";
    case MessageType::kVote:
      return "RequestVote";
    case MessageType::kVoteResponse:
      return "RequestVoteResponse";
    case MessageType::kAppend:
      return "AppendEntries";
    case MessageType::kAppendResponse:
      return "AppendEntriesResponse";
    case MessageType::kHeartbeat:
      return "Heartbeat";
    case MessageType::kHeartbeatResponse:
      return "HeartbeatResponse";
    case MessageType::kSnapshot:
      return "InstallSnapshot";
    case MessageType::kTimeoutNow:
      return "TimeoutNow";
    case MessageType::kPropose:
      return "Propose";
    case MessageType::kReadIndex:
      return "ReadIndex";
    case MessageType::kReadIndexResponse:
      return "ReadIndexResponse";
    case MessageType::kTransferLeader:
      return "TransferLeader";
  }
  return "Unknown";
}

bool is_response(MessageType type) {
  return type == MessageType::kPreVoteResponse || type == MessageType::kVoteResponse ||
         type == MessageType::kAppendResponse || type == MessageType::kHeartbeatResponse ||
         type == MessageType::kReadIndexResponse;
}

uint32_t RaftMessage::bytes() const {
  // A fixed header (type, from, to, term, index, log_term, commit, flags, context) as a compact
  // binary encoding would take, plus what is carried.
  uint32_t total = 48;
  for (const Entry& entry : entries) {
    total += entry.bytes();
  }
  if (snapshot != nullptr) {
    total += 32 + snapshot->data_bytes;
  }
  if (request.has_value() && request->command != nullptr) {
    total += 16 + request->command->bytes();
  }
  return total;
}

}  // namespace consim::protocols::raft
