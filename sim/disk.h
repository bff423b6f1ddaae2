// A node's disk: named files of records, where writes stay pending until a sync completes.
//
// Writes (append, truncate, replace, remove) apply to the page cache at once and reach the
// durable image only through sync(): a sync completes after a sampled latency, in the order the
// syncs were requested, and makes durable every write issued before it. A crash keeps the
// durable image and loses the rest — optionally tearing the first lost append, which then
// survives as a record marked torn (as a checksum failure would reveal it on recovery).
//
// Faults for demonstrations: slow syncs (sync latency override) and a lying sync that reports
// success while persisting nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/time.h"
#include "sim/callback.h"
#include "sim/ids.h"
#include "sim/payload.h"
#include "sim/rng.h"
#include "sim/simulator.h"

namespace consim::sim {

struct DiskRecord {
  PayloadPtr payload;
  uint32_t bytes = 0;
  bool torn = false;  // only a partial write survived; the payload must not be trusted
};

// What a node finds on its disk when it (re)starts: file name -> records, in order.
using DiskImage = std::map<std::string, std::vector<DiskRecord>>;

struct DiskParams {
  Duration sync_latency_min = Duration::micros(500);
  Duration sync_latency_max = Duration::millis(2);
  double torn_write_probability = 0.0;  // on crash, chance the first lost append survives torn
  bool lying_sync = false;              // syncs report success and persist nothing

  std::string validate() const;
};

struct DiskStats {
  uint64_t writes = 0;
  uint64_t bytes_written = 0;
  uint64_t syncs = 0;
  uint64_t syncs_completed = 0;
  uint64_t crashes = 0;
  uint64_t writes_lost = 0;
};

class Disk {
 public:
  using SyncCallback = SmallFunction<void(SyncId)>;

  Disk(Simulator& sim, HostId host, const DiskParams& params);

  void append(const std::string& file, DiskRecord record);
  // Keeps the first `keep` records of `file`.
  void truncate_suffix(const std::string& file, size_t keep);
  // Drops the first `drop` records of `file` (log compaction).
  void truncate_prefix(const std::string& file, size_t drop);
  // Atomically replaces the whole file (write to a temporary file, then rename).
  void replace(const std::string& file, std::vector<DiskRecord> records);
  // The same with exactly one record (a hard state, a snapshot), without a vector for it.
  void replace_one(const std::string& file, DiskRecord record);
  void remove(const std::string& file);

  // Requests a sync of every write issued so far; `done` runs when it completes.
  SyncId sync(SyncCallback done);

  // The power went out: unsynced writes are lost, pending syncs never complete.
  void crash();
  // What a restart finds: the durable image.
  const DiskImage& durable() const { return durable_; }
  // What reads see now: the durable image plus pending writes.
  DiskImage current() const;
  size_t pending_writes() const { return pending_.size(); }

  void set_params(const DiskParams& params);
  const DiskParams& params() const { return params_; }
  const DiskStats& stats() const { return stats_; }

 private:
  enum class OpKind : uint8_t { kAppend, kTruncateSuffix, kTruncatePrefix, kReplace, kReplaceOne, kRemove };
  struct Op {
    // A constructor of its own: value-initializing the whole Op (emplace_back()) would zero it
    // first, and then build its members over the zeros.
    Op(uint64_t seq_number, OpKind op_kind, const std::string& file_name)
        : seq(seq_number), kind(op_kind), file(file_name) {}

    uint64_t seq;
    OpKind kind;
    std::string file;
    std::vector<DiskRecord> records;  // replace: all
    size_t count = 0;                 // truncations
    DiskRecord appended;              // append, replace with one: the record (no vector for it)
  };

  // A new pending write of `kind` to `file`, numbered; the caller fills in the rest.
  Op& write(OpKind kind, const std::string& file);
  static void apply(const Op& op, DiskImage& image);
  // The same for an op about to be dropped: its record moves into the image instead of a copy.
  static void apply_taking(Op& op, DiskImage& image);
  // Syncs in flight, oldest first: they complete in the order they were requested, so a
  // completion is always the front one's (and its event captures only the disk and the id). A
  // crash drops them all; their events then find another id, or none, at the front.
  struct PendingSync {
    SyncId id;
    uint64_t upto_seq;
    SyncCallback done;
  };
  void complete_sync(SyncId id);

  Simulator& sim_;
  HostId host_;
  DiskParams params_;
  Rng rng_;
  DiskImage durable_;
  std::vector<Op> pending_;  // ordered by seq
  // Oldest first from syncs_head_ (a vector and a read position: unlike a deque, it allocates
  // nothing once it has grown to the most syncs ever in flight).
  std::vector<PendingSync> syncs_;
  size_t syncs_head_ = 0;
  uint64_t next_op_seq_ = 1;
  uint64_t next_sync_id_ = 1;
  SimTime last_sync_done_;
  DiskStats stats_;
};

}  // namespace consim::sim
