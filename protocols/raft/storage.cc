#include "protocols/raft/storage.h"

#include "base/assert.h"

namespace consim::protocols::raft {

uint64_t HardStateRecord::digest() const {
  return (state_.term.value * 0x9e3779b97f4a7c15ULL) ^ (state_.vote.value * 0xbf58476d1ce4e5b9ULL) ^
         state_.commit.value;
}

namespace {

// The last intact record of a single-record file, or null.
const Record* last_intact(const Recovered& disk, const char* file) {
  auto it = disk.find(file);
  if (it == disk.end()) {
    return nullptr;
  }
  for (auto record = it->second.rbegin(); record != it->second.rend(); ++record) {
    if (!record->torn) {
      return record->record.get();
    }
  }
  return nullptr;
}

}  // namespace

RecoveredState read_disk(const Recovered& disk) {
  RecoveredState state;
  if (const Record* record = last_intact(disk, kHardStateFile)) {
    const auto* hard = dynamic_cast<const HardStateRecord*>(record);
    CONSIM_ASSERT(hard != nullptr);
    state.hard_state = hard->state();
  }
  if (const Record* record = last_intact(disk, kSnapshotFile)) {
    const auto* snapshot = dynamic_cast<const SnapshotRecord*>(record);
    CONSIM_ASSERT(snapshot != nullptr);
    state.snapshot = snapshot->snapshot();
  }
  auto it = disk.find(kLogFile);
  if (it != disk.end()) {
    for (const StoredRecord& stored : it->second) {
      if (stored.torn) {
        ++state.torn_records;  // only the tail can be torn: a crash interrupted the last write
        continue;
      }
      const auto* entry = dynamic_cast<const EntryRecord*>(stored.record.get());
      CONSIM_ASSERT(entry != nullptr);
      CONSIM_ASSERT(state.torn_records == 0);
      state.entries.push_back(entry->entry());
    }
  }
  return state;
}

}  // namespace consim::protocols::raft
