// Online checker of ZAB's safety invariants (research/zab.md (e)), fed every trace record of a
// run in order. It reads trace records only and keeps all its ghost state here, outside the
// nodes: a mirror of each node's durable history, its epochs, role and serving flag, the
// committed history G (zxid -> chain, in order), epoch -> established leader, and zxid -> digest
// of every proposal.
//
// Invariant ids (stable; reports and scenario expectations name them):
//   one_leader_per_epoch  at most one node emits zab.established per epoch, across restarts
//                         (Leadership2).
//   prefix_consistency    every commit agrees with G: the committing node's history from its last
//                         commit point up to the commit is in G with the same chains, or extends G
//                         at its end without skipping a committed txn (PrefixConsistency); and no
//                         truncation, snapshot install or restart removes a txn of G that the node
//                         held (CommittedLogDurability).
//   commit_consistency    a node commits only what its durable log holds: zab.commit held=false
//                         (a COMMIT for a zxid it does not hold, ZOOKEEPER-4394), or a commit its
//                         log does not hold by the end of its Ready.
//   primary_order         a leader proposes only while leading, in its own epoch, with counters
//                         1, 2, 3, ... (below the rollover value); a node's log zxids increase.
//   zxid_unique           no zxid is proposed twice with different digests.
//   primary_integrity     a leader, when established and when proposing in epoch e, holds G's last
//                         txn of the epochs before e (LeaderLogCompleteness).
//   epoch_order           accepted_epoch >= current_epoch on every node; neither ever decreases,
//                         across restarts too.
//   ack_durability        an ACK names a txn the node's durable log holds; a NEWLEADER ACK follows
//                         the durable current epoch and the durable history the accepted NEWLEADER
//                         announced (ZOOKEEPER-3911, 4646); a learner's current epoch is written
//                         only once that history is durable (ZOOKEEPER-4643).
//   process_consistency   the history a follower acknowledges NEWLEADER with is in its leader's
//                         history (ProcessConsistency).
//   state_consistency     while serving, the application stands on G and moves forward: zab.serving
//                         and every zab.apply name a point of G, each apply past the last (replays
//                         and fast-forwards while not serving, after zab.step_down, are allowed).
//   quorum_durability     when the established leader commits, a quorum of the voters holds the
//                         txn durably (no acknowledged write lost).
//
// What the checker relies on (protocols/common/node.h, harness/node_host.cc): a node's events
// reach the trace, stamped with the node, only after the writes of the same Ready are synced, so
// zab.log, zab.*_epoch, zab.snapshot, zab.snap_install and zab.truncate show durable state. Within
// one Ready a zab.commit may precede the zab.log of the txn it commits, so a commit is judged once
// its node's log holds it, or at that node's next record of another kind than zab.log, zab.commit
// and zab.propose, at host.crash, or at finish(). A restart whose recovered history differs from
// the mirror (events lost with a crash at step=events, or a lying disk) rebuilds the mirror
// leniently: only the recovered snapshot and last txn are known.
//
// Events and fields read (protocols/zab/zab_node.h):
//   zab.start          accepted_epoch current_epoch last_zxid last_chain snapshot_zxid snapshot_chain
//                      voters("n1,n2,n3") [counter_bits, default 32]
//   zab.state          state phase          zab.established   epoch last_zxid last_chain
//   zab.step_down      (leaving a role: no longer serving, before the fast-forward's zab.apply)
//   zab.accepted_epoch epoch                zab.current_epoch epoch
//   zab.propose        zxid chain digest [epoch]
//   zab.log            zxid chain           zab.truncate      zxid
//   zab.snapshot       zxid chain log_first zab.snap_install  zxid chain
//   zab.commit         zxid chain held      zab.apply / zab.restore / zab.serving  zxid chain
//   zab.newleader / zab.ack_newleader  epoch leader last_zxid last_chain
//   zab.ack            zxid                 (counter 0, a NEWLEADER/UPTODATE ack, names no txn)
//   host.crash (unless ignored=true), host.crash_point step
// A record missing a field it needs is skipped and counted in malformed_records().
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/time.h"
#include "checkers/invariants/violation.h"
#include "checkers/invariants/zab_history.h"
#include "sim/ids.h"
#include "sim/trace.h"

namespace consim::checkers {

class ZabInvariants {
 public:
  // Feed every record of the trace, from the first, in order. After the first violation the
  // checker only counts records.
  void observe(const sim::TraceRecord& record);
  // The trace ended: judges commits still waiting for their Ready's end.
  void finish();

  bool ok() const { return !violation_.has_value(); }
  const std::optional<Violation>& violation() const { return violation_; }

  // Counters for reports.
  uint64_t records_observed() const { return observed_; }
  uint64_t malformed_records() const { return malformed_; }
  // epoch -> the node that established it.
  const std::map<uint64_t, sim::HostId>& leaders_by_epoch() const { return leaders_by_epoch_; }
  uint64_t epochs_with_leader() const { return leaders_by_epoch_.size(); }
  // Points of G the trace showed, and G's last zxid.
  uint64_t committed_txns() const { return committed_.size(); }
  uint64_t max_committed_zxid() const { return committed_.last_zxid(); }
  uint64_t proposals() const { return proposals_.size(); }
  // Restarts whose recovered history differed from the mirror: with a crash that lost a synced
  // Ready's events, and without one (a disk that lost synced writes).
  uint64_t rebuilds_after_lost_events() const { return rebuilds_lost_events_; }
  uint64_t rebuilds_unexplained() const { return rebuilds_unexplained_; }

 private:
  struct PendingCommit {
    ZxidChain point;
    SimTime time;
    uint64_t record_index = 0;
  };
  struct NewLeader {
    uint64_t epoch = 0;
    sim::HostId leader;
    ZxidChain last;
    bool operator==(const NewLeader&) const = default;
  };
  struct Proposal {
    uint64_t digest = 0;
    sim::HostId node;
  };
  struct NodeState {
    // Durable, as the trace showed it.
    ZabLogMirror log;
    uint64_t accepted_epoch = 0;
    uint64_t current_epoch = 0;
    std::vector<sim::HostId> voters;  // from zab.start
    // The accepted epoch when its history was last cut (truncated, replaced, rebuilt): a leader's
    // history is a reference for its epoch e only while no cut happened in a later epoch.
    uint64_t cut_epoch = 0;
    bool started = false;  // a zab.start was seen
    // Volatile: this incarnation's.
    std::string role;  // zab.state state; empty while down
    bool serving = false;
    std::optional<uint64_t> established;  // the epoch it established and still leads
    uint64_t commit_zxid = 0;             // its commit point, as judged
    ZxidChain applied;
    std::optional<NewLeader> newleader;  // the last NEWLEADER it accepted
    std::vector<PendingCommit> pending;
    bool events_lost = false;  // crashed after a sync, before that Ready's events
  };

  void dispatch(sim::HostId id, const sim::TraceRecord& record);
  // zab_invariants.cc: leadership, proposals, commits, application
  void on_state(sim::HostId id, const sim::TraceRecord& record);
  void on_established(sim::HostId id, const sim::TraceRecord& record);
  void on_step_down(sim::HostId id, const sim::TraceRecord& record);
  void on_propose(sim::HostId id, const sim::TraceRecord& record);
  void on_log(sim::HostId id, const sim::TraceRecord& record);
  void on_commit(sim::HostId id, const sim::TraceRecord& record);
  void on_apply(sim::HostId id, const sim::TraceRecord& record);
  void on_restore(sim::HostId id, const sim::TraceRecord& record);
  void on_serving(sim::HostId id, const sim::TraceRecord& record);
  // zab_durability.cc: epochs, acknowledgements, cuts, crashes and restarts
  void on_accepted_epoch(sim::HostId id, const sim::TraceRecord& record);
  void on_current_epoch(sim::HostId id, const sim::TraceRecord& record);
  void on_newleader(sim::HostId id, const sim::TraceRecord& record);
  void on_ack_newleader(sim::HostId id, const sim::TraceRecord& record);
  void on_ack(sim::HostId id, const sim::TraceRecord& record);
  void on_truncate(sim::HostId id, const sim::TraceRecord& record);
  void on_snapshot(sim::HostId id, const sim::TraceRecord& record);
  void on_snap_install(sim::HostId id, const sim::TraceRecord& record);
  void on_crash(sim::HostId id, const sim::TraceRecord& record);
  void on_crash_point(sim::HostId id, const sim::TraceRecord& record);
  void on_start(sim::HostId id, const sim::TraceRecord& record);

  static std::optional<ZxidChain> read_point(const sim::TraceRecord& record, const Name& zxid_key,
                                             const Name& chain_key);
  static std::optional<NewLeader> read_newleader(const sim::TraceRecord& record);

  // Commits: judged once the node's log holds them (or forcibly at the end of the Ready).
  void try_resolve(sim::HostId id, bool force);
  bool resolve(sim::HostId id, const PendingCommit& commit);
  bool check_commit_prefix(sim::HostId id, const ZxidChain& commit);
  bool extend_committed(sim::HostId id, const ZxidChain& point);
  void check_commit_quorum(sim::HostId leader, const ZxidChain& point);
  // Leader completeness: `id` holds G's last txn of the epochs before `epoch`.
  bool check_leader_complete(sim::HostId id, uint64_t epoch, std::string_view what);
  bool check_on_committed(sim::HostId id, const ZxidChain& point, std::string_view what);

  bool check_epochs(sim::HostId id, uint64_t accepted, uint64_t current, std::string_view what);
  // A cut of `id`'s history: it must hold no txn of G beyond `keep`.
  bool check_cut(sim::HostId id, uint64_t keep, std::string_view what);
  bool check_recovered(sim::HostId id, const ZxidChain& snapshot, const ZxidChain& last);
  void rebuild_mirror(NodeState& state, const ZxidChain& snapshot, const ZxidChain& last);
  void clear_volatile(NodeState& state);

  // Whether `log` holds (zxid, chain): by its own points, or below its snapshot through G.
  Holds holds(const ZabLogMirror& log, const ZxidChain& point) const;
  // G's latest point that `log` holds; nullopt if none.
  std::optional<ZxidChain> committed_held(const ZabLogMirror& log) const;

  uint64_t epoch_of(uint64_t zxid) const { return counter_bits_ >= 64 ? 0 : zxid >> counter_bits_; }
  uint64_t counter_of(uint64_t zxid) const { return zxid & counter_mask(); }
  uint64_t counter_mask() const { return counter_bits_ >= 64 ? ~uint64_t{0} : (uint64_t{1} << counter_bits_) - 1; }
  uint64_t first_zxid_of(uint64_t epoch) const { return counter_bits_ >= 64 ? 0 : epoch << counter_bits_; }
  // "(2,5)", as ZxidLayout::describe.
  std::string zxid_text(uint64_t zxid) const;
  std::string point_text(const ZxidChain& point) const;  // "(2,5) (chain 00ab...)"
  std::string last_text(const ZabLogMirror& log) const;  // "(2,5)", or "an unknown point"

  NodeState& node(sim::HostId id) { return nodes_[id]; }
  // Records the first violation, blamed on the record being judged (now_, now_index_).
  void fail(std::string_view invariant, std::string message, std::vector<sim::HostId> nodes);

  std::map<sim::HostId, NodeState> nodes_;
  CommittedHistory committed_;  // G
  std::map<uint64_t, sim::HostId> leaders_by_epoch_;
  std::map<uint64_t, Proposal> proposals_;     // zxid -> the first proposal of it
  std::map<uint64_t, uint64_t> last_counter_;  // epoch -> the last counter proposed in it
  uint32_t counter_bits_ = 32;                 // zab.start counter_bits

  std::optional<Violation> violation_;
  uint64_t observed_ = 0;
  uint64_t malformed_ = 0;
  uint64_t rebuilds_lost_events_ = 0;
  uint64_t rebuilds_unexplained_ = 0;
  SimTime now_;  // the record being judged: the one observed, or the commit being resolved
  uint64_t now_index_ = 0;
};

}  // namespace consim::checkers
