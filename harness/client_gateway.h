// The server side of the client protocol, on every node: takes a ClientCall off the network,
// hands the node a client request carrying the service command, and answers the client when
// the node commits it, serves the read, or turns it away (a redirect with the leader hint).
//
// What a node remembers about the calls it took is volatile, like a server's connection table:
// a crash forgets it, so those clients time out and record an info. A call reaches a server at
// most once, as over TCP: a copy the network duplicated (or that arrives after a newer call of
// the same client, whose request ids only grow) is dropped, even across a restart.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "harness/client_op.h"
#include "harness/node_host.h"
#include "harness/service_binding.h"
#include "sim/world.h"

namespace consim::harness {

struct GatewayStats {
  uint64_t calls = 0;
  uint64_t duplicates = 0;  // calls dropped because the server already took them
  uint64_t answered = 0;
  uint64_t redirected = 0;
};

class ClientGateway {
 public:
  ClientGateway(sim::World& world, const ServiceBinding& binding, uint32_t nodes);

  // Fills the hooks a NodeHost calls (foreign, committed, read, rejected).
  void wire(NodeHostHooks& hooks);

  const GatewayStats& stats() const { return stats_; }

  // Submits `op` at `host` on the runner's own behalf (the liveness probe); returns the request
  // id. Its outcome, once the node answers, is kept here rather than sent anywhere.
  uint64_t submit_probe(NodeHost& host, const ClientOp& op);
  // The outcome of a probe, if it was answered (a redirect is not an answer).
  const OpOutcome* probe_outcome(uint64_t request) const;

 private:
  struct Call {
    sim::HostId client;
    uint64_t request = 0;
    ClientOp op;
  };
  struct Server {
    uint64_t incarnation = 0;
    std::map<uint64_t, Call> calls;  // by request id
  };

  Server& server(protocols::NodeId node);
  void on_call(NodeHost& host, const sim::Packet& packet);
  void take(NodeHost& host, sim::HostId client, uint64_t request, const ClientOp& op, protocols::ReadMode read_mode);
  void answer(protocols::NodeId node, uint64_t request, const OpOutcome* outcome, uint32_t leader_hint);

  sim::World& world_;
  const ServiceBinding& binding_;
  std::vector<Server> servers_;
  // Per server: client host -> the newest request id taken from it. Not volatile: it stands
  // for TCP's exactly-once delivery, which a restart does not undo for old segments.
  std::vector<std::map<uint32_t, uint64_t>> newest_taken_;
  GatewayStats stats_;
  uint64_t next_probe_ = 1;
  std::map<uint64_t, OpOutcome> probe_outcomes_;
};

}  // namespace consim::harness
