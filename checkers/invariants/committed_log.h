// The committed log G as the Raft invariant checker knows it: index -> entry, with gaps where an
// entry is unknown (a commit learned only from a restart's recovered point).
//
// Looked up several times for nearly every protocol record, so the indexes G grows through
// (1, 2, 3, ... in a run) live in a dense vector; an index far beyond it (only a hand-written or
// corrupt trace has one) goes to an ordered map instead, so that a bad index never allocates
// memory in proportion to its value.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "checkers/invariants/log_mirror.h"

namespace consim::checkers {

class CommittedLog {
 public:
  // The entry at `index`, or nullptr when G does not know it.
  const GhostEntry* find(uint64_t index) const {
    if (index < dense_.size()) {
      if (dense_[index].known) {
        return &dense_[index].entry;
      }
    }
    if (far_.empty()) {
      return nullptr;
    }
    const auto it = far_.find(index);
    return it == far_.end() ? nullptr : &it->second;
  }
  bool contains(uint64_t index) const { return find(index) != nullptr; }
  // Records `entry` at `index` unless G already knows an entry there (the first one stays).
  void try_emplace(uint64_t index, const GhostEntry& entry) {
    if (contains(index)) {
      return;
    }
    if (index < dense_.size() + kMaxGap) {
      if (index >= dense_.size()) {
        dense_.resize(index + 1);
      }
      dense_[index] = Slot{entry, true};
      return;
    }
    far_.emplace(index, entry);
  }
  // The known entry with the smallest index in (after, limit], in index order; nullopt if none.
  std::optional<std::pair<uint64_t, GhostEntry>> next_after(uint64_t after, uint64_t limit) const {
    std::optional<std::pair<uint64_t, GhostEntry>> found;
    if (after == UINT64_MAX) {
      return found;
    }
    for (uint64_t i = after + 1; i <= limit && i < dense_.size(); ++i) {
      if (dense_[i].known) {
        found = std::pair{i, dense_[i].entry};
        break;
      }
    }
    const auto it = far_.upper_bound(after);
    if (it != far_.end() && it->first <= limit && (!found.has_value() || it->first < found->first)) {
      found = *it;
    }
    return found;
  }

 private:
  // How far past the dense part an index may lie and still extend it.
  static constexpr uint64_t kMaxGap = uint64_t{1} << 16;
  struct Slot {
    GhostEntry entry;
    bool known = false;
  };
  std::vector<Slot> dense_;
  std::map<uint64_t, GhostEntry> far_;
};

}  // namespace consim::checkers
