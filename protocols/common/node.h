// The surface every protocol node presents to its host (etcd-raft's RawNode shape).
//
// Inputs: step (a message from a peer), tick (one tick of the node's local clock), request
// (a client request), compact (the application took a snapshot), peer_unreachable.
// Outputs: one Ready batch at a time. The host must execute a Ready in this order:
//   1. writes, then sync them;            (crash here: they may be lost, nothing else happened)
//   2. events (into the trace);          (what the node did is observable from now on)
//   3. disconnects, then messages;
//   4. restore (install a snapshot into the application), then committed (apply in order);
//   5. reads and rejections (answer clients);
// then call advance(). Only then may it ask for the next Ready. Inputs may be stepped at any
// time, including while a Ready is being executed. Besides Readys, a node may have immediate
// events (take_immediate_events): the host traces them right after the input that made them,
// even while a Ready waits for its sync.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocols/common/effects.h"
#include "protocols/common/ids.h"

namespace consim::protocols {

struct Ready {
  std::vector<StorageWrite> writes;
  bool must_sync = false;
  std::vector<Event> events;
  std::vector<Outgoing> messages;
  // Peers whose connections the host resets, before it sends `messages` (a learner leaving its
  // leader, a leader stepping down: ZooKeeper closes those sockets).
  std::vector<NodeId> disconnects;
  RecordPtr restore;  // a snapshot to install into the application before `committed`
  LogIndex restore_index;
  bool restore_empty = false;  // install the initial, empty state (restore is null, restore_index 0)
  // Before restore and committed: reads the host still holds for the application to catch up
  // are rejected (the node stopped serving and may apply a tail that never commits).
  bool cancel_waiting_reads = false;
  std::vector<Committed> committed;
  std::vector<ReadReady> reads;
  std::vector<Rejection> rejections;

  bool empty() const {
    return writes.empty() && events.empty() && messages.empty() && disconnects.empty() && !cancel_waiting_reads &&
           restore == nullptr && !restore_empty && committed.empty() && reads.empty() && rejections.empty();
  }
};

// A node's public state, for the host, reports and tests (never for checkers: they read traces).
struct NodeStatus {
  NodeId id;
  std::string role;  // raft: follower, pre_candidate, candidate, leader, learner
  NodeId leader;
  uint64_t term = 0;  // raft term; zab epoch
  LogIndex commit;
  LogIndex applied;
  LogIndex last;
};

// Randomness injected into a protocol (election jitter). The host backs it with the
// simulator's generator, so protocol code never owns a random source.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Uniform on [0, bound); bound > 0.
  virtual uint64_t uniform(uint64_t bound) = 0;
};

class Node {
 public:
  virtual ~Node() = default;

  // By reference: no node keeps a message it was handed (what it needs, it copies).
  virtual void step(NodeId from, const Message& message) = 0;
  virtual void tick() = 0;
  virtual void request(const ClientRequest& request) = 0;
  // The application snapshotted its state after applying `applied`; the node may compact its
  // log up to there and keep `snapshot` for lagging peers.
  virtual void compact(LogIndex applied, RecordPtr snapshot) = 0;
  // The host could not deliver to `peer` (a stream broke).
  virtual void peer_unreachable(NodeId /*peer*/) {}

  virtual bool has_ready() const = 0;
  virtual Ready ready() = 0;
  virtual void advance() = 0;
  // Hands an executed batch back before advance(), so that its buffers can serve the next
  // ready() instead of being freed and allocated again. Optional for the host and the node.
  virtual void recycle(Ready&& /*done*/) {}
  // The commonest batch without building a Ready: when everything the node has ready is
  // messages (nothing to write, sync, trace, apply, read or reject), moves them into `out`
  // (empty on entry) and returns true. The host sends them, then calls advance() as after a
  // Ready. A node that does not offer this returns false, and the host asks for ready().
  virtual bool take_messages_only(std::vector<Outgoing>& /*out*/) { return false; }
  // Events that rest on nothing unsynced (a read's index, decided from volatile state) and are
  // traced when they happen rather than after the Ready in flight syncs, so that the trace shows
  // them at the time they were decided. The host takes them after every input, before asking for
  // a Ready: moves them into `out` (empty on entry) and returns true when there are any. A node
  // puts those that no host took into its next Ready's events. Inline and not virtual: asked
  // after every input, and nearly always empty.
  bool take_immediate_events(std::vector<Event>& out) {
    if (immediate_events_.empty()) {
      return false;
    }
    out.swap(immediate_events_);
    return true;
  }

  virtual NodeStatus status() const = 0;

 protected:
  void emit_now(Event event) { immediate_events_.push_back(std::move(event)); }
  std::vector<Event> immediate_events_;  // see take_immediate_events()
};

}  // namespace consim::protocols
