// The simulated network: per-directed-link latency, loss and duplication; a connectivity matrix
// for partitions; datagram and stream channels.
//
// Datagrams are delivered independently: each draws its own latency, so they may reorder, be
// lost or be duplicated. A datagram is dropped if its link is blocked when it is sent or when
// it would arrive (a partition also catches what is in flight).
//
// Streams model TCP connections. Each connection has a never-reused ConnId (its incarnation)
// and is FIFO in each direction. A partition that blocks either direction between its ends, a
// crash of either end, or a lost message (TCP gives up retransmitting) closes it: what was in
// flight is dropped, both ends are told, and nothing sent on it is delivered afterwards.
// Duplication does not apply to streams.
//
// Every draw for a link comes from that link's own sub-stream, so traffic on one link never
// shifts the latencies of another.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/assert.h"
#include "base/time.h"
#include "sim/ids.h"
#include "sim/payload.h"
#include "sim/rng.h"
#include "sim/simulator.h"

namespace consim::sim {

enum class Channel : uint8_t { kDatagram, kStream };

enum class LatencyShape : uint8_t {
  kUniform,      // uniform on [latency_min, latency_max]
  kExponential,  // latency_min + Exp(mean = latency_mean), capped at latency_max
};

struct LinkParams {
  Duration latency_min = Duration::millis(1);
  Duration latency_max = Duration::millis(10);
  Duration latency_mean = Duration::millis(3);  // kExponential only: mean of the part above min
  LatencyShape shape = LatencyShape::kUniform;
  double drop_probability = 0.0;
  double duplicate_probability = 0.0;  // datagrams only

  // An empty string when valid, else what is wrong.
  std::string validate() const;
};

struct Packet {
  HostId from;
  HostId to;
  Channel channel = Channel::kDatagram;
  ConnId conn;      // streams only
  uint64_t id = 0;  // unique per send; a duplicate carries its original's id
  uint32_t bytes = 0;
  PayloadPtr payload;
};

// Where the network hands what arrives. Calls are made from events, never from inside a
// Network method, so a receiver may send or close from its handler.
class NetworkSink {
 public:
  virtual ~NetworkSink() = default;
  virtual void deliver(const Packet& packet) = 0;
  // The connection `conn` initiated by `peer` reached `at` (the SYN arrived).
  virtual void stream_opened(HostId at, HostId peer, ConnId conn) = 0;
  // `conn` between `at` and `peer` is gone; nothing more will arrive on it.
  virtual void stream_closed(HostId at, HostId peer, ConnId conn, std::string_view reason) = 0;
};

struct TrafficCount {
  uint64_t messages = 0;
  uint64_t bytes = 0;
};

struct NetworkStats {
  TrafficCount sent;
  TrafficCount delivered;
  uint64_t dropped = 0;
  uint64_t duplicated = 0;
  uint64_t streams_opened = 0;
  uint64_t streams_closed = 0;
  std::map<std::string, TrafficCount, std::less<>> sent_by_kind;  // ordered: reports iterate it
};

class Network {
 public:
  Network(Simulator& sim, uint32_t hosts, const LinkParams& defaults, NetworkSink& sink);

  uint32_t hosts() const { return hosts_; }

  // --- datagrams
  void send(HostId from, HostId to, PayloadPtr payload, uint32_t bytes);

  // --- streams
  // Opens a connection from `from` to `to`; fails (nullopt) unless both directions are
  // reachable now. The initiator may send at once; its data queues behind the SYN.
  std::optional<ConnId> connect(HostId from, HostId to);
  // Sends on an open connection. Returns false (and sends nothing) if it is closed or closing.
  bool stream_send(ConnId conn, HostId from, PayloadPtr payload, uint32_t bytes);
  // A graceful close by one end: data already sent still arrives, then the peer learns of it.
  void close(ConnId conn, HostId by);
  // An abrupt close by one end (TCP's reset): what is in flight is dropped and both ends are told.
  void reset(ConnId conn, HostId by);
  // Abruptly closes every connection of `host` (it crashed); the peers are told.
  void host_down(HostId host);
  bool is_open(ConnId conn) const;
  // The open connections between `a` and `b`, in either direction.
  std::vector<ConnId> connections_between(HostId a, HostId b) const;

  // --- connectivity
  bool reachable(HostId from, HostId to) const {
    check_host(from);
    check_host(to);
    return blocked_[index(from, to)] == 0;
  }
  void set_blocked(HostId from, HostId to, bool blocked);
  // One-way: messages from -> to are dropped; to -> from still flow.
  void cut(HostId from, HostId to) { set_blocked(from, to, true); }
  // Splits into groups that cannot reach each other. Hosts named in no group form one more group.
  void partition(const std::vector<std::vector<HostId>>& groups);
  void isolate(HostId host);
  // Two sides that cannot reach each other, and one host that reaches both (Jepsen's bridge).
  void bridge(const std::vector<HostId>& side_a, const std::vector<HostId>& side_b, HostId bridge_host);
  // Every host reaches a majority (itself included), no two hosts the same one (Jepsen's
  // majorities-ring): host i reaches the k ring neighbours on either side.
  void majority_ring();
  void heal();
  // A compact picture of the matrix for the trace: rows separated by '|', '1' = reachable.
  std::string describe_connectivity() const;

  // --- link parameters
  void set_link(HostId from, HostId to, const LinkParams& params);
  void set_all_links(const LinkParams& params);
  const LinkParams& link(HostId from, HostId to) const { return links_[index(from, to)]; }

  const NetworkStats& stats() const { return stats_; }

 private:
  struct Connection {
    HostId initiator;
    HostId acceptor;
    bool open = true;
    bool closing[2] = {false, false};  // a graceful close was requested by [initiator, acceptor]
    SimTime last_arrival[2];           // FIFO: [initiator->acceptor, acceptor->initiator]
  };

  size_t index(HostId from, HostId to) const { return static_cast<size_t>(from.index) * hosts_ + to.index; }
  Duration sample_latency(HostId from, HostId to);
  void trace_send(const Packet& packet);
  TrafficCount& count_for(std::string_view kind);
  void trace_drop(const Packet& packet, std::string_view reason);
  void deliver_datagram(const Packet& packet);
  // Schedules `action` on the FIFO of `conn` in the direction leaving `from`.
  SimTime fifo_arrival(Connection& connection, HostId from);
  void abort_connection(ConnId conn, std::string_view reason);
  void close_broken_connections();
  // Sets the matrix for partition() without closing anything, so bridge() can open its links first.
  void set_groups(const std::vector<std::vector<HostId>>& groups);
  void check_host(HostId host) const { CONSIM_ASSERT(host.index < hosts_); }
  // Packets in flight wait in slots, so that a scheduled delivery captures only a slot number
  // (small enough for std::function's inline storage: no allocation per message).
  uint32_t park(Packet packet);
  Packet unpark(uint32_t slot);

  Simulator& sim_;
  uint32_t hosts_;
  NetworkSink& sink_;
  std::vector<LinkParams> links_;
  std::vector<Rng> link_rngs_;
  std::vector<uint8_t> blocked_;
  std::map<uint64_t, Connection> connections_;  // ordered by id: closing iterates it
  uint64_t next_packet_id_ = 1;
  uint64_t next_conn_id_ = 1;
  NetworkStats stats_;
  std::vector<Packet> in_flight_;
  std::vector<uint32_t> free_slots_;
  struct KindSlot {
    const char* data = nullptr;
    size_t size = 0;
    TrafficCount* count = nullptr;  // into stats_.sent_by_kind, whose nodes never move
  };
  std::array<KindSlot, 16> kind_slots_{};
};

}  // namespace consim::sim
