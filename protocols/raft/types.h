// Raft's data: log entries with their hash chain, cluster configurations, snapshots.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "protocols/common/effects.h"
#include "protocols/common/ids.h"

namespace consim::protocols::raft {

// Who is in the cluster. A joint configuration has a non-empty voters_outgoing (Raft §6,
// joint consensus): decisions then need a majority of both voter sets. Learners receive the
// log but never vote or count towards a quorum. All lists are sorted and duplicate-free.
struct ClusterConfig {
  std::vector<NodeId> voters;
  std::vector<NodeId> voters_outgoing;
  std::vector<NodeId> learners;

  bool joint() const { return !voters_outgoing.empty(); }
  bool is_voter(NodeId node) const {
    return std::binary_search(voters.begin(), voters.end(), node) ||
           std::binary_search(voters_outgoing.begin(), voters_outgoing.end(), node);
  }
  bool is_learner(NodeId node) const { return std::binary_search(learners.begin(), learners.end(), node); }
  bool is_member(NodeId node) const { return is_voter(node) || is_learner(node); }
  // Every member, voters first then learners, sorted within each group, no duplicates.
  std::vector<NodeId> members() const;
  uint64_t digest() const;
  std::string describe() const;  // "voters=n1,n2,n3 outgoing= learners=n4"
  bool operator==(const ClusterConfig&) const = default;
};

// A requested configuration change (Raft §4.1 single-server, and §4.3/§6 joint consensus).
struct ConfChange {
  enum class Kind : uint8_t {
    kAddVoter,     // single-server: add (or promote a learner to) a voter
    kRemoveVoter,  // single-server: remove a voter (or a learner)
    kAddLearner,   // add a learner (or demote a voter)
    kEnterJoint,   // joint consensus: move to voters = `voters`, learners = `learners`
    kLeaveJoint,   // joint consensus: drop the outgoing voters
  };
  Kind kind = Kind::kAddVoter;
  NodeId node;                   // single changes
  std::vector<NodeId> voters;    // kEnterJoint: the incoming voter set
  std::vector<NodeId> learners;  // kEnterJoint: the learner set afterwards

  std::string describe() const;
};

// What `change` turns `config` into; `error` is non-empty, explaining why, when it is not allowed
// (e.g. a single-server change on a joint configuration, removing the last voter).
struct ConfChangeResult {
  ClusterConfig config;
  std::string error;
};
ConfChangeResult apply_conf_change(const ClusterConfig& config, const ConfChange& change);

// The record a configuration entry carries.
class ConfChangeRecord final : public Record {
 public:
  explicit ConfChangeRecord(ConfChange change) : change_(std::move(change)) {}
  std::string_view kind() const override { return "ConfChange"; }
  uint64_t digest() const override;
  const ConfChange& change() const { return change_; }

 private:
  ConfChange change_;
};

enum class EntryType : uint8_t { kNormal, kNoop, kConfChange, kRead };

struct Entry {
  Term term;
  LogIndex index;
  EntryType type = EntryType::kNormal;
  RecordPtr command;  // kNormal / kRead: the client's command; kConfChange: a ConfChangeRecord
  RequestId request;
  NodeId origin;
  // H_i = mix(H_{i-1}, term, index, type, digest(command)): equal hashes at an index mean equal
  // logs up to it (Log Matching, checked by the invariant checker across nodes).
  uint64_t hash = 0;

  uint32_t bytes() const;
  const ConfChange* conf_change() const;
};

// The chain hash of an entry appended after `previous`.
uint64_t chain_hash(uint64_t previous, const Entry& entry);

struct SnapshotMeta {
  LogIndex index;
  Term term;
  uint64_t hash = 0;  // the chain hash at `index`
  ClusterConfig config;
};

struct Snapshot {
  SnapshotMeta meta;
  RecordPtr data;  // the application's state at meta.index; null for the initial empty state
  uint32_t data_bytes = 0;
};
using SnapshotPtr = std::shared_ptr<const Snapshot>;

std::string_view entry_type_name(EntryType type);

}  // namespace consim::protocols::raft
