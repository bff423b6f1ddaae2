// Ghost histories for the ZAB invariant checker, rebuilt from trace events only: one node's
// durable history (a snapshot point and a log of (zxid, chain) points) and the committed history G.
//
// zxids are epoch << counter_bits | counter: they order a history but are not contiguous integers,
// so a history is a sorted list of points, never an array indexed by zxid. A chain hash covers the
// whole history up to its zxid (H(z) = mix(H(previous), z, digest)): two points with the same
// zxid and chain head the same history.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <vector>

namespace consim::checkers {

struct ZxidChain {
  uint64_t zxid = 0;
  uint64_t chain = 0;
  bool operator==(const ZxidChain&) const = default;
};

enum class Holds : uint8_t { kYes, kNo, kUnknown };

// One node's durable history: the snapshot point, then its log. The log may keep txns at or before
// the snapshot's zxid (zab.snapshot log_first); it is contiguous history wherever it is known.
//
// Part of it can be unknown: a restart shows only the recovered snapshot and last txn, so after a
// restart whose log differs from the mirror, the zxids below unknown_before() that are not listed
// are unknown. Checks never report a violation from an unknown zxid.
//
// Invariant: log() zxids strictly increase.
class ZabLogMirror {
 public:
  const ZxidChain& snapshot() const { return snapshot_; }
  const std::vector<ZxidChain>& log() const { return log_; }
  uint64_t unknown_before() const { return unknown_before_; }

  // The latest listed point: the log's last txn or the snapshot, whichever is later.
  ZxidChain last_listed() const {
    return !log_.empty() && log_.back().zxid >= snapshot_.zxid ? log_.back() : snapshot_;
  }
  // The history's last point; nullopt when unknown (a truncation below the snapshot).
  std::optional<ZxidChain> last() const {
    const ZxidChain listed = last_listed();
    if (unknown_before_ > listed.zxid + 1) {
      return std::nullopt;
    }
    return listed;
  }

  // The listed point at `zxid`: a log txn, else the snapshot point.
  std::optional<ZxidChain> find(uint64_t zxid) const {
    const auto it = lower(zxid);
    if (it != log_.end() && it->zxid == zxid) {
      return *it;
    }
    if (snapshot_.zxid == zxid) {
      return snapshot_;
    }
    return std::nullopt;
  }

  // Whether the history holds a txn at `zxid`, by its zxid alone.
  Holds holds_zxid(uint64_t zxid) const {
    if (find(zxid).has_value()) {
      return Holds::kYes;
    }
    if (zxid < unknown_before_) {
      return Holds::kUnknown;
    }
    // Below both the snapshot and the log, only the snapshot's chain speaks for the history.
    uint64_t floor = snapshot_.zxid;
    if (!log_.empty()) {
      floor = std::min(floor, log_.front().zxid);
    }
    return zxid < floor ? Holds::kUnknown : Holds::kNo;
  }

  // The latest listed point before `zxid`, and whether the history certainly has nothing between
  // them (no unknown zxid in between). nullopt with certain=false when nothing is listed before.
  struct Previous {
    std::optional<ZxidChain> point;
    bool certain = false;
  };
  Previous previous(uint64_t zxid) const {
    std::optional<ZxidChain> point;
    const auto it = lower(zxid);
    if (it != log_.begin()) {
      point = *std::prev(it);
    }
    if (snapshot_.zxid < zxid && (!point.has_value() || snapshot_.zxid > point->zxid)) {
      point = snapshot_;
    }
    if (!point.has_value()) {
      return Previous{};
    }
    const uint64_t gap_end = std::min(zxid, unknown_before_);
    return Previous{point, point->zxid + 1 >= gap_end};
  }

  // Visits the listed points with zxid in (after, upto], ascending; the snapshot point is visited
  // unless the log lists its zxid too. Stops when `visit` returns false; returns false then.
  template <typename Visit>
  bool for_each_in(uint64_t after, uint64_t upto, Visit&& visit) const {
    if (after == UINT64_MAX) {
      return true;
    }
    bool snapshot_pending = snapshot_.zxid > after && snapshot_.zxid <= upto && !listed_in_log(snapshot_.zxid);
    for (auto it = lower(after + 1); it != log_.end() && it->zxid <= upto; ++it) {
      if (snapshot_pending && snapshot_.zxid < it->zxid) {
        snapshot_pending = false;
        if (!visit(snapshot_)) {
          return false;
        }
      }
      if (!visit(*it)) {
        return false;
      }
    }
    return !snapshot_pending || visit(snapshot_);
  }

  // A txn written after every listed point (the caller checked the order).
  void append(const ZxidChain& point) { log_.push_back(point); }

  // zab.truncate: nothing after `zxid` remains. A snapshot beyond it is gone too, and what the
  // history then holds up to `zxid` is unknown unless the log lists it.
  void truncate_after(uint64_t zxid) {
    log_.erase(lower(zxid + 1), log_.end());
    if (snapshot_.zxid <= zxid) {
      return;
    }
    if (!log_.empty()) {
      snapshot_ = log_.back();
      return;
    }
    snapshot_ = ZxidChain{};
    unknown_before_ = std::max(unknown_before_, zxid + 1);
  }

  // zab.snapshot: a snapshot at `point`; the log now starts at `log_first` (0: empty).
  void snapshot_written(const ZxidChain& point, uint64_t log_first) {
    snapshot_ = point;
    if (log_first == 0) {
      log_.clear();
    } else {
      log_.erase(log_.begin(), lower(log_first));
    }
  }

  // zab.snap_install: the log replaced by a snapshot.
  void replace_by_snapshot(const ZxidChain& point) {
    log_.clear();
    snapshot_ = point;
    unknown_before_ = 0;
  }

  // A restart recovered a history the mirror cannot vouch for: only its snapshot and last point
  // are known.
  void reset_unknown(const ZxidChain& snapshot, const ZxidChain& last) {
    log_.clear();
    snapshot_ = snapshot;
    unknown_before_ = 0;
    if (last.zxid != snapshot.zxid) {
      log_.push_back(last);
      unknown_before_ = last.zxid;
    }
  }

 private:
  std::vector<ZxidChain>::const_iterator lower(uint64_t zxid) const {
    return std::lower_bound(log_.begin(), log_.end(), zxid,
                            [](const ZxidChain& point, uint64_t z) { return point.zxid < z; });
  }
  bool listed_in_log(uint64_t zxid) const {
    const auto it = lower(zxid);
    return it != log_.end() && it->zxid == zxid;
  }

  ZxidChain snapshot_;  // zxid 0: the initial empty state
  std::vector<ZxidChain> log_;
  uint64_t unknown_before_ = 0;
};

// The committed history G, as far as the trace shows it: points in zxid order, growing only at
// its end. A point marked after_gap follows an unknown stretch (a commit by a node whose own
// history was partly unknown), so a zxid missing from G there may still be committed.
class CommittedHistory {
 public:
  struct Entry {
    ZxidChain point;
    bool after_gap = false;
  };
  enum class Match : uint8_t { kAgrees, kDisagrees, kBeyond, kUnknown };

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  std::optional<ZxidChain> last() const {
    return entries_.empty() ? std::nullopt : std::optional<ZxidChain>(entries_.back().point);
  }
  uint64_t last_zxid() const { return entries_.empty() ? 0 : entries_.back().point.zxid; }

  // How (zxid, chain) relates to G. zxid 0, the initial state, always agrees.
  Match check(const ZxidChain& point) const {
    if (point.zxid == 0) {
      return Match::kAgrees;
    }
    if (point.zxid > last_zxid()) {
      return Match::kBeyond;
    }
    const auto it = lower(point.zxid);  // not end(): point.zxid <= last_zxid()
    if (it->point.zxid == point.zxid) {
      return it->point.chain == point.chain ? Match::kAgrees : Match::kDisagrees;
    }
    // G's next point follows its predecessor directly unless after a gap: then nothing is missing.
    return it->after_gap ? Match::kUnknown : Match::kDisagrees;
  }

  const ZxidChain* find(uint64_t zxid) const {
    const auto it = lower(zxid);
    return it != entries_.end() && it->point.zxid == zxid ? &it->point : nullptr;
  }

  // G's last point with zxid < `bound`; nullptr if none.
  const ZxidChain* last_below(uint64_t bound) const {
    const auto it = lower(bound);
    return it == entries_.begin() ? nullptr : &std::prev(it)->point;
  }

  // Precondition: point.zxid > last_zxid().
  void extend(const ZxidChain& point, bool after_gap) { entries_.push_back(Entry{point, after_gap}); }

 private:
  std::vector<Entry>::const_iterator lower(uint64_t zxid) const {
    return std::lower_bound(entries_.begin(), entries_.end(), zxid,
                            [](const Entry& entry, uint64_t z) { return entry.point.zxid < z; });
  }

  std::vector<Entry> entries_;
};

}  // namespace consim::checkers
