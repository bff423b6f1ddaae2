// Raft as a pure state machine (Ongaro & Ousterhout 2014; Ongaro's dissertation; etcd-raft).
//
// The node never reads time, randomness, disk or network: ticks, messages, client requests and
// what survived on its disk come in; one Ready batch of effects goes out (see common/node.h for
// the order the host must execute it in). Everything the node does is also described by trace
// events in the Ready, which the invariant checkers read.
//
// Storage layout (files on the node's disk):
//   raft.hardstate  one record: term, vote, commit        (replaced on change)
//   raft.snapshot   one record: snapshot meta + data      (replaced on compaction or install)
//   raft.log        one record per entry after the snapshot, in index order
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/common/node.h"
#include "protocols/raft/config.h"
#include "protocols/raft/log.h"
#include "protocols/raft/messages.h"
#include "protocols/raft/progress.h"
#include "protocols/raft/types.h"

namespace consim::protocols::raft {

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
std::string_view role_name(Role role);

class RaftNode final : public Node {
 public:
  // `config` must be valid (RaftConfig::validate() empty). `random` must outlive the node.
  RaftNode(const RaftConfig& config, const Recovered& disk, RandomSource& random);

  // --- Node
  void step(NodeId from, const Message& message) override;
  void tick() override;
  void request(const ClientRequest& request) override;
  void compact(LogIndex applied, RecordPtr snapshot) override;
  void peer_unreachable(NodeId peer) override;
  bool has_ready() const override;
  Ready ready() override;
  void advance() override;
  void recycle(Ready&& done) override;
  bool take_messages_only(std::vector<Outgoing>& out) override;
  NodeStatus status() const override;

  // --- Raft-specific inputs
  // Proposes a configuration change; refused (a Rejection in the Ready) when not leader, when
  // another change is pending or the term's first entry has not committed (§4.1, 2015 fix).
  void propose_conf_change(RequestId id, const ConfChange& change);
  // Asks the leader to hand leadership to `transferee` (thesis §3.10).
  void transfer_leadership(NodeId transferee);
  // Starts an election now (as if the election timeout fired).
  void campaign();

  // --- Introspection (tests, status; checkers use the trace instead)
  NodeId id() const { return config_.id; }
  Role role() const { return role_; }
  Term term() const { return term_; }
  NodeId voted_for() const { return vote_; }
  NodeId leader() const { return leader_; }
  const RaftLog& log() const { return log_; }
  const ClusterConfig& cluster() const { return cluster_; }
  const Progress* progress(NodeId peer) const;
  uint32_t randomized_election_timeout() const { return randomized_timeout_; }
  const RaftConfig& config() const { return config_; }
  NodeId transferee() const { return transferee_; }

 private:
  struct PendingRead {
    ClientRequest request;
    NodeId origin;   // the node whose client asked (self, or a follower that forwarded it)
    LogIndex index;  // the commit index when the read was received
    std::set<NodeId> acks;
  };

  // raft_node.cc: plumbing, persistence, recovery
  void recover(const Recovered& disk);
  void send(RaftMessage message);
  // A message built where it will live (the pool), filled in by the caller and handed to send():
  // the busiest messages (appends, heartbeats and their answers) skip a move and a destruction.
  static std::shared_ptr<RaftMessage> make_message(MessageType type, NodeId to);
  void send(std::shared_ptr<RaftMessage> message);
  // By value: with an rvalue reference, clang 14 sinks the destructors of the temporaries built
  // in several branches (emit(Event("x").add(...))) past their scopes, and AddressSanitizer
  // reports a use after scope.
  void emit(Event event) { events_.push_back(std::move(event)); }
  // Whether the next Ready holds anything besides messages (has_ready() and take_messages_only()
  // ask both): events, reads, rejections, or state to write or apply.
  bool has_more_than_messages() const;
  // ready(), step by step: what the log and the hard state need written (each returns whether the
  // batch must be synced before it goes on), and the committed entries for the application.
  bool write_log(std::vector<StorageWrite>& writes);
  bool write_hard_state(std::vector<StorageWrite>& writes, bool durable_change);
  void hand_out_committed(std::vector<Committed>& committed);
  // Traces what the log appended or truncated since the last call. Inline: it runs after every
  // input, and nearly always finds nothing to do.
  void drain_log_changes() {
    if (log_.has_changes()) {
      trace_log_changes();
    }
  }
  void trace_log_changes();
  void reset(Term term);
  void become_follower(Term term, NodeId leader);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void emit_state();
  void reset_randomized_timeout();
  bool promotable() const;
  void apply_conf_changes(const std::vector<Entry>& entries);
  void set_cluster(const ClusterConfig& cluster);
  void reject(const ClientRequest& request, Rejection::Reason reason);
  void reject_id(RequestId id, Rejection::Reason reason);
  void set_term_and_vote(Term term, NodeId vote, bool persist_vote);
  LogIndex config_applied() const;
  bool has_unapplied_conf_changes() const;

  // election.cc
  void tick_election();
  void tick_heartbeat();
  void start_election(bool pre_vote, bool transfer);
  void handle_vote_request(const RaftMessage& message);
  void handle_vote_response(const RaftMessage& message);
  bool step_term(const RaftMessage& message);
  bool in_lease() const;
  void handle_timeout_now(const RaftMessage& message);
  void send_timeout_now(NodeId to);
  void handle_transfer_leader(NodeId transferee);

  // replication.cc
  void step_leader(const RaftMessage& message);
  void step_follower(const RaftMessage& message);
  void step_candidate(const RaftMessage& message);
  bool append_entries(std::vector<Entry> entries);
  void broadcast_append();
  bool send_append(NodeId to, bool send_if_empty);
  void send_heartbeat(NodeId to, uint64_t context);
  void broadcast_heartbeat(uint64_t context);
  void handle_append(const RaftMessage& message);
  void handle_append_response(const RaftMessage& message);
  void handle_heartbeat(const RaftMessage& message);
  void handle_heartbeat_response(const RaftMessage& message);
  void handle_snapshot(const RaftMessage& message);
  bool maybe_commit();
  void commit_to(LogIndex index);
  void propose(const ClientRequest& request, NodeId origin);
  void propose_entry(EntryType type, RecordPtr command, RequestId request, NodeId origin);

  // reads.cc
  void read(const ClientRequest& request, NodeId origin);
  void serve_read_index(const ClientRequest& request, NodeId origin);
  void release_pending_reads();
  void handle_read_acks(NodeId from, uint64_t context);
  // Whether the nodes in `acks` (the leader included) confirm a read round: a quorum.
  bool acknowledged_by_quorum(const std::set<NodeId>& acks) const;
  void finish_read(const PendingRead& read);
  bool lease_valid() const;
  void handle_read_index_response(const RaftMessage& message);

  // membership.cc
  void handle_conf_change(RequestId id, const ConfChange& change, NodeId origin);
  void maybe_leave_joint();
  void update_progress_set();

  RaftConfig config_;
  RandomSource& random_;

  // Persistent state (Raft Figure 2), mirrored to disk through the Ready.
  Term term_;
  NodeId vote_;
  RaftLog log_;

  // Volatile state.
  ClusterConfig cluster_;  // the configuration in effect: the last one applied
  Role role_ = Role::kFollower;
  NodeId leader_;
  uint32_t election_elapsed_ = 0;
  uint32_t heartbeat_elapsed_ = 0;
  uint32_t randomized_timeout_ = 0;
  uint64_t ticks_ = 0;  // ticks since this incarnation started: heartbeat contexts, leases
  std::map<NodeId, bool> votes_;
  std::map<NodeId, Progress> progress_;
  LogIndex pending_conf_index_;
  NodeId transferee_;
  uint32_t transfer_elapsed_ = 0;
  bool timeout_now_sent_ = false;  // leader: a TimeoutNow went out this term, so no more lease reads
  // CheckQuorum: ticks left during which a node that restarted from a non-empty disk still
  // withholds votes, as it may have acknowledged a leader's lease just before it crashed.
  uint32_t restart_lease_ticks_ = 0;
  std::map<NodeId, uint64_t> lease_acks_;  // leader: newest heartbeat context each peer answered
  std::vector<std::pair<ClientRequest, NodeId>> reads_waiting_for_commit_;
  std::map<uint64_t, PendingRead> reads_in_flight_;  // by context: the heartbeat round confirming them
  uint64_t next_read_context_ = 1;

  // The Ready being built.
  std::vector<Outgoing> messages_;
  std::vector<Event> events_;
  std::vector<StorageWrite> spare_writes_;  // buffers handed back by recycle()
  // Record lists of written batches, emptied, for the next writes (a log append and a hard state
  // on nearly every Ready): at most kSpareRecordsMax are kept.
  static constexpr size_t kSpareRecordsMax = 8;
  std::vector<std::vector<StoredRecord>> spare_records_;
  // Appends an empty write of `kind` to `file`, its record list a spare one.
  StorageWrite& add_write(std::vector<StorageWrite>& writes, StorageWrite::Kind kind, const char* file);
  std::vector<Committed> spare_committed_;
  std::vector<ReadReady> reads_;
  std::vector<Rejection> rejections_;
  SnapshotPtr snapshot_;            // the latest snapshot (compacted or installed), for peers
  bool snapshot_dirty_ = false;     // must be written to disk
  SnapshotPtr restore_;             // must be installed into the application
  bool broadcast_pending_ = false;  // new entries to send: batched until the next Ready
  bool vote_unpersisted_ = false;   // bug vote_before_persist: leave the vote out of this Ready

  // What the disk holds (written; durable once the host syncs a Ready).
  Term disk_term_;
  NodeId disk_vote_;
  LogIndex disk_commit_;
  LogIndex disk_log_first_{1};  // index of the first record of raft.log
  LogIndex disk_log_last_;      // index of its last record (first - 1 when empty)
  bool disk_log_torn_ = false;  // raft.log ends in a torn record, to be cut off first

  bool ready_in_flight_ = false;
  std::vector<Entry> handed_out_;   // committed entries of the Ready in flight
  std::vector<Entry> applying_;     // advance(): the entries being applied (a reused buffer)
  std::vector<LogChange> changes_;  // drain_log_changes(): the log's changes (a reused buffer)
};

}  // namespace consim::protocols::raft
