// The Raft log: a snapshot base followed by entries, with commit and apply positions and a
// record of which entries still have to be written to disk.
//
// Invariants (asserted): snapshot.index <= applied <= committed <= last_index; entry terms never
// decrease along the log; every entry's hash chains from its predecessor's.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "protocols/raft/types.h"

namespace consim::protocols::raft {

// One change to the log's contents, in the order it happened, for the trace.
struct LogChange {
  enum class Kind : uint8_t { kAppend, kTruncate };
  Kind kind = Kind::kAppend;
  LogIndex index;  // append: the new entry; truncate: everything after this index is gone
  Term term;
  uint64_t hash = 0;
  EntryType type = EntryType::kNormal;
};

class RaftLog {
 public:
  RaftLog() = default;

  // Rebuilds the log from what survived on disk: the snapshot base and the entries after it.
  // `committed` is the persisted commit index (clamped to what the log holds).
  void recover(const SnapshotMeta& snapshot, std::vector<Entry> entries, LogIndex committed);

  LogIndex first_index() const { return snapshot_.index.next(); }
  LogIndex last_index() const { return LogIndex{snapshot_.index.value + entries_.size()}; }
  Term last_term() const { return entries_.empty() ? snapshot_.term : entries_.back().term; }
  uint64_t last_hash() const { return entries_.empty() ? snapshot_.hash : entries_.back().hash; }

  // The term at `index`: known for the snapshot index and the entries after it.
  std::optional<Term> term(LogIndex index) const;
  // The chain hash at `index`; requires term(index) to be known.
  uint64_t hash(LogIndex index) const;
  bool match_term(LogIndex index, Term term) const;
  // Raft §5.4.1: a log ending in (last_term, last_index) is at least as up to date as this one.
  bool is_up_to_date(LogIndex last_index, Term last_term) const;
  const Entry& at(LogIndex index) const;
  // Entries [from, last], at most `max_entries` of them; from >= first_index().
  std::vector<Entry> slice(LogIndex from, size_t max_entries) const;

  // A leader appends its own entries; their index and hash are set here. Returns the new last.
  LogIndex append(std::vector<Entry> entries);
  // A follower accepts entries that follow (prev_index, prev_term) (§5.3). Returns the index of
  // the last entry it now holds from the message, or nullopt when the previous entry does not
  // match. Truncates only at the first real conflict, never for entries it already has, unless
  // `truncate_always` (the truncate_on_stale_append bug) says to drop everything after prev.
  std::optional<LogIndex> maybe_append(LogIndex prev_index, Term prev_term, const std::vector<Entry>& entries,
                                       bool truncate_always);
  // For a rejected AppendEntries with probe (index, term): the largest i <= index whose term is
  // <= term (etcd's findConflictByTerm), so the leader can skip a whole term at a time.
  LogIndex find_conflict_by_term(LogIndex index, Term term) const;

  LogIndex committed() const { return committed_; }
  // Raises the commit index; never lowers it.
  void commit_to(LogIndex index);
  LogIndex applied() const { return applied_; }
  // Committed entries not yet handed to the application, in order.
  std::vector<Entry> take_committed();
  // The same, into `out` (cleared first), so a caller can keep reusing one buffer.
  void take_committed(std::vector<Entry>& out);
  bool has_committed_to_apply() const { return applied_ < committed_; }

  const SnapshotMeta& snapshot() const { return snapshot_; }
  // Drops entries up to `index` (<= applied), which a snapshot now covers.
  void compact(LogIndex index, const ClusterConfig& config);
  // Replaces the whole log by a snapshot from the leader; everything up to it is committed
  // and counts as applied (the application installs the snapshot).
  void restore(const SnapshotMeta& snapshot);

  // The changes since the last call, oldest first.
  std::vector<LogChange> take_changes() { return std::exchange(changes_, {}); }
  // The same into `into` (whose earlier contents are dropped): the two buffers trade places and
  // keep their capacity, so draining after every input allocates nothing.
  bool has_changes() const { return !changes_.empty(); }
  void take_changes(std::vector<LogChange>& into) {
    into.clear();
    into.swap(changes_);
  }

  // Disk bookkeeping: entries from dirty_from() on are not yet written (or were rewritten).
  LogIndex dirty_from() const { return dirty_from_; }
  void mark_written() { dirty_from_ = last_index().next(); }
  // The bytes of the entries from `from` to the end (the uncommitted tail, for flow control).
  uint64_t uncommitted_bytes(LogIndex from) const;

 private:
  void truncate_after(LogIndex index);
  void check_invariants() const;
  // The term at `index`, as term() finds it, or null when unknown.
  const Term* find_term(LogIndex index) const;

  SnapshotMeta snapshot_;
  std::vector<Entry> entries_;  // entries_[i] has index snapshot_.index + 1 + i
  LogIndex committed_;
  LogIndex applied_;
  LogIndex dirty_from_{1};
  std::vector<LogChange> changes_;
};

}  // namespace consim::protocols::raft
