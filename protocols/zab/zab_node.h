// ZAB as ZooKeeper runs it ("Zab 1.0"; research/zab.md a.4), as a pure state machine with the
// same surface as Raft (common/node.h): Fast Leader Election, discovery, per-learner
// synchronization (DIFF, TRUNC, SNAP), broadcast over FIFO streams, PING and the sync-limit
// check, observers, local and `sync` reads.
//
// Like ZooKeeper, a node applies its whole log on restart and when it leaves a role (the
// "fast-forward" of the data tree), uncommitted tail included; a TRUNC from the next leader
// reloads the tree from the snapshot and the truncated log. Client commands are the
// transactions (replicas apply them deterministically); a replay or fast-forward never answers
// a client.
//
// Trace events (fields; zxids and chains as integers, nodes as "nK"). Events of a Ready reach the
// trace after its writes are synced, so zab.log / zab.*_epoch / zab.snapshot describe durable state.
//   zab.start          accepted_epoch current_epoch last_zxid last_chain snapshot_zxid snapshot_chain voters
//   zab.state          state(looking|following|leading|observing) phase(election|discovery|sync|broadcast)
//                      epoch leader round
//   zab.vote           round leader zxid epoch                 FLE: the node's proposal
//   zab.elected        round leader state                      FLE: decided
//   zab.accepted_epoch epoch                                   written (durable)
//   zab.current_epoch  epoch                                   written (durable)
//   zab.propose        zxid chain digest epoch                 leader: a new transaction
//   zab.log            zxid chain                              appended to the durable log
//   zab.truncate       zxid                                    log cut: nothing after zxid remains
//   zab.snapshot       zxid chain log_first                    a snapshot written; the log now starts at
//                                                              log_first (0: empty); it may keep txns <= zxid
//   zab.snap_install   zxid chain                              SNAP: the log replaced by a snapshot
//   zab.commit         zxid chain held                         the node's log is committed up to zxid;
//                                                              held=false: a COMMIT for a zxid it does not hold
//   zab.restore        zxid chain                              the application reloaded from a snapshot
//   zab.apply          zxid chain count                        the application applied `count` txns, up to
//                                                              zxid; chain: over what it actually applied
//   zab.newleader      epoch leader last_zxid last_chain       learner: NEWLEADER accepted; its history ends here
//   zab.ack_newleader  epoch leader last_zxid last_chain       learner: NEWLEADER ack sent
//   zab.ack            zxid leader                             follower: proposal ack sent
//   zab.established    epoch last_zxid last_chain              leader: a quorum acked NEWLEADER
//   zab.serving        zxid chain                              serving clients; the application's point
//   zab.sync           peer mode(diff|trunc|trunc_diff|snap) peer_zxid zxid txns   leader's choice per learner
//   zab.step_down      reason                                  leaving a role for election
//   zab.error          what                                    a packet that breaks the protocol (ignored)
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/common/node.h"
#include "protocols/zab/config.h"
#include "protocols/zab/messages.h"
#include "protocols/zab/types.h"

namespace consim::protocols::zab {

enum class Phase : uint8_t { kElection, kDiscovery, kSync, kBroadcast };
std::string_view phase_name(Phase phase);

class ZabNode final : public Node {
 public:
  // `config` must be valid (ZabConfig::validate() empty). `random` is not used: nothing in ZAB is
  // drawn at random (the Node factory hands every protocol one).
  ZabNode(const ZabConfig& config, const Recovered& disk, RandomSource& random);

  // --- Node
  void step(NodeId from, const Message& message) override;
  void tick() override;
  void request(const ClientRequest& request) override;
  void compact(LogIndex applied, RecordPtr snapshot) override;
  void peer_unreachable(NodeId peer) override;
  bool has_ready() const override;
  Ready ready() override;
  void advance() override;
  NodeStatus status() const override;

  // --- Introspection (tests, status; checkers use the trace instead)
  NodeId id() const { return config_.id; }
  PeerState state() const { return state_; }
  Phase phase() const { return phase_; }
  bool serving() const { return serving_; }
  NodeId leader() const { return leader_; }
  uint64_t accepted_epoch() const { return accepted_epoch_; }
  uint64_t current_epoch() const { return current_epoch_; }
  uint64_t round() const { return round_; }
  const Vote& vote() const { return vote_; }
  uint64_t last_zxid() const;
  uint64_t last_chain() const;
  uint64_t committed_zxid() const { return committed_; }
  uint64_t applied_zxid() const { return applied_zxid_; }
  const std::deque<Txn>& log() const { return log_; }
  const SnapshotPtr& snapshot() const { return snapshot_; }
  const ZabConfig& config() const { return config_; }
  const ZxidLayout& layout() const { return layout_; }

 private:
  // The leader's view of one learner (ZooKeeper's LearnerHandler): learners go through the
  // phases independently.
  struct Learner {
    enum class Stage : uint8_t { kInfo, kEpochSent, kEpochAcked, kSyncing, kSynced, kUpToDate };
    Stage stage = Stage::kInfo;
    bool observer = false;
    uint64_t accepted_epoch = 0;
    uint64_t current_epoch = 0;
    uint64_t last_zxid = 0;
    bool epoch_ack = false;
    uint64_t heard_tick = 0;
  };
  struct Outstanding {
    uint64_t zxid = 0;
    uint64_t acks = 0;  // bit k-1: node k acknowledged (ZabConfig::validate() caps ids at 64)
    size_t ack_count() const { return static_cast<size_t>(__builtin_popcountll(acks)); }
  };
  struct PendingSync {
    uint64_t zxid = 0;  // answer once this is committed
    RequestId request;
    NodeId origin;
  };
  // A learner's transactions received during synchronization, before NEWLEADER.
  struct SyncState {
    enum class Mode : uint8_t { kNone, kDiff, kTrunc, kSnap } mode = Mode::kNone;
    std::vector<Txn> queued;  // proposals not yet logged
    std::vector<Txn> synced;  // at NEWLEADER: the history it acknowledges, until logged
    uint64_t commit_to = 0;   // COMMITs received so far
    bool newleader = false;   // NEWLEADER processed (waiting for UPTODATE)
  };

  // zab_node.cc: plumbing, persistence, recovery, application
  void recover(const Recovered& disk);
  void send(NodeId to, std::shared_ptr<ZabMessage> message, Channel channel = Channel::kStream);
  static std::shared_ptr<ZabMessage> make(MessageType type, NodeId from);
  void emit(Event event) { events_.push_back(std::move(event)); }
  void emit_state();
  void write_accepted_epoch(uint64_t epoch);
  void write_current_epoch(uint64_t epoch);
  void append_log(Txn txn);  // computes the chain, writes, traces zab.log
  void truncate_log(uint64_t zxid);
  void install_snapshot(const SnapshotPtr& snapshot);
  // Hands the application every logged txn in (applied, upto]; `answer` keeps client ids.
  void apply_to(uint64_t upto, bool answer);
  void reload_application(uint64_t upto);  // restore from the snapshot, replay the log to upto
  void commit_to(uint64_t zxid);
  const Txn* find(uint64_t zxid) const;
  uint64_t chain_at(uint64_t zxid) const;  // the chain at a zxid in the log or the snapshot, 0 if none
  void reject(const ClientRequest& request, Rejection::Reason reason);
  bool is_voter(NodeId node) const { return config_.is_voter(node); }
  void go_looking(std::string_view reason);

  // election.cc: Fast Leader Election
  void start_election();
  void broadcast_vote();
  void send_vote(NodeId to);
  void handle_notification(NodeId from, const ZabMessage& message);
  bool quorum_agrees(const std::map<NodeId, Vote>& votes, const Vote& vote, bool full) const;
  void decide(const Vote& vote);
  void tick_election();

  // leader.cc: discovery, synchronization and broadcast, the leader's side
  void lead();
  void handle_follower_info(NodeId from, const ZabMessage& message);
  void handle_ack_epoch(NodeId from, const ZabMessage& message);
  void handle_ack(NodeId from, const ZabMessage& message);
  void handle_request(NodeId origin, const ClientRequest& request);
  void choose_epoch();
  void sync_learner(NodeId peer, Learner& learner);
  void establish();
  void propose(const ClientRequest& request, NodeId origin);
  void try_commit();
  void answer_syncs();
  void tick_leader();
  size_t count_voters(const std::function<bool(NodeId, const Learner&)>& counts) const;

  // learner.cc: the follower's and observer's side
  void follow();
  void handle_leader_info(const ZabMessage& message);
  void handle_sync_start(const ZabMessage& message);
  void handle_proposal(const ZabMessage& message);
  void handle_commit(const ZabMessage& message);
  void handle_inform(const ZabMessage& message);
  void handle_newleader(const ZabMessage& message);
  void finish_newleader();
  void handle_uptodate(const ZabMessage& message);
  void handle_sync_answer(const ZabMessage& message);
  bool contiguous(uint64_t zxid) const;
  void tick_learner();

  ZabConfig config_;
  ZxidLayout layout_;

  // Persistent state, mirrored to disk through the Ready.
  uint64_t accepted_epoch_ = 0;
  uint64_t current_epoch_ = 0;
  SnapshotPtr snapshot_;  // never null: the empty state at zxid 0 at first
  std::deque<Txn> log_;   // contiguous history; may start at or before the snapshot's zxid

  // Volatile state.
  PeerState state_ = PeerState::kLooking;
  Phase phase_ = Phase::kElection;
  bool serving_ = false;
  NodeId leader_;
  uint64_t ticks_ = 0;
  uint64_t committed_ = 0;      // known committed in this incarnation
  uint64_t applied_zxid_ = 0;   // what the application holds ...
  uint64_t applied_chain_ = 0;  // ... and the chain over what it applied

  // FLE
  uint64_t round_ = 0;
  Vote vote_;                               // the current proposal (LOOKING) or the decided vote
  std::map<NodeId, Vote> received_;         // votes of LOOKING voters in this round
  std::map<NodeId, Vote> out_of_election_;  // votes of FOLLOWING/LEADING voters
  std::map<NodeId, PeerState> out_of_election_state_;
  uint32_t finalize_left_ = 0;  // ticks until deciding; 0 when not waiting
  uint32_t notify_elapsed_ = 0;
  uint32_t notify_timeout_ = 0;

  // Learner
  uint32_t silent_ticks_ = 0;  // since the leader was last heard
  SyncState sync_;
  // Bugs that split NEWLEADER handling over two Readys: the second half waits for the advance()
  // of the Ready that carries the first (deferred_in_flight_).
  uint64_t deferred_newleader_epoch_ = 0;
  bool deferred_in_flight_ = false;

  // Leader
  uint32_t role_ticks_ = 0;  // since leading began
  uint64_t new_epoch_ = 0;   // chosen epoch (0: not yet)
  bool epoch_quorum_ = false;
  bool established_ = false;
  std::map<NodeId, Learner> learners_;
  std::deque<Outstanding> outstanding_;  // proposed, not committed, in zxid order
  uint64_t durable_ = 0;                 // the leader's own log is durable up to here
  uint64_t writing_upto_ = 0;            // ... and will be once the Ready being executed is synced
  std::deque<PendingSync> syncs_;

  // The Ready being built.
  std::vector<StorageWrite> writes_;
  std::vector<Event> events_;
  std::vector<Outgoing> messages_;
  std::vector<NodeId> disconnects_;
  bool cancel_reads_ = false;
  RecordPtr restore_;
  bool restore_pending_ = false;
  uint64_t restore_zxid_ = 0;
  std::vector<Committed> committed_entries_;
  std::vector<ReadReady> reads_;
  std::vector<Rejection> rejections_;
};

}  // namespace consim::protocols::zab
