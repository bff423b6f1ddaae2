// Online checker of Raft's safety invariants (Raft Figure 3, research/raft.md §7), fed every trace
// record of a run in order. It reads trace records only and keeps all its ghost state here,
// outside the nodes: a mirror of each node's durable log, the committed log G, the (index, term)
// -> hash map of every entry ever held, term -> leader and (node, term) -> vote.
//
// Invariant ids (stable; reports and scenario expectations name them):
//   election_safety       at most one leader per term.
//   leader_append_only    a leader never truncates, overwrites or replaces its log.
//   log_matching          equal (index, term) means equal chain hash; a node's log grows without gaps,
//                         with non-decreasing terms, and its raft.persist agrees with its traced log.
//   leader_completeness   a leader of term T holds every entry a leader committed in a term < T.
//   state_machine_safety  commits, snapshots and applies agree with G; nothing is applied (or
//                         snapshotted) beyond what was committed; applies are contiguous.
//   committed_is_durable  a leader's commit is held durably by a quorum of its configuration (both
//                         halves when joint); a node holds what it commits; no node drops an entry
//                         of G it holds; a restart recovers exactly the log the trace made durable.
//   term_monotonic        a node's term never decreases, across restarts too.
//   one_vote_per_term     a node votes for at most one candidate per term, across restarts too.
//   stale_read            a read served from a leader's lease (raft.read_index with lease=true, traced
//                         when the read is decided, not after the Ready in flight: an immediate event)
//                         is at an index no lower than G's end at that record:
//                         a deposed leader whose lease outlived its leadership (clock drift, B11) reads
//                         below what a later leader has committed. ReadIndex reads (lease=false) are not
//                         judged here: their index was fixed when the read arrived, and G may grow
//                         legitimately during the quorum round that confirms them.
//
// What the checker relies on (protocols/common/node.h, harness/node_host.cc): a node's events
// reach the trace, stamped with the node, only after the writes of the same Ready are synced, so
// the trace shows durable state — unless a lying sync is on, which is what the restart check
// catches. The exception is raft.read_index, an immediate event, traced as soon as the read is
// decided; it rests on nothing unsynced. Within one Ready a raft.commit may precede the
// raft.append records of the entries it commits; the Ready's raft.persist always follows both, so
// a commit is judged once its node's log holds the entry, or at the next raft.persist / raft.apply
// / raft.start / host.crash of that node, or at finish(). A host.crash_point record with
// step=events means the last Ready's writes were synced but its events lost: the restart that
// follows is then checked leniently (raft_durability.cc).
//
// Events and fields read:
//   raft.start   term vote commit last_index last_term last_hash snapshot_index snapshot_hash
//   raft.state   role term            raft.vote  term candidate("nK")
//   raft.append  index term hash      raft.truncate after
//   raft.commit  index term hash leader
//   raft.apply   first last last_term last_hash
//   raft.compact index term hash      raft.install_snapshot index term hash
//   raft.persist term vote last_index last_hash
//   raft.config  voters("voters=n1,n2 outgoing=n3 learners=n4")
//   raft.read_index lease index
//   host.crash (unless ignored=true), host.crash_point step
// A record missing a field it needs is skipped and counted in malformed_records().
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/time.h"
#include "checkers/invariants/committed_log.h"
#include "checkers/invariants/log_mirror.h"
#include "checkers/invariants/violation.h"
#include "sim/ids.h"
#include "sim/trace.h"

namespace consim::checkers {

class RaftInvariants {
 public:
  // Feed every record of the trace, from the first, in order. After the first violation the
  // checker only counts records.
  void observe(const sim::TraceRecord& record);
  // The kinds of record the checker reads (prefixes, for Trace::subscribe): the nodes' own, the
  // hosts' crashes and restarts, and the disks' completed syncs.
  static std::vector<std::string> kinds() { return {"raft.", "host.", "disk.synced"}; }
  // The trace ended: judges commits still waiting for their Ready's end.
  void finish();

  bool ok() const { return !violation_.has_value(); }
  const std::optional<Violation>& violation() const { return violation_; }

  // Counters for reports.
  uint64_t records_observed() const { return observed_; }
  uint64_t malformed_records() const { return malformed_; }
  // term -> the nodes that became its leader (more than one only with an election_safety violation).
  const std::map<uint64_t, std::vector<sim::HostId>>& leaders_by_term() const { return leaders_by_term_; }
  uint64_t terms_with_leader() const { return leaders_by_term_.size(); }
  // The highest index known committed (G's end).
  uint64_t max_committed_index() const { return committed_max_; }

 private:
  struct LogPoint {
    uint64_t index = 0;
    uint64_t term = 0;
    uint64_t hash = 0;
  };
  struct PendingCommit {
    LogPoint point;
    bool leader = false;
    SimTime time;
    uint64_t record_index = 0;
  };
  struct Voters {
    std::vector<sim::HostId> voters;
    std::vector<sim::HostId> outgoing;  // non-empty while joint
  };
  struct NodeState {
    LogMirror log;
    std::string role;       // from the last raft.state; empty while down
    uint64_t term = 0;      // from the last raft.state
    uint64_t max_term = 0;  // the highest term any of its records showed
    uint64_t commit = 0;    // this incarnation's commit index, as judged
    uint64_t applied = 0;
    std::optional<Voters> config;
    std::vector<PendingCommit> pending;
    bool events_lost = false;  // crashed after a sync, before that Ready's events
    // A sync completed whose Ready has not traced its events yet (its raft.persist): a crash
    // now loses them, as when the host is paused while its disk finishes the sync.
    bool synced_unreported = false;
    // The last vote record_vote() accepted from this node: every raft.persist repeats it, and a
    // repeat needs no lookup in votes_ (it is there, for the same candidate).
    std::optional<std::pair<uint64_t, sim::HostId>> last_vote;
  };
  enum class Holds { kYes, kNo, kUnknown };
  struct HashOwner {
    uint64_t hash = 0;
    sim::HostId node;
  };

  void dispatch(sim::HostId id, const sim::TraceRecord& record);
  void on_start(sim::HostId id, const sim::TraceRecord& record);
  void on_state(sim::HostId id, const sim::TraceRecord& record);
  void on_vote(sim::HostId id, const sim::TraceRecord& record);
  void on_append(sim::HostId id, const sim::TraceRecord& record);
  void on_truncate(sim::HostId id, const sim::TraceRecord& record);
  void on_commit(sim::HostId id, const sim::TraceRecord& record);
  void on_apply(sim::HostId id, const sim::TraceRecord& record);
  void on_compact(sim::HostId id, const sim::TraceRecord& record);
  void on_install_snapshot(sim::HostId id, const sim::TraceRecord& record);
  void on_persist(sim::HostId id, const sim::TraceRecord& record);
  void on_config(sim::HostId id, const sim::TraceRecord& record);
  void on_read_index(sim::HostId id, const sim::TraceRecord& record);
  void on_crash(sim::HostId id, const sim::TraceRecord& record);
  void on_crash_point(sim::HostId id, const sim::TraceRecord& record);
  // Three integer fields of `record` as a point of a log. Always inlined: the keys are literals,
  // so each field lookup compares against constants.
  [[gnu::always_inline]] static std::optional<LogPoint> read_point(const sim::TraceRecord& record,
                                                                   const Name& index_key, const Name& term_key,
                                                                   const Name& hash_key) {
    const int64_t* index = record.int_field(index_key);
    const int64_t* term = record.int_field(term_key);
    const int64_t* hash = record.int_field(hash_key);
    if (index == nullptr || term == nullptr || hash == nullptr) {
      return std::nullopt;
    }
    // Hashes are 64-bit patterns carried as int64 (see uint_field()).
    return LogPoint{static_cast<uint64_t>(*index), static_cast<uint64_t>(*term), static_cast<uint64_t>(*hash)};
  }

  // Restart: the recovered log against the mirror; false after a violation.
  bool check_recovered_exactly(sim::HostId id, const LogPoint& last, uint64_t snapshot_index, uint64_t snapshot_hash);
  bool check_recovered_leniently(sim::HostId id, const LogPoint& last, uint64_t snapshot_index, uint64_t snapshot_hash);
  void rebuild_mirror(NodeState& node, const LogPoint& last, uint64_t snapshot_index, uint64_t snapshot_hash);
  uint64_t committed_prefix(const LogMirror& log) const;

  // Commits: judged once the node's log holds them (or forcibly at the end of the Ready).
  void try_resolve(sim::HostId id, bool force);
  bool resolve(sim::HostId id, const PendingCommit& commit);
  bool extend_committed(sim::HostId id, uint64_t index);
  void check_commit_quorum(sim::HostId leader, uint64_t index);
  void check_leaders_hold(sim::HostId committer, const LogPoint& point);
  void check_new_leader(sim::HostId id, uint64_t term);

  bool check_term(sim::HostId id, uint64_t term, std::string_view kind);
  bool record_vote(sim::HostId id, uint64_t term, sim::HostId candidate);
  bool check_log_matching(sim::HostId id, const LogPoint& point);
  bool check_against_committed(sim::HostId id, const LogPoint& point, std::string_view what);
  // A cut of `id`'s log after `after` (truncate, overwrite, install): never by a leader, never of G.
  bool check_log_cut(sim::HostId id, uint64_t after, std::string_view what);
  // Whether `log` holds G's entry at `index`; kUnknown when G or the log does not know it.
  Holds holds(const LogMirror& log, uint64_t index) const;
  uint64_t committed_term(uint64_t index) const;  // 0 when G does not know it

  // Asked several times for nearly every record: small host indexes are cached.
  NodeState& node(sim::HostId id) {
    if (id.index < node_cache_.states.size() && node_cache_.states[id.index] != nullptr) {
      return *node_cache_.states[id.index];
    }
    return node_slow(id);
  }
  NodeState& node_slow(sim::HostId id);
  // Records the first violation, blamed on the record being judged (now_, now_index_).
  void fail(std::string_view invariant, std::string message, std::vector<sim::HostId> nodes);

  std::map<sim::HostId, NodeState> nodes_;
  // host index -> its state in nodes_ (whose nodes never move, not even when the map is moved).
  // A copy of the checker starts with an empty cache: the pointers would be the original's.
  struct NodeCache {
    static constexpr uint32_t kMaxIndex = 64;
    std::vector<NodeState*> states;
    NodeCache() = default;
    NodeCache(const NodeCache& /*other*/) {}
    NodeCache(NodeCache&&) = default;
    NodeCache& operator=(const NodeCache& other) {
      if (this != &other) {
        states.clear();
      }
      return *this;
    }
    NodeCache& operator=(NodeCache&&) = default;
    ~NodeCache() = default;
  };
  NodeCache node_cache_;
  CommittedLog committed_;  // G, index -> entry (gaps only where unknown)
  uint64_t committed_max_ = 0;
  std::map<uint64_t, uint64_t> commit_points_;  // entry term -> largest index a leader committed at
  // (index, term) -> first hash seen; looked up for nearly every record and never iterated. The
  // first term seen at an index (nearly always the only one) sits in a vector by index; other
  // terms, and indexes far beyond the vector (a corrupt trace), in a hash map.
  class EntryHashes {
   public:
    // The owner recorded for (index, term), and whether it was recorded just now as `owner`.
    std::pair<const HashOwner*, bool> try_emplace(uint64_t index, uint64_t term, const HashOwner& owner) {
      if (index < dense_.size() + kMaxGap) {
        if (index >= dense_.size()) {
          dense_.resize(index + 1);
        }
        Slot& slot = dense_[index];
        if (slot.used && slot.term == term) {
          return {&slot.owner, false};
        }
        if (!slot.used) {
          if (!others_.empty()) {
            const auto it = others_.find(std::pair{index, term});  // recorded before the vector reached it
            if (it != others_.end()) {
              return {&it->second, false};
            }
          }
          slot = Slot{term, owner, true};
          return {&slot.owner, true};
        }
      }
      const auto [it, inserted] = others_.try_emplace(std::pair{index, term}, owner);
      return {&it->second, inserted};
    }

   private:
    static constexpr uint64_t kMaxGap = uint64_t{1} << 16;
    struct Slot {
      uint64_t term = 0;
      HashOwner owner;
      bool used = false;
    };
    struct IndexTermHash {
      size_t operator()(const std::pair<uint64_t, uint64_t>& key) const {
        return static_cast<size_t>((key.first * 0x9e3779b97f4a7c15ULL) ^ (key.second + (key.first >> 29)));
      }
    };
    std::vector<Slot> dense_;
    std::unordered_map<std::pair<uint64_t, uint64_t>, HashOwner, IndexTermHash> others_;
  };
  EntryHashes hashes_;
  std::vector<sim::HostId> holders_scratch_;  // check_commit_quorum's buffer
  std::map<uint64_t, std::vector<sim::HostId>> leaders_by_term_;
  std::map<std::pair<sim::HostId, uint64_t>, sim::HostId> votes_;  // (voter, term) -> candidate

  std::optional<Violation> violation_;
  uint64_t observed_ = 0;
  uint64_t malformed_ = 0;
  SimTime now_;  // the record being judged: the one observed, or the commit being resolved
  uint64_t now_index_ = 0;
};

}  // namespace consim::checkers
