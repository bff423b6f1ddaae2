#include "protocols/raft/progress.h"

#include <algorithm>

#include "base/assert.h"

namespace consim::protocols::raft {

bool Progress::maybe_update(LogIndex index) {
  bool updated = false;
  if (index > match_) {
    match_ = index;
    probe_sent_ = false;
    updated = true;
  }
  next_ = std::max(next_, index.next());
  free_inflights_upto(index);
  CONSIM_ASSERT(match_ < next_);
  return updated;
}

void Progress::sent(LogIndex last, bool carried_entries) {
  switch (state_) {
    case State::kReplicate:
      if (carried_entries) {
        next_ = last.next();
        inflight_.push_back(last);
        CONSIM_ASSERT(inflight_.size() <= max_inflight_);
      }
      break;
    case State::kProbe:
      probe_sent_ = true;
      break;
    case State::kSnapshot:
      break;
  }
  CONSIM_ASSERT(match_ < next_);
}

bool Progress::maybe_decrease_to(LogIndex rejected, LogIndex hint) {
  if (state_ == State::kReplicate) {
    if (rejected <= match_) {
      return false;  // stale: we already know the follower has it
    }
    next_ = match_.next();
    return true;
  }
  // Probe (and Snapshot): only the answer to the probe in flight counts.
  if (next_.prev() != rejected) {
    return false;
  }
  next_ = std::max(std::min(rejected, hint.next()), match_.next());
  probe_sent_ = false;
  CONSIM_ASSERT(match_ < next_);
  return true;
}

void Progress::become_probe() {
  if (state_ == State::kSnapshot) {
    // Resume right after the snapshot if it got there, else after what we know matches.
    next_ = std::max(match_.next(), pending_snapshot_.next());
  } else {
    next_ = match_.next();
  }
  state_ = State::kProbe;
  probe_sent_ = false;
  pending_snapshot_ = LogIndex{};
  inflight_.clear();
}

void Progress::become_replicate() {
  state_ = State::kReplicate;
  next_ = match_.next();
  probe_sent_ = false;
  inflight_.clear();
}

void Progress::become_snapshot(LogIndex snapshot_index) {
  state_ = State::kSnapshot;
  pending_snapshot_ = snapshot_index;
  probe_sent_ = false;
  inflight_.clear();
}

void Progress::heartbeat_answered() {
  probe_sent_ = false;
  if (state_ == State::kReplicate && inflight_.size() >= max_inflight_) {
    inflight_.pop_front();
  }
}

bool Progress::paused() const {
  switch (state_) {
    case State::kProbe:
      return probe_sent_;
    case State::kReplicate:
      return inflight_.size() >= max_inflight_;
    case State::kSnapshot:
      return true;
  }
  return true;
}

void Progress::free_inflights_upto(LogIndex index) {
  while (!inflight_.empty() && inflight_.front() <= index) {
    inflight_.pop_front();
  }
}

std::string_view progress_state_name(Progress::State state) {
  switch (state) {
    case Progress::State::kProbe:
      return "probe";
    case Progress::State::kReplicate:
      return "replicate";
    case Progress::State::kSnapshot:
      return "snapshot";
  }
  return "unknown";
}

}  // namespace consim::protocols::raft
