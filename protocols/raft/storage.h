// The records Raft writes to its disk, and reading them back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "protocols/common/effects.h"
#include "protocols/raft/types.h"

namespace consim::protocols::raft {

inline constexpr const char* kHardStateFile = "raft.hardstate";
inline constexpr const char* kSnapshotFile = "raft.snapshot";
inline constexpr const char* kLogFile = "raft.log";

struct HardState {
  Term term;
  NodeId vote;
  LogIndex commit;
};

class HardStateRecord final : public Record {
 public:
  explicit HardStateRecord(HardState state) : state_(state) {}
  std::string_view kind() const override { return "HardState"; }
  uint64_t digest() const override;
  uint32_t bytes() const override { return 24; }
  const HardState& state() const { return state_; }

 private:
  HardState state_;
};

class SnapshotRecord final : public Record {
 public:
  explicit SnapshotRecord(SnapshotPtr snapshot) : snapshot_(std::move(snapshot)) {}
  std::string_view kind() const override { return "Snapshot"; }
  uint64_t digest() const override { return snapshot_->meta.hash; }
  uint32_t bytes() const override { return 32 + snapshot_->data_bytes; }
  const SnapshotPtr& snapshot() const { return snapshot_; }

 private:
  SnapshotPtr snapshot_;
};

class EntryRecord final : public Record {
 public:
  explicit EntryRecord(Entry entry) : entry_(std::move(entry)) {}
  std::string_view kind() const override { return "Entry"; }
  uint64_t digest() const override { return entry_.hash; }
  uint32_t bytes() const override { return entry_.bytes(); }
  const Entry& entry() const { return entry_; }

 private:
  Entry entry_;
};

// The record as written, with its size. Inline: the record was made just before, and a call that
// takes it in memory copies it straight back with one wide load, which the processor cannot
// forward from the two stores that made it (a stall per record written).
inline StoredRecord store(RecordPtr record) {
  const uint32_t bytes = record->bytes();
  return StoredRecord{std::move(record), bytes, false};
}

// What a node recovers from its disk. Torn records (a partial last write) are discarded, as a
// checksum would reveal them.
struct RecoveredState {
  std::optional<HardState> hard_state;
  SnapshotPtr snapshot;  // null when none was ever written
  std::vector<Entry> entries;
  uint64_t torn_records = 0;
};
RecoveredState read_disk(const Recovered& disk);

}  // namespace consim::protocols::raft
