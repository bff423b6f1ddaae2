// The znode service's replicated session table. Deadlines are on the proposers' time line (the
// commands' timestamps), so every replica holds the same table; only the leader's clock decides
// when to propose an expiry (zab.md §b.4: expiry is decided by the leader alone).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "services/znode/znode_command.h"

namespace consim::services::znode {

struct Session {
  SessionId id = 0;
  int64_t timeout_ms = 0;
  // The session may be expired by a command whose timestamp is >= this (ns).
  int64_t deadline_ns = 0;
  bool operator==(const Session&) const = default;
};

class SessionTable {
 public:
  // Opens a session touched at now_ns. Ids are 1, 2, 3, ... in creation order, never reused.
  // Requires timeout_ms > 0.
  SessionId open(int64_t timeout_ms, int64_t now_ns);
  bool alive(SessionId id) const { return sessions_.contains(id); }
  const Session* find(SessionId id) const;
  // Moves a live session's deadline to now + timeout, never earlier than it was (a new leader
  // whose clock is behind must not shorten what the old one granted).
  void touch(SessionId id, int64_t now_ns);
  // Requires a live session.
  void close(SessionId id);
  // Live sessions whose deadline <= now_ns, in id order.
  std::vector<SessionId> expired(int64_t now_ns) const;

  const std::map<SessionId, Session>& sessions() const { return sessions_; }
  SessionId next_id() const { return next_id_; }
  uint64_t digest() const;
  bool operator==(const SessionTable&) const = default;

 private:
  SessionId next_id_ = 1;
  std::map<SessionId, Session> sessions_;
};

}  // namespace consim::services::znode
