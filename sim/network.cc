#include "sim/network.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "base/assert.h"

namespace consim::sim {
namespace {

std::string_view channel_name(Channel channel) { return channel == Channel::kStream ? "stream" : "datagram"; }

}  // namespace

std::string LinkParams::validate() const {
  if (latency_min < Duration::zero()) {
    return "latency_min must be >= 0";
  }
  if (latency_max < latency_min) {
    return "latency_max must be >= latency_min";
  }
  if (shape == LatencyShape::kExponential && latency_mean <= Duration::zero()) {
    return "latency_mean must be > 0";
  }
  if (!(drop_probability >= 0.0 && drop_probability <= 1.0)) {
    return "drop_probability must be within [0, 1]";
  }
  if (!(duplicate_probability >= 0.0 && duplicate_probability <= 1.0)) {
    return "duplicate_probability must be within [0, 1]";
  }
  return {};
}

Network::Network(Simulator& sim, uint32_t hosts, const LinkParams& defaults, NetworkSink& sink)
    : sim_(sim), hosts_(hosts), sink_(sink) {
  CONSIM_ASSERT(hosts > 0);
  CONSIM_ASSERT_MSG(defaults.validate().empty(), defaults.validate());
  const size_t links = static_cast<size_t>(hosts) * hosts;
  links_.assign(links, defaults);
  blocked_.assign(links, 0);
  link_rngs_.reserve(links);
  const Rng network_rng = sim.rng("network");
  for (size_t i = 0; i < links; ++i) {
    link_rngs_.push_back(network_rng.fork("link", i));
  }
}

Duration Network::sample_latency(HostId from, HostId to) {
  const LinkParams& params = links_[index(from, to)];
  Rng& rng = link_rngs_[index(from, to)];
  if (params.shape == LatencyShape::kUniform) {
    return Duration{rng.uniform_int(params.latency_min.ns, params.latency_max.ns)};
  }
  const double extra = rng.exponential(static_cast<double>(params.latency_mean.ns));
  const double capped = std::min(extra, static_cast<double>((params.latency_max - params.latency_min).ns));
  return params.latency_min + Duration{static_cast<int64_t>(capped)};
}

TrafficCount& Network::count_for(std::string_view kind) {
  // Kinds are nearly always string literals, so the text's address is a cheap first key; the
  // map by text stays the truth (a miss only costs the lookup).
  KindSlot& slot = kind_slots_[(reinterpret_cast<uintptr_t>(kind.data()) >> 3) % kind_slots_.size()];
  if (slot.data == kind.data() && slot.size == kind.size()) {
    return *slot.count;
  }
  auto it = stats_.sent_by_kind.find(kind);
  if (it == stats_.sent_by_kind.end()) {
    it = stats_.sent_by_kind.emplace(std::string(kind), TrafficCount{}).first;
  }
  slot = KindSlot{kind.data(), kind.size(), &it->second};
  return it->second;
}

void Network::trace_send(const Packet& packet) {
  ++stats_.sent.messages;
  stats_.sent.bytes += packet.bytes;
  const std::string_view kind = packet.payload->kind();
  TrafficCount& by_kind = count_for(kind);
  ++by_kind.messages;
  by_kind.bytes += packet.bytes;
  sim_.record("net.send", [&](auto& record) {
    record.node(packet.from).add("to", packet.to).add("id", packet.id).add("msg", kind);
    record.add("channel", channel_name(packet.channel)).add("bytes", packet.bytes);
    if (packet.channel == Channel::kStream) {
      record.add("conn", packet.conn.value);
    }
  });
}

void Network::trace_drop(const Packet& packet, std::string_view reason) {
  ++stats_.dropped;
  sim_.record("net.drop", [&](auto& record) {
    record.node(packet.from).add("to", packet.to).add("id", packet.id).add("msg", packet.payload->kind());
    record.add("reason", reason);
  });
}

uint32_t Network::park(Packet packet) {
  if (free_slots_.empty()) {
    in_flight_.push_back(std::move(packet));
    return static_cast<uint32_t>(in_flight_.size() - 1);
  }
  const uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  in_flight_[slot] = std::move(packet);
  return slot;
}

Packet Network::unpark(uint32_t slot) {
  CONSIM_ASSERT(slot < in_flight_.size());
  Packet packet = std::move(in_flight_[slot]);
  in_flight_[slot].payload = nullptr;
  free_slots_.push_back(slot);
  return packet;
}

// ---------------------------------------------------------------------------------------------
// Datagrams

void Network::send(HostId from, HostId to, PayloadPtr payload, uint32_t bytes) {
  check_host(from);
  check_host(to);
  CONSIM_ASSERT(payload != nullptr);
  Packet packet{from, to, Channel::kDatagram, ConnId{}, next_packet_id_++, bytes, std::move(payload)};
  trace_send(packet);
  if (!reachable(from, to)) {
    trace_drop(packet, "partition");
    return;
  }
  Rng& rng = link_rngs_[index(from, to)];
  const LinkParams& params = links_[index(from, to)];
  if (rng.bernoulli(params.drop_probability)) {
    trace_drop(packet, "loss");
    return;
  }
  const bool duplicate = rng.bernoulli(params.duplicate_probability);
  const Duration latency = sample_latency(from, to);
  if (duplicate) {
    const Duration second_latency = sample_latency(from, to);
    ++stats_.duplicated;
    sim_.record("net.duplicate", [&](auto& record) { record.node(from).add("to", to).add("id", packet.id); });
    const uint32_t copy = park(packet);
    sim_.schedule_after(second_latency, [this, copy] { deliver_datagram(unpark(copy)); });
  }
  const uint32_t slot = park(std::move(packet));
  sim_.schedule_after(latency, [this, slot] { deliver_datagram(unpark(slot)); });
}

void Network::deliver_datagram(const Packet& packet) {
  if (!reachable(packet.from, packet.to)) {
    trace_drop(packet, "partition_in_flight");
    return;
  }
  ++stats_.delivered.messages;
  stats_.delivered.bytes += packet.bytes;
  sink_.deliver(packet);
}

// ---------------------------------------------------------------------------------------------
// Streams

std::optional<ConnId> Network::connect(HostId from, HostId to) {
  check_host(from);
  check_host(to);
  CONSIM_ASSERT(from != to);
  if (!reachable(from, to) || !reachable(to, from)) {
    sim_.emit(TraceEvent("stream.refused").node(from).add("to", to).add("reason", "partition"));
    return std::nullopt;
  }
  const ConnId conn{next_conn_id_++};
  Connection& connection = connections_[conn.value];
  connection.initiator = from;
  connection.acceptor = to;
  connection.last_arrival[0] = sim_.now();
  connection.last_arrival[1] = sim_.now();
  ++stats_.streams_opened;
  sim_.emit(TraceEvent("stream.connect").node(from).add("to", to).add("conn", conn.value));
  const SimTime syn_arrival = fifo_arrival(connection, from);
  sim_.schedule_at(syn_arrival, [this, conn, from, to] {
    if (is_open(conn)) {
      sink_.stream_opened(to, from, conn);
    }
  });
  return conn;
}

SimTime Network::fifo_arrival(Connection& connection, HostId from) {
  const int direction = from == connection.initiator ? 0 : 1;
  const HostId to = direction == 0 ? connection.acceptor : connection.initiator;
  const SimTime sampled = sim_.now() + sample_latency(from, to);
  // Equal times keep scheduling order in the event queue, so max() is enough for FIFO.
  const SimTime arrival = std::max(sampled, connection.last_arrival[direction]);
  connection.last_arrival[direction] = arrival;
  return arrival;
}

bool Network::stream_send(ConnId conn, HostId from, PayloadPtr payload, uint32_t bytes) {
  CONSIM_ASSERT(payload != nullptr);
  auto it = connections_.find(conn.value);
  if (it == connections_.end() || !it->second.open) {
    return false;
  }
  Connection& connection = it->second;
  CONSIM_ASSERT(from == connection.initiator || from == connection.acceptor);
  const int direction = from == connection.initiator ? 0 : 1;
  if (connection.closing[direction]) {
    return false;
  }
  const HostId to = direction == 0 ? connection.acceptor : connection.initiator;
  Packet packet{from, to, Channel::kStream, conn, next_packet_id_++, bytes, std::move(payload)};
  trace_send(packet);
  if (link_rngs_[index(from, to)].bernoulli(links_[index(from, to)].drop_probability)) {
    trace_drop(packet, "loss");
    abort_connection(conn, "loss");
    return true;  // sent, as far as the sender can tell; the reset tells it otherwise
  }
  const SimTime arrival = fifo_arrival(connection, from);
  const uint32_t slot = park(std::move(packet));
  sim_.schedule_at(arrival, [this, slot] {
    const Packet arrived = unpark(slot);
    if (!is_open(arrived.conn)) {
      trace_drop(arrived, "connection_closed");
      return;
    }
    ++stats_.delivered.messages;
    stats_.delivered.bytes += arrived.bytes;
    sink_.deliver(arrived);
  });
  return true;
}

void Network::close(ConnId conn, HostId by) {
  auto it = connections_.find(conn.value);
  if (it == connections_.end() || !it->second.open) {
    return;
  }
  Connection& connection = it->second;
  CONSIM_ASSERT(by == connection.initiator || by == connection.acceptor);
  const int direction = by == connection.initiator ? 0 : 1;
  if (connection.closing[direction]) {
    return;
  }
  connection.closing[direction] = true;
  const HostId peer = direction == 0 ? connection.acceptor : connection.initiator;
  sim_.emit(TraceEvent("stream.close").node(by).add("to", peer).add("conn", conn.value));
  const SimTime fin_arrival = fifo_arrival(connection, by);
  sim_.schedule_at(fin_arrival, [this, conn, by, peer] {
    auto found = connections_.find(conn.value);
    if (found == connections_.end() || !found->second.open) {
      return;  // aborted meanwhile; both ends were told then
    }
    found->second.open = false;
    ++stats_.streams_closed;
    sim_.emit(TraceEvent("stream.closed").node(peer).add("peer", by).add("conn", conn.value).add("reason", "fin"));
    sink_.stream_closed(peer, by, conn, "fin");
    connections_.erase(found);
  });
}

void Network::reset(ConnId conn, HostId by) {
  auto it = connections_.find(conn.value);
  if (it == connections_.end() || !it->second.open) {
    return;
  }
  CONSIM_ASSERT(by == it->second.initiator || by == it->second.acceptor);
  abort_connection(conn, "reset");
}

void Network::abort_connection(ConnId conn, std::string_view reason) {
  auto it = connections_.find(conn.value);
  CONSIM_ASSERT(it != connections_.end());
  Connection& connection = it->second;
  CONSIM_ASSERT(connection.open);
  connection.open = false;
  ++stats_.streams_closed;
  const HostId a = connection.initiator;
  const HostId b = connection.acceptor;
  connections_.erase(it);
  sim_.emit(TraceEvent("stream.reset").node(a).add("peer", b).add("conn", conn.value).add("reason", reason));
  // Tell both ends from events, so no handler runs inside the call that broke the connection.
  const std::string why(reason);
  sim_.schedule_after(Duration::zero(), [this, a, b, conn, why] {
    sink_.stream_closed(a, b, conn, why);
    sink_.stream_closed(b, a, conn, why);
  });
}

void Network::host_down(HostId host) {
  check_host(host);
  std::vector<ConnId> doomed;
  for (const auto& [id, connection] : connections_) {
    if (connection.open && (connection.initiator == host || connection.acceptor == host)) {
      doomed.push_back(ConnId{id});
    }
  }
  for (const ConnId conn : doomed) {
    abort_connection(conn, "host_down");
  }
}

bool Network::is_open(ConnId conn) const {
  auto it = connections_.find(conn.value);
  return it != connections_.end() && it->second.open;
}

std::vector<ConnId> Network::connections_between(HostId a, HostId b) const {
  std::vector<ConnId> found;
  for (const auto& [id, connection] : connections_) {
    const bool ends_match = (connection.initiator == a && connection.acceptor == b) ||
                            (connection.initiator == b && connection.acceptor == a);
    if (connection.open && ends_match) {
      found.push_back(ConnId{id});
    }
  }
  return found;
}

void Network::close_broken_connections() {
  std::vector<ConnId> doomed;
  for (const auto& [id, connection] : connections_) {
    if (connection.open && (!reachable(connection.initiator, connection.acceptor) ||
                            !reachable(connection.acceptor, connection.initiator))) {
      doomed.push_back(ConnId{id});
    }
  }
  for (const ConnId conn : doomed) {
    abort_connection(conn, "partition");
  }
}

// ---------------------------------------------------------------------------------------------
// Connectivity

void Network::set_blocked(HostId from, HostId to, bool blocked) {
  check_host(from);
  check_host(to);
  if (from == to) {
    return;  // a host always reaches itself
  }
  blocked_[index(from, to)] = blocked ? 1 : 0;
  if (blocked) {
    close_broken_connections();
  }
}

void Network::partition(const std::vector<std::vector<HostId>>& groups) {
  set_groups(groups);
  close_broken_connections();
}

void Network::set_groups(const std::vector<std::vector<HostId>>& groups) {
  constexpr uint32_t kUnassigned = UINT32_MAX;
  std::vector<uint32_t> group_of(hosts_, kUnassigned);
  for (uint32_t g = 0; g < groups.size(); ++g) {
    for (const HostId host : groups[g]) {
      check_host(host);
      CONSIM_ASSERT_MSG(group_of[host.index] == kUnassigned, "host " + host.name() + " is in two groups");
      group_of[host.index] = g;
    }
  }
  const uint32_t rest = static_cast<uint32_t>(groups.size());
  for (uint32_t& g : group_of) {
    if (g == kUnassigned) {
      g = rest;
    }
  }
  for (uint32_t from = 0; from < hosts_; ++from) {
    for (uint32_t to = 0; to < hosts_; ++to) {
      blocked_[index(HostId{from}, HostId{to})] = group_of[from] != group_of[to] ? 1 : 0;
    }
  }
}

void Network::isolate(HostId host) { partition({{host}}); }

void Network::bridge(const std::vector<HostId>& side_a, const std::vector<HostId>& side_b, HostId bridge_host) {
  // The whole matrix first: connections to the bridge host stay reachable, so they must survive.
  set_groups({side_a, side_b, {bridge_host}});
  for (const auto* side : {&side_a, &side_b}) {
    for (const HostId host : *side) {
      blocked_[index(host, bridge_host)] = 0;
      blocked_[index(bridge_host, host)] = 0;
    }
  }
  close_broken_connections();
}

void Network::majority_ring() {
  // Each host sees itself and k neighbours on either side; 2k + 1 >= floor(n/2) + 1.
  const uint32_t k = (hosts_ / 2 + 1) / 2;
  for (uint32_t from = 0; from < hosts_; ++from) {
    for (uint32_t to = 0; to < hosts_; ++to) {
      const uint32_t forward = (to + hosts_ - from) % hosts_;
      const uint32_t distance = std::min(forward, hosts_ - forward);
      blocked_[index(HostId{from}, HostId{to})] = distance > k ? 1 : 0;
    }
  }
  close_broken_connections();
}

void Network::heal() { std::fill(blocked_.begin(), blocked_.end(), 0); }

std::string Network::describe_connectivity() const {
  std::string picture;
  for (uint32_t from = 0; from < hosts_; ++from) {
    if (from > 0) {
      picture.push_back('|');
    }
    for (uint32_t to = 0; to < hosts_; ++to) {
      picture.push_back(blocked_[index(HostId{from}, HostId{to})] != 0 ? '0' : '1');
    }
  }
  return picture;
}

// ---------------------------------------------------------------------------------------------
// Link parameters

void Network::set_link(HostId from, HostId to, const LinkParams& params) {
  check_host(from);
  check_host(to);
  CONSIM_ASSERT_MSG(params.validate().empty(), params.validate());
  links_[index(from, to)] = params;
}

void Network::set_all_links(const LinkParams& params) {
  CONSIM_ASSERT_MSG(params.validate().empty(), params.validate());
  std::fill(links_.begin(), links_.end(), params);
}

}  // namespace consim::sim
