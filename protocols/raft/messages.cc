#include "protocols/raft/messages.h"

#include <array>

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
  // A table, in the enumeration's order, rather than a switch: the network asks for the name of
  // every message twice (its send and its delivery are traced), and a switch over the types
  // compiles to an indirect jump that the processor mispredicts as the types alternate.
  static constexpr std::array<std::string_view, 14> kNames = {
      "PreVote",           "PreVoteResponse",
      "RequestVote",       "RequestVoteResponse",
      "AppendEntries",     "AppendEntriesResponse",
      "Heartbeat",         "HeartbeatResponse",
      "InstallSnapshot",   "TimeoutNow",
      "Propose",           "ReadIndex",
      "ReadIndexResponse", "TransferLeader",
  };
  static_assert(static_cast<size_t>(MessageType::kPreVote) == 0);
  static_assert(static_cast<size_t>(MessageType::kAppendResponse) == 5);
  static_assert(static_cast<size_t>(MessageType::kTransferLeader) + 1 == kNames.size());
  const auto index = static_cast<size_t>(type);
  return index < kNames.size() ? kNames[index] : "Unknown";
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
