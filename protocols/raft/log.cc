#include "protocols/raft/log.h"

#include <algorithm>

#include "base/assert.h"
#include "protocols/raft/messages.h"

namespace consim::protocols::raft {

void RaftLog::recover(const SnapshotMeta& snapshot, std::vector<Entry> entries, LogIndex committed) {
  snapshot_ = snapshot;
  entries_ = std::move(entries);
  uint64_t previous = snapshot_.hash;
  for (size_t i = 0; i < entries_.size(); ++i) {
    CONSIM_ASSERT(entries_[i].index.value == snapshot_.index.value + 1 + i);
    CONSIM_ASSERT(entries_[i].hash == chain_hash(previous, entries_[i]));
    previous = entries_[i].hash;
  }
  committed_ = std::clamp(committed, snapshot_.index, last_index());
  applied_ = snapshot_.index;
  dirty_from_ = last_index().next();
  check_invariants();
}

std::optional<Term> RaftLog::term(LogIndex index) const {
  const Term* found = find_term(index);
  return found != nullptr ? std::optional<Term>(*found) : std::nullopt;
}

const Term* RaftLog::find_term(LogIndex index) const {
  if (index == snapshot_.index) {
    return &snapshot_.term;
  }
  if (index < snapshot_.index || index > last_index()) {
    return nullptr;
  }
  return &entries_[index.value - snapshot_.index.value - 1].term;
}

uint64_t RaftLog::hash(LogIndex index) const {
  if (index == snapshot_.index) {
    return snapshot_.hash;
  }
  return at(index).hash;
}

bool RaftLog::match_term(LogIndex index, Term term_value) const {
  const std::optional<Term> found = term(index);
  return found.has_value() && *found == term_value;
}

bool RaftLog::is_up_to_date(LogIndex other_last_index, Term other_last_term) const {
  return other_last_term > last_term() || (other_last_term == last_term() && other_last_index >= last_index());
}

const Entry& RaftLog::at(LogIndex index) const {
  CONSIM_ASSERT(index > snapshot_.index);
  CONSIM_ASSERT(index <= last_index());
  return entries_[index.value - snapshot_.index.value - 1];
}

std::vector<Entry> RaftLog::slice(LogIndex from, size_t max_entries) const {
  CONSIM_ASSERT(from >= first_index());
  std::vector<Entry> out;
  if (from <= last_index() && max_entries > 0) {
    out = acquire_entries();  // most slices end up in a message, which hands the buffer back
  }
  for (LogIndex i = from; i <= last_index() && out.size() < max_entries; i = i.next()) {
    out.push_back(at(i));
  }
  return out;
}

LogIndex RaftLog::append(std::vector<Entry> entries) {
  for (Entry& entry : entries) {
    entry.index = last_index().next();
    CONSIM_ASSERT(entry.term >= last_term());
    entry.hash = chain_hash(last_hash(), entry);
    changes_.push_back(LogChange{LogChange::Kind::kAppend, entry.index, entry.term, entry.hash, entry.type});
    entries_.push_back(std::move(entry));
  }
  check_invariants();
  return last_index();
}

std::optional<LogIndex> RaftLog::maybe_append(LogIndex prev_index, Term prev_term, const std::vector<Entry>& entries,
                                              bool truncate_always) {
  if (prev_index < snapshot_.index) {
    // The snapshot covers prev and perhaps some of the entries: all committed, so they match
    // the leader's. Skip them and continue from the snapshot.
    std::vector<Entry> rest;
    for (const Entry& entry : entries) {
      if (entry.index > snapshot_.index) {
        rest.push_back(entry);
      }
    }
    if (rest.empty()) {
      return LogIndex{prev_index.value + entries.size()};
    }
    CONSIM_ASSERT(rest.front().index == snapshot_.index.next());
    return maybe_append(snapshot_.index, snapshot_.term, rest, truncate_always);
  }
  if (!match_term(prev_index, prev_term)) {
    return std::nullopt;
  }
  const LogIndex last_new{prev_index.value + entries.size()};
  if (truncate_always && prev_index < last_index() && prev_index >= committed_) {
    truncate_after(prev_index);
  }
  for (const Entry& entry : entries) {
    // A pointer rather than term()'s optional: the loop is on every append a follower takes, and
    // the optional, built in memory piece by piece, is copied back whole at once (a stall).
    const Term* existing = find_term(entry.index);
    if (existing != nullptr && *existing == entry.term) {
      continue;  // already have it: a duplicate or a reordered older message must not truncate
    }
    if (existing != nullptr) {
      // Raft §5.3: a conflicting entry and everything after it go. Committed entries never
      // conflict with a legitimate leader's.
      CONSIM_ASSERT_MSG(entry.index > committed_, "conflict at a committed index");
      truncate_after(entry.index.prev());
    }
    CONSIM_ASSERT(entry.index == last_index().next());
    const uint64_t previous_hash = last_hash();
    Entry& added = entries_.emplace_back(entry);  // copied where it stays
    added.hash = chain_hash(previous_hash, added);
    changes_.push_back(LogChange{LogChange::Kind::kAppend, added.index, added.term, added.hash, added.type});
  }
  check_invariants();
  return last_new;
}

LogIndex RaftLog::find_conflict_by_term(LogIndex index, Term term_value) const {
  LogIndex i = std::min(index, last_index());
  while (i > snapshot_.index) {
    const std::optional<Term> found = term(i);
    if (found.has_value() && *found <= term_value) {
      break;
    }
    i = i.prev();
  }
  return i;
}

void RaftLog::commit_to(LogIndex index) {
  if (index <= committed_) {
    return;
  }
  CONSIM_ASSERT_MSG(index <= last_index(), "commit beyond the last index");
  committed_ = index;
}

std::vector<Entry> RaftLog::take_committed() {
  std::vector<Entry> out;
  take_committed(out);
  return out;
}

void RaftLog::take_committed(std::vector<Entry>& out) {
  out.clear();
  for (LogIndex i = applied_.next(); i <= committed_; i = i.next()) {
    out.push_back(at(i));
  }
  applied_ = committed_;
}

void RaftLog::compact(LogIndex index, const ClusterConfig& config) {
  CONSIM_ASSERT(index <= applied_);
  if (index <= snapshot_.index) {
    return;
  }
  const Entry& last_covered = at(index);
  SnapshotMeta next{index, last_covered.term, last_covered.hash, config};
  const size_t drop = index.value - snapshot_.index.value;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
  snapshot_ = next;
  check_invariants();
}

void RaftLog::restore(const SnapshotMeta& snapshot) {
  CONSIM_ASSERT(snapshot.index > committed_);
  snapshot_ = snapshot;
  entries_.clear();
  committed_ = snapshot.index;
  applied_ = snapshot.index;
  dirty_from_ = snapshot.index.next();
  check_invariants();
}

uint64_t RaftLog::uncommitted_bytes(LogIndex from) const {
  uint64_t total = 0;
  for (LogIndex i = std::max(from, first_index()); i <= last_index(); i = i.next()) {
    total += at(i).bytes();
  }
  return total;
}

void RaftLog::truncate_after(LogIndex index) {
  CONSIM_ASSERT(index >= snapshot_.index);
  CONSIM_ASSERT_MSG(index >= committed_, "truncating committed entries");
  entries_.resize(index.value - snapshot_.index.value);
  changes_.push_back(LogChange{LogChange::Kind::kTruncate, index, Term{}, 0, EntryType::kNormal});
  dirty_from_ = std::min(dirty_from_, index.next());
}

void RaftLog::check_invariants() const {
  CONSIM_ASSERT(snapshot_.index <= applied_);
  CONSIM_ASSERT(applied_ <= committed_);
  CONSIM_ASSERT(committed_ <= last_index());
  if (!entries_.empty()) {
    CONSIM_ASSERT(entries_.front().term >= snapshot_.term);
    CONSIM_ASSERT(entries_.back().term >= entries_.front().term);
  }
}

}  // namespace consim::protocols::raft
