// ZAB's data: zxids, transactions with their hash chain, snapshots, election votes, and the
// records ZAB keeps on its disk.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <string>

#include "protocols/common/effects.h"
#include "protocols/common/ids.h"

namespace consim::protocols::zab {

// zxid = epoch << counter_bits | counter (ZooKeeper: 32/32). A new leader of epoch e starts at
// (e, 0), which names no transaction. The counter width is configurable so that tests can reach
// the rollover that forces a new epoch (ZOOKEEPER-1277).
struct ZxidLayout {
  uint32_t counter_bits = 32;

  uint64_t make(uint64_t epoch, uint64_t counter) const { return epoch << counter_bits | counter; }
  uint64_t epoch(uint64_t zxid) const { return zxid >> counter_bits; }
  uint64_t counter(uint64_t zxid) const { return zxid & counter_mask(); }
  uint64_t counter_mask() const { return counter_bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << counter_bits) - 1; }
  // The last counter a leader may use before it must give up its epoch.
  uint64_t max_counter() const { return counter_mask() - 1; }
  std::string describe(uint64_t zxid) const;  // "(3,17)"
};

// One transaction: a client command (or a protocol no-op) at a zxid. ZooKeeper replicates the
// state change the leader computed; consim replicates the command, which every replica applies
// deterministically, so a failed conditional write is a transaction ordered like any write.
struct Txn {
  uint64_t zxid = 0;
  RecordPtr command;  // null: a transaction of the protocol's own (none yet; kept for symmetry)
  RequestId request;
  NodeId origin;
  // H(z) = mix(H(previous), zxid, digest(command)): equal chains at a zxid mean equal histories.
  uint64_t chain = 0;

  uint32_t bytes() const { return 24 + (command != nullptr ? command->bytes() : 0); }
};

uint64_t chain_hash(uint64_t previous, uint64_t zxid, const RecordPtr& command);

// The application's state at `zxid`, as a leader sends it in SNAP and a node keeps it on disk.
struct Snapshot {
  uint64_t zxid = 0;
  uint64_t chain = 0;  // the chain hash at zxid
  RecordPtr data;      // null: the empty initial state
  uint32_t data_bytes = 0;
};
using SnapshotPtr = std::shared_ptr<const Snapshot>;

// An FLE vote (ZooKeeper's Vote): the proposed leader's currentEpoch, last logged zxid and id.
// Order: epoch, then zxid, then id (FastLeaderElection.totalOrderPredicate).
struct Vote {
  NodeId leader;
  uint64_t zxid = 0;
  uint64_t epoch = 0;  // peerEpoch: the proposed leader's currentEpoch

  bool beats(const Vote& other) const {
    if (epoch != other.epoch) {
      return epoch > other.epoch;
    }
    if (zxid != other.zxid) {
      return zxid > other.zxid;
    }
    return leader > other.leader;
  }
  bool operator==(const Vote&) const = default;
};

// --- Disk records. Files:
//   zab.accepted_epoch  one EpochRecord (replaced)
//   zab.current_epoch   one EpochRecord (replaced)
//   zab.snapshot        one SnapshotRecord (replaced)
//   zab.log             one TxnRecord per transaction after the snapshot, in zxid order
inline constexpr const char* kAcceptedEpochFile = "zab.accepted_epoch";
inline constexpr const char* kCurrentEpochFile = "zab.current_epoch";
inline constexpr const char* kSnapshotFile = "zab.snapshot";
inline constexpr const char* kLogFile = "zab.log";

class EpochRecord final : public Record {
 public:
  explicit EpochRecord(uint64_t epoch) : epoch_(epoch) {}
  std::string_view kind() const override { return "ZabEpoch"; }
  uint64_t digest() const override { return epoch_; }
  uint32_t bytes() const override { return 8; }
  uint64_t epoch() const { return epoch_; }

 private:
  uint64_t epoch_;
};

class TxnRecord final : public Record {
 public:
  explicit TxnRecord(Txn txn) : txn_(std::move(txn)) {}
  std::string_view kind() const override { return "ZabTxn"; }
  uint64_t digest() const override { return txn_.chain; }
  uint32_t bytes() const override { return txn_.bytes(); }
  const Txn& txn() const { return txn_; }

 private:
  Txn txn_;
};

class SnapshotRecord final : public Record {
 public:
  explicit SnapshotRecord(SnapshotPtr snapshot) : snapshot_(std::move(snapshot)) {}
  std::string_view kind() const override { return "ZabSnapshot"; }
  uint64_t digest() const override { return snapshot_->chain; }
  uint32_t bytes() const override { return 16 + snapshot_->data_bytes; }
  const SnapshotPtr& snapshot() const { return snapshot_; }

 private:
  SnapshotPtr snapshot_;
};

}  // namespace consim::protocols::zab
