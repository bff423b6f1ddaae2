// An in-process Raft cluster for unit tests of the pure core (etcd's raft_test.go `network`,
// canonical/raft's fixture): N RaftNodes, a deterministic random source each, an in-memory disk
// each that applies the Ready's StorageWrites, and a FIFO message queue the test drives by hand.
//
// Every input (step, tick, request, ...) is followed by processing the node's Readies in the
// documented order (writes, events, messages, restore, committed, reads, rejections, advance),
// unless the node is held: then the test takes and executes its Readies itself. Messages are
// queued, never delivered implicitly: stabilize() delivers until the queue is empty, deliver()
// delivers a chosen subset. Links can be cut, nodes isolated and message types ignored; those
// messages are dropped when sent. A crash keeps only the disk; a restart rebuilds the node from it.
//
// The fixture also watches the cluster from outside, like the invariant checkers would: at most
// one leader per term, and one entry (term) per committed index across all nodes and incarnations.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocols/common/effects.h"
#include "protocols/common/node.h"
#include "protocols/raft/config.h"
#include "protocols/raft/messages.h"
#include "protocols/raft/raft_node.h"
#include "protocols/raft/storage.h"
#include "protocols/raft/types.h"

namespace consim::protocols {

// gtest printers for the strong types, found by argument-dependent lookup.
inline void PrintTo(const NodeId& node, std::ostream* out) { *out << node.name(); }
inline void PrintTo(const Term& term, std::ostream* out) { *out << "term " << term.value; }
inline void PrintTo(const LogIndex& index, std::ostream* out) { *out << "index " << index.value; }
inline void PrintTo(const RequestId& id, std::ostream* out) { *out << "request " << id.value; }

namespace raft {
inline void PrintTo(const Role& role, std::ostream* out) { *out << role_name(role); }
}  // namespace raft

}  // namespace consim::protocols

namespace consim::protocols::raft::testing {

// A 64-bit LCG (Knuth's MMIX constants), or a pinned value: deterministic election jitter.
class TestRandom final : public RandomSource {
 public:
  explicit TestRandom(uint64_t seed);
  uint64_t uniform(uint64_t bound) override;
  // While pinned, every draw returns `value % bound`.
  void pin(std::optional<uint64_t> value) { pinned_ = value; }

 private:
  uint64_t state_;
  std::optional<uint64_t> pinned_;
};

// A client command: an integer.
class TestCommand final : public Record {
 public:
  explicit TestCommand(uint64_t value) : value_(value) {}
  std::string_view kind() const override { return "TestCommand"; }
  uint64_t digest() const override { return value_ * 0x9e3779b97f4a7c15ULL + 1; }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_;
};

// The application's snapshot: just the index it was taken at.
class TestSnapshotData final : public Record {
 public:
  explicit TestSnapshotData(LogIndex index) : index_(index) {}
  std::string_view kind() const override { return "TestSnapshot"; }
  uint64_t digest() const override { return index_.value * 0xbf58476d1ce4e5b9ULL + 7; }
  LogIndex index() const { return index_; }

 private:
  LogIndex index_;
};

// The command value of a committed entry, or nullopt for the protocol's own entries.
std::optional<uint64_t> command_value(const Committed& committed);

struct Envelope {
  NodeId from;
  NodeId to;
  RaftMessagePtr message;

  MessageType type() const { return message->type; }
};
using MessageFilter = std::function<bool(const Envelope&)>;

// Filters for the common cases.
MessageFilter of_type(MessageType type);
MessageFilter to_node(uint32_t id);
MessageFilter from_node(uint32_t id);
MessageFilter between(uint32_t from, uint32_t to);
MessageFilter all_of(MessageFilter a, MessageFilter b);
MessageFilter any_message();

// A message built by hand for injection; `from` and `to` are set, the rest is the caller's.
RaftMessage make_message(MessageType type, uint32_t from, uint32_t to, uint64_t term);

// Entries with the given terms at indexes first, first+1, ..., hash-chained from `previous_hash`.
std::vector<Entry> make_entries(const std::vector<uint64_t>& terms, LogIndex first = LogIndex{1},
                                uint64_t previous_hash = 0);
// A disk image as a node would have written it: hard state plus a log with the given terms.
Recovered make_disk(uint64_t term, uint32_t vote, uint64_t commit, const std::vector<uint64_t>& log_terms);

// The hard state on a disk image, if any.
std::optional<HardState> disk_hard_state(const Recovered& disk);

// Applies one StorageWrite to a disk image.
void apply_write(Recovered& disk, const StorageWrite& write);

// The terms of a node's log entries after its snapshot, in order.
std::vector<uint64_t> log_terms(const RaftNode& node);

// Configs for a cluster: voters 1..voters, then learners.
ClusterConfig make_cluster_config(uint32_t voters, uint32_t learners = 0);

class RaftCluster {
 public:
  using Configure = std::function<void(RaftConfig&)>;

  struct Options {
    uint32_t nodes = 3;                   // node ids 1..nodes
    ClusterConfig bootstrap;              // empty voters: 1..nodes are all voters
    Configure configure;                  // per-node adjustments (config.id is set)
    std::map<uint32_t, Recovered> disks;  // initial disk images (default: empty)
    std::map<uint32_t, uint64_t> jitter;  // pinned election jitter: timeout = election_ticks + jitter
    uint64_t seed = 1;
    // Off: every Ready's writes are durable once executed (a host that always syncs). On: the
    // writes of a Ready with must_sync false stay in a volatile buffer that the next synced
    // Ready flushes, and a crash loses them.
    bool lose_unsynced_writes = false;
  };

  explicit RaftCluster(Options options);
  // `nodes` voters with default settings, adjusted by `configure`.
  explicit RaftCluster(uint32_t nodes, Configure configure = {});

  uint32_t size() const { return static_cast<uint32_t>(slots_.size()); }
  RaftNode& node(uint32_t id);
  const RaftNode& node(uint32_t id) const;
  bool alive(uint32_t id) const;
  TestRandom& random(uint32_t id);

  // --- Inputs; each processes the node's Readies afterwards unless the node is held.
  void tick(uint32_t id, uint32_t count = 1);
  void tick_all(uint32_t count = 1);  // every live node once per round, in id order
  void campaign(uint32_t id);
  RequestId propose(uint32_t id, uint64_t value);
  RequestId read(uint32_t id, ReadMode mode);
  uint64_t read_id_next() const { return next_request_; }  // the id the next request will get
  RequestId propose_conf_change(uint32_t id, const ConfChange& change);
  void transfer(uint32_t id, uint32_t transferee);
  // The application snapshots what it applied and lets the node compact its log.
  void compact(uint32_t id);
  // Delivers one message now, whatever the filters say.
  void step(const Envelope& envelope);
  void inject(RaftMessage message);  // builds an envelope from message.from/to and steps it

  // --- Network
  // Delivers queued messages (and those they cause) until none is left; returns how many.
  size_t stabilize();
  // Delivers the messages queued now that match, in order; the rest stay queued.
  size_t deliver(const MessageFilter& which);
  size_t deliver_one(const MessageFilter& which);  // the first match only
  // Removes the queued messages that match and returns them.
  std::vector<Envelope> take(const MessageFilter& which);
  size_t drop(const MessageFilter& which) { return take(which).size(); }
  size_t count(const MessageFilter& which) const;
  const std::deque<Envelope>& queue() const { return queue_; }
  void clear_queue() { queue_.clear(); }

  // Messages sent on a cut link, to or from an isolated node, or of an ignored type are lost.
  void cut(uint32_t a, uint32_t b);  // both directions
  void isolate(uint32_t id);
  void ignore(MessageType type);
  void heal();  // undoes cut, isolate and ignore
  uint64_t lost() const { return lost_; }

  // --- Crashes
  void crash(uint32_t id);       // the node is gone; its disk keeps what its Readies wrote
  void restart(uint32_t id);     // a new incarnation from the disk
  Recovered& disk(uint32_t id);  // what survives a crash

  // --- Ready handling
  void hold(uint32_t id, bool held);
  Ready take_ready(uint32_t id);                  // node.ready(), for a held node
  void execute(uint32_t id, const Ready& ready);  // the whole documented order, then advance()
  void process(uint32_t id);                      // every pending Ready of the node
  // Called as each message is released, after the Ready's writes reached the disk.
  std::function<void(uint32_t from, const Outgoing&)> on_send;

  // --- What the nodes produced (committed and restore: this incarnation; the rest: all)
  const std::vector<Committed>& committed(uint32_t id) const;
  std::vector<uint64_t> committed_values(uint32_t id) const;  // commands only, in order
  const std::vector<ReadReady>& reads(uint32_t id) const;
  const std::vector<Rejection>& rejections(uint32_t id) const;
  const std::vector<Event>& events(uint32_t id) const;
  size_t count_events(uint32_t id, std::string_view kind) const;
  const std::vector<std::pair<LogIndex, RecordPtr>>& restores(uint32_t id) const;
  LogIndex applied(uint32_t id) const;
  // The highest index any node handed to its application, over the whole run: every write the
  // clients may have seen acknowledged is at or below it.
  LogIndex applied_max() const;

  // --- Cluster-wide observations
  uint32_t leader() const;                // the live leader of the highest term, 0 when none
  std::vector<uint32_t> leaders() const;  // every live node that believes it leads
  // campaign(id) and stabilize(); asserts (gtest) that `id` became leader.
  void elect(uint32_t id);
  // Safety violations seen so far (two leaders in a term, two entries committed at an index).
  const std::vector<std::string>& violations() const { return violations_; }
  // Whether every live node's log equals node `id`'s (same last index and hash).
  bool logs_match(uint32_t id) const;
  // One line per node (role, term, vote, leader, commit, configuration, log terms) for failures.
  std::string describe() const;

 private:
  struct Slot {
    RaftConfig config;
    std::unique_ptr<TestRandom> random;
    std::unique_ptr<RaftNode> node;
    Recovered disk;                      // durable
    std::vector<StorageWrite> unsynced;  // written, not yet durable (lose_unsynced_writes)
    bool held = false;
    std::vector<Committed> committed;
    std::vector<std::pair<LogIndex, RecordPtr>> restores;
    LogIndex applied;
    std::vector<ReadReady> reads;
    std::vector<Rejection> rejections;
    std::vector<Event> events;
  };

  Slot& slot(uint32_t id);
  const Slot& slot(uint32_t id) const;
  void after_input(uint32_t id);
  void send(uint32_t from, const Outgoing& outgoing);
  bool blocked(const Envelope& envelope) const;
  void observe(uint32_t id, const std::vector<Event>& events);
  void record_committed(uint32_t id, const Committed& committed);

  std::vector<Slot> slots_;  // slots_[id - 1]
  bool lose_unsynced_writes_ = false;
  std::deque<Envelope> queue_;
  std::set<std::pair<uint32_t, uint32_t>> cuts_;
  std::set<uint32_t> isolated_;
  std::set<MessageType> ignored_;
  uint64_t lost_ = 0;
  uint64_t next_request_ = 1;
  std::map<uint64_t, uint32_t> leader_of_term_;
  std::map<uint64_t, uint64_t> committed_term_;  // index -> term, over the whole run
  std::vector<std::string> violations_;
};

// The single queued message of `type` from `from` to `to`; a gtest failure (and null) when there
// is not exactly one.
const RaftMessage* only_message(const RaftCluster& cluster, MessageType type, uint32_t from, uint32_t to);

// Delivers everything but AppendEntries and its answers until none is left: elections only.
void deliver_elections(RaftCluster& cluster);

// Rounds of tick_all() and stabilize() until some node leads (at most `rounds`); the leader or 0.
uint32_t run_until_leader(RaftCluster& cluster, int rounds = 200);

}  // namespace consim::protocols::raft::testing
