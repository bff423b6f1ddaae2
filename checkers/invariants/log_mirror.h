// Ghost copy of one node's durable Raft log, rebuilt from trace events only: a snapshot point
// followed by entries, each known by its term and chain hash (H_i = h(H_{i-1}, entry_i), so equal
// hashes at an index mean equal logs up to it).
//
// An entry can be unknown: after a crash that lost the events of a synced Ready, a restart shows
// only the recovered log's last entry and snapshot, not what changed in between. Checks treat an
// unknown entry as "cannot tell" and never report a violation from it.
//
// Invariant: entries_[k] is the entry at index snapshot_index() + 1 + k.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace consim::checkers {

struct GhostEntry {
  uint64_t term = 0;  // 0 when unknown (a recovered snapshot point)
  uint64_t hash = 0;  // the chain hash at this index
};

class LogMirror {
 public:
  uint64_t snapshot_index() const { return snapshot_index_; }
  const GhostEntry& snapshot() const { return snapshot_; }
  uint64_t last_index() const { return snapshot_index_ + entries_.size(); }

  // The snapshot point or a later entry; nullopt outside [snapshot_index, last_index] or unknown.
  std::optional<GhostEntry> at(uint64_t index) const {
    if (index == snapshot_index_) {
      return snapshot_;
    }
    if (index < snapshot_index_ || index > last_index()) {
      return std::nullopt;
    }
    return entries_[index - snapshot_index_ - 1];
  }
  std::optional<GhostEntry> last() const { return at(last_index()); }

  void append(std::optional<GhostEntry> entry) { entries_.push_back(entry); }

  // Keeps the entries up to `index`; never cuts into the snapshot.
  void truncate_after(uint64_t index) {
    if (index < last_index()) {
      entries_.resize(index <= snapshot_index_ ? 0 : index - snapshot_index_);
    }
  }

  // Records what an unknown entry turned out to be; a known entry is left alone.
  void learn(uint64_t index, GhostEntry entry) {
    if (index > snapshot_index_ && index <= last_index() && !entries_[index - snapshot_index_ - 1].has_value()) {
      entries_[index - snapshot_index_ - 1] = entry;
    }
  }

  // A snapshot now covers everything up to `index` (log compaction).
  void compact(uint64_t index, GhostEntry entry) {
    if (index <= snapshot_index_) {
      return;
    }
    if (index >= last_index()) {
      reset(index, entry);
      return;
    }
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(index - snapshot_index_));
    snapshot_index_ = index;
    snapshot_ = entry;
  }

  // The log is nothing but a snapshot at `index` (an installed snapshot).
  void reset(uint64_t index, GhostEntry entry) {
    entries_.clear();
    snapshot_index_ = index;
    snapshot_ = entry;
  }

 private:
  uint64_t snapshot_index_ = 0;
  GhostEntry snapshot_;
  std::vector<std::optional<GhostEntry>> entries_;
};

}  // namespace consim::checkers
