#include "services/znode/sessions.h"

#include <algorithm>
#include <limits>

#include "base/assert.h"
#include "services/common/hasher.h"

namespace consim::services::znode {
namespace {

// now + timeout, saturating: a deadline past the end of time never comes, rather than wrapping.
int64_t deadline_after(int64_t now_ns, int64_t timeout_ms) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t timeout_ns = timeout_ms > kMax / 1'000'000 ? kMax : timeout_ms * 1'000'000;
  return now_ns > kMax - timeout_ns ? kMax : now_ns + timeout_ns;
}

}  // namespace

SessionId SessionTable::open(int64_t timeout_ms, int64_t now_ns) {
  CONSIM_ASSERT(timeout_ms > 0);
  const SessionId id = next_id_++;
  sessions_[id] = Session{id, timeout_ms, deadline_after(now_ns, timeout_ms)};
  return id;
}

const Session* SessionTable::find(SessionId id) const {
  const auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

void SessionTable::touch(SessionId id, int64_t now_ns) {
  const auto it = sessions_.find(id);
  CONSIM_ASSERT(it != sessions_.end());
  Session& session = it->second;
  session.deadline_ns = std::max(session.deadline_ns, deadline_after(now_ns, session.timeout_ms));
}

void SessionTable::close(SessionId id) {
  const size_t erased = sessions_.erase(id);
  CONSIM_ASSERT(erased == 1);
}

std::vector<SessionId> SessionTable::expired(int64_t now_ns) const {
  std::vector<SessionId> ids;
  for (const auto& entry : sessions_) {
    if (entry.second.deadline_ns <= now_ns) {
      ids.push_back(entry.first);
    }
  }
  return ids;
}

uint64_t SessionTable::digest() const {
  Hasher hasher(0x7365'7373'696f'6eULL);  // "session"
  hasher.add(next_id_).add(sessions_.size());
  for (const auto& entry : sessions_) {
    hasher.add(entry.second.id).add(entry.second.timeout_ms).add(entry.second.deadline_ns);
  }
  return hasher.value();
}

}  // namespace consim::services::znode
