// Hosts one protocol node (Raft or ZAB, anything implementing protocols::Node) in the
// simulator, as the process of a simulated machine.
//
// The host feeds the node its inputs — messages from the network, ticks of the machine's local
// clock (with a random phase), client requests, and on (re)start what survived on disk — and
// executes each Ready in the order the node's contract requires:
//   writes -> sync -> (wait for the disk) -> events -> messages -> restore -> apply -> reads,
//   rejections -> advance() -> compaction
// A crash may strike between any two of these steps: the simulator can crash the machine at any
// instant (during the sync wait in particular), and `crash_point` lets a fault injector crash it
// right before a named step.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "harness/application.h"
#include "protocols/common/node.h"
#include "sim/world.h"

namespace consim::harness {

class NodeHost;

protocols::NodeId node_of(sim::HostId host);
sim::HostId host_of(protocols::NodeId node);

// What a host reports to the harness that runs the cluster (clients, checkers, tests).
struct NodeHostHooks {
  // A client request answered: a committed write (or log read) that originated here.
  std::function<void(protocols::NodeId, const protocols::Committed&, const Application&)> committed;
  // A read that may now be served from this host's application (it has applied enough).
  std::function<void(protocols::NodeId, const protocols::ReadReady&, const Application&)> read;
  std::function<void(protocols::NodeId, const protocols::Rejection&)> rejected;
  // Fault injection: return true to crash this machine right before `step`
  // ("write", "sync", "events", "send", "apply", "advance").
  std::function<bool(protocols::NodeId, std::string_view step)> crash_point;
  // When set, crash_point is consulted only while *crash_point_armed is true: a harness that
  // arms crash points later need not have every host call into it before every step.
  const bool* crash_point_armed = nullptr;
  std::function<void(sim::HostId)> crash;  // how to crash a machine (World::crash)
  // A packet that is not protocol traffic (a client's call): handed here instead of the node.
  std::function<void(NodeHost&, const sim::Packet&)> foreign;
};

struct NodeHostOptions {
  Duration tick_interval = Duration::millis(10);
  // Compact the log after this many applied entries since the last snapshot (0 = never).
  uint64_t snapshot_every_entries = 0;
};

using NodeFactory = std::function<std::unique_ptr<protocols::Node>(protocols::NodeId, const protocols::Recovered&,
                                                                   protocols::RandomSource&)>;
using ApplicationFactory = std::function<std::unique_ptr<Application>(protocols::NodeId)>;

class NodeHost final : public sim::Process {
 public:
  NodeHost(sim::HostContext context, const sim::DiskImage& recovered, const NodeFactory& make_node,
           const ApplicationFactory& make_application, const NodeHostHooks& hooks, const NodeHostOptions& options);
  ~NodeHost() override;

  // sim::Process
  void on_start() override;
  void on_message(const sim::Packet& packet) override;
  void on_timer(sim::TimerId timer, uint64_t tag) override;
  void on_stream_opened(sim::HostId peer, sim::ConnId conn) override;
  void on_stream_closed(sim::HostId peer, sim::ConnId conn, std::string_view reason) override;
  void on_sync_complete(sim::SyncId sync) override;

  // A client request taken by this node. From outside the simulation, call it through
  // World::inject, so that pauses and crashes apply to it like to any other input.
  void submit(const protocols::ClientRequest& request);
  // Runs `input` against the node (e.g. a Raft-specific call), then executes what it produced.
  // From outside the simulation, through World::inject as well.
  void with_node(const std::function<void(protocols::Node&)>& input);

  // Sends a payload that is not protocol traffic (an answer to a client) from this machine.
  void send_foreign(sim::HostId to, sim::PayloadPtr payload, uint32_t bytes) {
    context_.send(to, std::move(payload), bytes);
  }
  // What this machine's clock reads now.
  LocalTime local_now() const { return context_.now_local(); }

  protocols::NodeId id() const { return id_; }
  const protocols::Node& node() const { return *node_; }
  protocols::Node& node() { return *node_; }
  const Application& application() const { return *application_; }

 private:
  class Random;

  void pump();
  void start_ready();
  void finish_ready();
  // A batch of messages alone (Node::take_messages_only), as finish_ready() executes it.
  void send_messages_only();
  // Moves `events` into the trace, in order, and leaves the vector empty.
  void trace_events(std::vector<protocols::Event>& events);
  // Whether the machine is down, or a crash point struck it right before `step`. Inline: asked
  // before every step of every Ready, and nearly always answered by the first two checks.
  bool crashed_before(std::string_view step) {
    if (!context_.alive()) {
      return true;
    }
    if (hooks_.crash_point_armed != nullptr && !*hooks_.crash_point_armed) {
      return false;
    }
    return crash_point_strikes(step);
  }
  bool crash_point_strikes(std::string_view step);
  void write(const protocols::StorageWrite& write);
  // Takes the message out of `outgoing`.
  void send(protocols::Outgoing& outgoing);
  void serve_reads();
  // Resets both connections with `peer` (the one this host opened and the one it accepted).
  void reset_streams(sim::HostId peer);
  void maybe_compact();

  sim::HostContext context_;
  protocols::NodeId id_;
  NodeHostHooks hooks_;
  NodeHostOptions options_;
  std::unique_ptr<Random> random_;
  std::unique_ptr<protocols::Node> node_;
  std::unique_ptr<Application> application_;

  std::optional<protocols::Ready> executing_;       // the Ready between ready() and advance()
  std::vector<protocols::Outgoing> messages_only_;  // send_messages_only()'s batch (a reused buffer)
  std::vector<protocols::Event> immediate_events_;  // Node::take_immediate_events()'s (a reused buffer)
  std::optional<sim::SyncId> awaiting_sync_;
  std::vector<protocols::ReadReady> reads_waiting_;  // until the application catches up
  uint64_t applied_since_snapshot_ = 0;
  std::map<uint32_t, sim::ConnId> streams_;   // outgoing stream per peer (for kStream messages)
  std::map<uint32_t, sim::ConnId> incoming_;  // the newest stream each peer opened to this host
};

}  // namespace consim::harness
