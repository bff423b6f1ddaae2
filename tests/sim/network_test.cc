// Tests for sim/network: connectivity (cuts, partitions, bridges, rings), datagram delivery
// (in-flight drops, reordering, loss, duplication, byte accounting) and streams (FIFO order,
// incarnations, resets on partition and loss, graceful close).
#include "sim/network.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/time.h"
#include "sim/ids.h"
#include "sim/payload.h"
#include "sim/simulator.h"
#include "sim/trace.h"

namespace consim::sim {
namespace {

class TestPayload final : public Payload {
 public:
  TestPayload(std::string kind, uint64_t seq) : kind_(std::move(kind)), seq_(seq) {}
  std::string_view kind() const override { return kind_; }
  uint64_t seq() const { return seq_; }

 private:
  std::string kind_;
  uint64_t seq_;
};

PayloadPtr message(uint64_t seq, std::string kind = "Msg") {
  return std::make_shared<TestPayload>(std::move(kind), seq);
}

uint64_t seq_of(const Packet& packet) { return static_cast<const TestPayload&>(*packet.payload).seq(); }

enum class What : uint8_t { kDeliver, kOpened, kClosed };

// One thing the network handed to the sink, stamped with the simulated time it happened.
struct Event {
  What what = What::kDeliver;
  SimTime time;
  HostId at;
  HostId peer;
  ConnId conn;
  uint64_t seq = 0;        // kDeliver
  uint64_t packet_id = 0;  // kDeliver
  std::string reason;      // kClosed
};

class RecordingSink final : public NetworkSink {
 public:
  explicit RecordingSink(Simulator& sim) : sim_(sim) {}

  void deliver(const Packet& packet) override {
    record(Event{What::kDeliver, sim_.now(), packet.to, packet.from, packet.conn, seq_of(packet), packet.id, {}});
  }
  void stream_opened(HostId at, HostId peer, ConnId conn) override {
    record(Event{What::kOpened, sim_.now(), at, peer, conn, 0, 0, {}});
  }
  void stream_closed(HostId at, HostId peer, ConnId conn, std::string_view reason) override {
    record(Event{What::kClosed, sim_.now(), at, peer, conn, 0, 0, std::string(reason)});
  }

  const std::vector<Event>& events() const { return events_; }
  // Called after each event is recorded; a test may react (send, close) from it.
  std::function<void(const Event&)> on_event;

 private:
  void record(Event event) {
    events_.push_back(std::move(event));
    if (on_event) {
      on_event(events_.back());
    }
  }

  Simulator& sim_;
  std::vector<Event> events_;
};

// A simulator, a recording sink and a network over `hosts` hosts.
struct NetFixture {
  explicit NetFixture(uint32_t hosts, const LinkParams& link = LinkParams{}, uint64_t seed = 1)
      : sim(seed), sink(sim), net(sim, hosts, link, sink) {
    sim.trace().keep_records(true);
  }

  // Runs every event up to and including `ms`.
  void run_to_ms(int64_t ms) { sim.run_until(SimTime::from_ms(ms)); }

  // Sequence numbers delivered to `to` from `from` (on `conn` if given), in delivery order.
  std::vector<uint64_t> delivered(HostId from, HostId to, std::optional<ConnId> conn = std::nullopt) const {
    std::vector<uint64_t> seqs;
    for (const Event& event : sink.events()) {
      if (event.what == What::kDeliver && event.at == to && event.peer == from && (!conn || event.conn == *conn)) {
        seqs.push_back(event.seq);
      }
    }
    return seqs;
  }

  std::vector<Event> events_of(What what, HostId at) const {
    std::vector<Event> found;
    for (const Event& event : sink.events()) {
      if (event.what == what && event.at == at) {
        found.push_back(event);
      }
    }
    return found;
  }

  // How many net.drop trace records carry `reason`.
  int drops_with_reason(std::string_view reason) {
    int count = 0;
    for (const TraceRecord& record : sim.trace().records()) {
      const std::string* why = record.string_field("reason");
      if (record.kind == "net.drop" && why != nullptr && *why == reason) {
        ++count;
      }
    }
    return count;
  }

  Simulator sim;
  RecordingSink sink;
  Network net;
};

LinkParams fixed_latency(Duration latency) {
  LinkParams params;
  params.latency_min = latency;
  params.latency_max = latency;
  return params;
}

LinkParams latency_range(Duration min, Duration max) {
  LinkParams params;
  params.latency_min = min;
  params.latency_max = max;
  return params;
}

std::vector<uint64_t> iota(uint64_t first, uint64_t count) {
  std::vector<uint64_t> values;
  for (uint64_t i = 0; i < count; ++i) {
    values.push_back(first + i);
  }
  return values;
}

// Opens a connection from `from` to `to` and runs until the acceptor has been told of it.
ConnId open_connection(NetFixture& f, HostId from, HostId to) {
  const std::optional<ConnId> conn = f.net.connect(from, to);
  CONSIM_ASSERT(conn.has_value());
  f.sim.run_until(f.sim.now() + f.net.link(from, to).latency_max);
  return *conn;
}

constexpr HostId kN1{0};
constexpr HostId kN2{1};
constexpr HostId kN3{2};
constexpr HostId kN4{3};
constexpr HostId kN5{4};

// ---------------------------------------------------------------------------------------------
// Connectivity

TEST(Network, OneWayCutDropsOnlyThatDirection) {
  NetFixture f(2, fixed_latency(Duration::millis(1)));
  f.net.cut(kN1, kN2);
  EXPECT_FALSE(f.net.reachable(kN1, kN2));
  EXPECT_TRUE(f.net.reachable(kN2, kN1));
  EXPECT_EQ(f.net.describe_connectivity(), "10|11");

  f.net.send(kN1, kN2, message(1), 10);
  f.net.send(kN2, kN1, message(2), 10);
  f.run_to_ms(100);

  EXPECT_EQ(f.delivered(kN1, kN2), std::vector<uint64_t>{});
  EXPECT_EQ(f.delivered(kN2, kN1), std::vector<uint64_t>{2});
  EXPECT_EQ(f.drops_with_reason("partition"), 1);
  EXPECT_EQ(f.net.stats().dropped, 1u);
}

TEST(Network, PartitionDropsAcrossGroupsAndDeliversWithinAGroup) {
  NetFixture f(5, fixed_latency(Duration::millis(1)));
  // n5 is named in no group, so it forms a third group on its own.
  f.net.partition({{kN1, kN2}, {kN3, kN4}});
  EXPECT_EQ(f.net.describe_connectivity(), "11000|11000|00110|00110|00001");

  // Every ordered pair sends one datagram; its sequence number encodes the pair.
  for (uint32_t from = 0; from < 5; ++from) {
    for (uint32_t to = 0; to < 5; ++to) {
      f.net.send(HostId{from}, HostId{to}, message(from * 10 + to), 8);
    }
  }
  f.run_to_ms(100);

  const std::vector<uint32_t> group = {0, 0, 1, 1, 2};
  for (uint32_t from = 0; from < 5; ++from) {
    for (uint32_t to = 0; to < 5; ++to) {
      const std::vector<uint64_t> expected =
          group[from] == group[to] ? std::vector<uint64_t>{from * 10 + to} : std::vector<uint64_t>{};
      EXPECT_EQ(f.delivered(HostId{from}, HostId{to}), expected) << "from n" << from + 1 << " to n" << to + 1;
    }
  }
}

TEST(Network, HealDeliversAgain) {
  NetFixture f(3, fixed_latency(Duration::millis(1)));
  f.net.partition({{kN1}, {kN2, kN3}});
  f.net.send(kN1, kN2, message(1), 8);
  f.run_to_ms(10);
  EXPECT_EQ(f.delivered(kN1, kN2), std::vector<uint64_t>{});

  f.net.heal();
  EXPECT_EQ(f.net.describe_connectivity(), "111|111|111");
  f.net.send(kN1, kN2, message(2), 8);
  f.net.send(kN3, kN1, message(3), 8);
  f.run_to_ms(20);
  EXPECT_EQ(f.delivered(kN1, kN2), std::vector<uint64_t>{2});
  EXPECT_EQ(f.delivered(kN3, kN1), std::vector<uint64_t>{3});
}

TEST(Network, IsolateCutsOneHostOffBothWays) {
  NetFixture f(4);
  f.net.isolate(kN2);
  EXPECT_EQ(f.net.describe_connectivity(), "1011|0100|1011|1011");
  for (uint32_t other : {0u, 2u, 3u}) {
    EXPECT_FALSE(f.net.reachable(kN2, HostId{other}));
    EXPECT_FALSE(f.net.reachable(HostId{other}, kN2));
  }
  EXPECT_TRUE(f.net.reachable(kN1, kN4));
}

TEST(Network, BridgeHostReachesBothSidesWhichDoNotReachEachOther) {
  NetFixture f(5, fixed_latency(Duration::millis(1)));
  f.net.bridge({kN1, kN2}, {kN4, kN5}, kN3);
  EXPECT_EQ(f.net.describe_connectivity(), "11100|11100|11111|00111|00111");

  f.net.send(kN1, kN3, message(13), 8);
  f.net.send(kN3, kN5, message(35), 8);
  f.net.send(kN5, kN3, message(53), 8);
  f.net.send(kN1, kN5, message(15), 8);
  f.net.send(kN4, kN2, message(42), 8);
  f.run_to_ms(10);
  EXPECT_EQ(f.delivered(kN1, kN3), std::vector<uint64_t>{13});
  EXPECT_EQ(f.delivered(kN3, kN5), std::vector<uint64_t>{35});
  EXPECT_EQ(f.delivered(kN5, kN3), std::vector<uint64_t>{53});
  EXPECT_EQ(f.delivered(kN1, kN5), std::vector<uint64_t>{});
  EXPECT_EQ(f.delivered(kN4, kN2), std::vector<uint64_t>{});
}

TEST(Network, MajorityRingOfFiveGivesEachHostItselfAndTwoNeighbours) {
  NetFixture f(5);
  f.net.majority_ring();
  EXPECT_EQ(f.net.describe_connectivity(), "11001|11100|01110|00111|10011");

  std::set<std::vector<uint32_t>> seen_sets;
  for (uint32_t from = 0; from < 5; ++from) {
    std::vector<uint32_t> reached;
    for (uint32_t to = 0; to < 5; ++to) {
      if (f.net.reachable(HostId{from}, HostId{to})) {
        reached.push_back(to);
      }
    }
    const std::vector<uint32_t> expected = {from, (from + 1) % 5, (from + 4) % 5};
    EXPECT_EQ(reached.size(), 3u) << "n" << from + 1;
    for (uint32_t host : expected) {
      EXPECT_NE(std::find(reached.begin(), reached.end(), host), reached.end()) << "n" << from + 1 << " -> " << host;
    }
    seen_sets.insert(reached);
  }
  EXPECT_EQ(seen_sets.size(), 5u);  // no two hosts see the same majority
}

// Checked against a naive reading of the definition for many cluster sizes.
RC_GTEST_PROP(Network, MajorityRingGivesEveryHostADistinctSymmetricMajority, ()) {
  const uint32_t hosts = *rc::gen::inRange<uint32_t>(4, 16);
  NetFixture f(hosts);
  f.net.majority_ring();
  std::set<std::vector<bool>> seen_sets;
  for (uint32_t from = 0; from < hosts; ++from) {
    std::vector<bool> row;
    uint32_t count = 0;
    for (uint32_t to = 0; to < hosts; ++to) {
      const bool reached = f.net.reachable(HostId{from}, HostId{to});
      RC_ASSERT(reached == f.net.reachable(HostId{to}, HostId{from}));
      row.push_back(reached);
      count += reached ? 1 : 0;
    }
    RC_ASSERT(row[from]);
    RC_ASSERT(count >= hosts / 2 + 1);
    RC_ASSERT(count < hosts);
    seen_sets.insert(row);
  }
  RC_ASSERT(seen_sets.size() == hosts);
}

// ---------------------------------------------------------------------------------------------
// Datagrams

TEST(Network, DatagramInFlightWhenAPartitionStartsIsDropped) {
  NetFixture f(2, fixed_latency(Duration::millis(5)));
  f.net.send(kN1, kN2, message(1), 8);
  f.run_to_ms(2);
  f.net.partition({{kN1}, {kN2}});
  f.run_to_ms(20);

  EXPECT_EQ(f.delivered(kN1, kN2), std::vector<uint64_t>{});
  EXPECT_EQ(f.drops_with_reason("partition_in_flight"), 1);
  EXPECT_EQ(f.net.stats().delivered.messages, 0u);
  EXPECT_EQ(f.net.stats().dropped, 1u);
}

TEST(Network, DatagramsCanReorder) {
  NetFixture f(2, latency_range(Duration::millis(1), Duration::millis(50)));
  constexpr uint64_t kCount = 200;
  for (uint64_t seq = 1; seq <= kCount; ++seq) {
    f.sim.schedule_at(SimTime::from_ms(static_cast<int64_t>(seq)),
                      [&f, seq] { f.net.send(kN1, kN2, message(seq), 8); });
  }
  f.run_to_ms(1000);

  const std::vector<uint64_t> arrived = f.delivered(kN1, kN2);
  ASSERT_EQ(arrived.size(), kCount);
  uint64_t overtaken = 0;  // datagrams that arrived after one sent later
  for (size_t i = 1; i < arrived.size(); ++i) {
    if (arrived[i] < arrived[i - 1]) {
      ++overtaken;
    }
  }
  EXPECT_GT(overtaken, 0u);
  std::vector<uint64_t> sorted = arrived;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, iota(1, kCount));  // reordered, but each exactly once
}

TEST(Network, DropProbabilityOneDeliversNothing) {
  LinkParams lossy = latency_range(Duration::millis(1), Duration::millis(10));
  lossy.drop_probability = 1.0;
  NetFixture f(2, lossy);
  for (uint64_t seq = 1; seq <= 100; ++seq) {
    f.net.send(kN1, kN2, message(seq), 8);
  }
  f.run_to_ms(100);
  EXPECT_EQ(f.delivered(kN1, kN2), std::vector<uint64_t>{});
  EXPECT_EQ(f.net.stats().dropped, 100u);
  EXPECT_EQ(f.drops_with_reason("loss"), 100);
  EXPECT_EQ(f.net.stats().delivered.messages, 0u);
}

TEST(Network, DropProbabilityZeroDeliversEverythingOnce) {
  NetFixture f(2, latency_range(Duration::millis(1), Duration::millis(10)));
  for (uint64_t seq = 1; seq <= 100; ++seq) {
    f.net.send(kN1, kN2, message(seq), 8);
  }
  f.run_to_ms(100);
  std::vector<uint64_t> arrived = f.delivered(kN1, kN2);
  std::sort(arrived.begin(), arrived.end());
  EXPECT_EQ(arrived, iota(1, 100));
  EXPECT_EQ(f.net.stats().dropped, 0u);
  EXPECT_EQ(f.net.stats().duplicated, 0u);
}

TEST(Network, DuplicateProbabilityOneDeliversEachDatagramTwiceWithTheSamePacketId) {
  LinkParams duplicating = latency_range(Duration::millis(1), Duration::millis(10));
  duplicating.duplicate_probability = 1.0;
  NetFixture f(2, duplicating);
  for (uint64_t seq = 1; seq <= 50; ++seq) {
    f.net.send(kN1, kN2, message(seq), 8);
  }
  f.run_to_ms(100);

  std::map<uint64_t, std::vector<uint64_t>> seqs_by_packet_id;
  for (const Event& event : f.events_of(What::kDeliver, kN2)) {
    seqs_by_packet_id[event.packet_id].push_back(event.seq);
  }
  ASSERT_EQ(seqs_by_packet_id.size(), 50u);
  for (const auto& [id, seqs] : seqs_by_packet_id) {
    ASSERT_EQ(seqs.size(), 2u) << "packet " << id;
    EXPECT_EQ(seqs[0], seqs[1]) << "packet " << id;
  }
  EXPECT_EQ(f.net.stats().duplicated, 50u);
  EXPECT_EQ(f.net.stats().sent.messages, 50u);
  EXPECT_EQ(f.net.stats().delivered.messages, 100u);
}

TEST(Network, ByteAccountingAddsUpToWhatWasSent) {
  NetFixture f(3, latency_range(Duration::millis(1), Duration::millis(5)));
  // Datagrams of two kinds and stream messages of a third.
  for (uint64_t i = 0; i < 10; ++i) {
    f.net.send(kN1, kN2, message(i, "Vote"), 100);
    f.net.send(kN2, kN3, message(i, "Append"), 1000 + static_cast<uint32_t>(i));
  }
  const ConnId conn = open_connection(f, kN3, kN1);
  for (uint64_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(f.net.stream_send(conn, kN3, message(i, "Proposal"), 7));
    ASSERT_TRUE(f.net.stream_send(conn, kN1, message(i, "Ack"), 3));
  }
  f.run_to_ms(100);

  const NetworkStats& stats = f.net.stats();
  const uint64_t append_bytes = 10 * 1000 + (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9);
  const uint64_t total_bytes = 10 * 100 + append_bytes + 4 * 7 + 4 * 3;
  EXPECT_EQ(stats.sent.messages, 28u);
  EXPECT_EQ(stats.sent.bytes, total_bytes);
  EXPECT_EQ(stats.delivered.messages, 28u);
  EXPECT_EQ(stats.delivered.bytes, total_bytes);
  ASSERT_EQ(stats.sent_by_kind.size(), 4u);
  EXPECT_EQ(stats.sent_by_kind.at("Vote").messages, 10u);
  EXPECT_EQ(stats.sent_by_kind.at("Vote").bytes, 1000u);
  EXPECT_EQ(stats.sent_by_kind.at("Append").messages, 10u);
  EXPECT_EQ(stats.sent_by_kind.at("Append").bytes, append_bytes);
  EXPECT_EQ(stats.sent_by_kind.at("Proposal").messages, 4u);
  EXPECT_EQ(stats.sent_by_kind.at("Proposal").bytes, 28u);
  EXPECT_EQ(stats.sent_by_kind.at("Ack").messages, 4u);
  EXPECT_EQ(stats.sent_by_kind.at("Ack").bytes, 12u);
}

TEST(Network, DroppedDatagramsCountAsSentButNotDelivered) {
  NetFixture f(2, fixed_latency(Duration::millis(1)));
  f.net.send(kN1, kN2, message(1), 40);
  f.net.cut(kN1, kN2);
  f.net.send(kN1, kN2, message(2), 60);
  f.run_to_ms(10);
  EXPECT_EQ(f.net.stats().sent.bytes, 100u);
  EXPECT_EQ(f.net.stats().delivered.bytes, 0u);  // the first was in flight when the cut came
  EXPECT_EQ(f.net.stats().dropped, 2u);
}

// ---------------------------------------------------------------------------------------------
// Streams

TEST(Stream, DeliversInSendOrderInBothDirections) {
  NetFixture f(2, latency_range(Duration::millis(1), Duration::millis(50)));
  constexpr uint64_t kCount = 200;
  const std::optional<ConnId> conn = f.net.connect(kN1, kN2);
  ASSERT_TRUE(conn.has_value());
  // The acceptor answers on the same connection as soon as it learns of it.
  f.sink.on_event = [&f, conn](const Event& event) {
    if (event.what != What::kOpened) {
      return;
    }
    for (uint64_t seq = 1; seq <= kCount; ++seq) {
      f.sim.schedule_after(Duration::millis(static_cast<int64_t>(seq)),
                           [&f, conn, seq] { EXPECT_TRUE(f.net.stream_send(*conn, kN2, message(seq), 8)); });
    }
  };
  for (uint64_t seq = 1; seq <= kCount; ++seq) {
    f.sim.schedule_at(SimTime::from_ms(static_cast<int64_t>(seq)),
                      [&f, conn, seq] { EXPECT_TRUE(f.net.stream_send(*conn, kN1, message(seq), 8)); });
  }
  f.run_to_ms(2000);

  EXPECT_EQ(f.delivered(kN1, kN2, conn), iota(1, kCount));
  EXPECT_EQ(f.delivered(kN2, kN1, conn), iota(1, kCount));
  EXPECT_TRUE(f.net.is_open(*conn));
}

TEST(Stream, AcceptorIsToldOfTheConnectionBeforeAnyData) {
  NetFixture f(2, latency_range(Duration::millis(1), Duration::millis(50)));
  std::vector<ConnId> conns;
  for (uint64_t i = 0; i < 20; ++i) {
    const std::optional<ConnId> conn = f.net.connect(kN1, kN2);
    ASSERT_TRUE(conn.has_value());
    conns.push_back(*conn);
    // Data sent at once, before the SYN can have arrived.
    ASSERT_TRUE(f.net.stream_send(*conn, kN1, message(i), 8));
    ASSERT_TRUE(f.net.stream_send(*conn, kN1, message(i + 100), 8));
  }
  f.run_to_ms(500);

  for (const ConnId conn : conns) {
    std::vector<What> seen;
    for (const Event& event : f.sink.events()) {
      if (event.conn == conn && event.at == kN2) {
        seen.push_back(event.what);
      }
    }
    EXPECT_EQ(seen, (std::vector<What>{What::kOpened, What::kDeliver, What::kDeliver})) << "conn " << conn.value;
  }
  EXPECT_EQ(f.net.stats().streams_opened, 20u);
}

TEST(Stream, ConnectAcrossAPartitionFails) {
  NetFixture f(3);
  f.net.partition({{kN1}, {kN2, kN3}});
  EXPECT_EQ(f.net.connect(kN1, kN2), std::nullopt);
  EXPECT_EQ(f.net.connect(kN2, kN1), std::nullopt);
  // A one-way cut is enough: the handshake needs both directions.
  f.net.heal();
  f.net.cut(kN3, kN2);
  EXPECT_EQ(f.net.connect(kN2, kN3), std::nullopt);
  EXPECT_EQ(f.net.connect(kN3, kN2), std::nullopt);
  EXPECT_TRUE(f.net.connect(kN1, kN2).has_value());
  f.run_to_ms(100);
  EXPECT_EQ(f.events_of(What::kOpened, kN2).size(), 1u);
  EXPECT_EQ(f.events_of(What::kOpened, kN3).size(), 0u);
  EXPECT_EQ(f.net.stats().streams_opened, 1u);
}

TEST(Stream, PartitionClosesTheConnectionAndDropsWhatWasInFlight) {
  NetFixture f(2, latency_range(Duration::millis(1), Duration::millis(20)));
  const ConnId old_conn = open_connection(f, kN1, kN2);
  const SimTime start = f.sim.now();
  // One message a millisecond; the partition comes while many are in flight.
  for (uint64_t seq = 1; seq <= 30; ++seq) {
    f.sim.schedule_at(start + Duration::millis(static_cast<int64_t>(seq)),
                      [&f, old_conn, seq] { f.net.stream_send(old_conn, kN1, message(seq), 8); });
  }
  const SimTime partition_at = start + Duration::millis(15) + Duration::micros(500);
  f.sim.run_until(partition_at);
  f.net.partition({{kN1}, {kN2}});
  EXPECT_FALSE(f.net.is_open(old_conn));
  EXPECT_FALSE(f.net.stream_send(old_conn, kN1, message(99), 8));
  EXPECT_FALSE(f.net.stream_send(old_conn, kN2, message(99), 8));
  f.sim.run_until(partition_at + Duration::millis(100));

  // Both ends are told, and nothing sent on the connection arrives after the partition.
  const std::vector<Event> closed_at_n1 = f.events_of(What::kClosed, kN1);
  const std::vector<Event> closed_at_n2 = f.events_of(What::kClosed, kN2);
  ASSERT_EQ(closed_at_n1.size(), 1u);
  ASSERT_EQ(closed_at_n2.size(), 1u);
  EXPECT_EQ(closed_at_n1[0].conn, old_conn);
  EXPECT_EQ(closed_at_n2[0].conn, old_conn);
  EXPECT_EQ(closed_at_n1[0].reason, "partition");
  EXPECT_EQ(closed_at_n2[0].reason, "partition");
  size_t delivered_before = 0;
  for (const Event& event : f.events_of(What::kDeliver, kN2)) {
    EXPECT_LE(event.time, partition_at) << "seq " << event.seq;
    ++delivered_before;
  }
  // Sent 15, some still in flight (latency up to 20 ms) and dropped, never the later ones.
  EXPECT_LT(delivered_before, 15u);
  EXPECT_GT(f.drops_with_reason("connection_closed"), 0);
  // FIFO: what did arrive is a prefix of what was sent.
  EXPECT_EQ(f.delivered(kN1, kN2, old_conn), iota(1, delivered_before));

  // After the heal a new connection is a new incarnation: its messages arrive, the old ones never.
  f.net.heal();
  EXPECT_FALSE(f.net.stream_send(old_conn, kN1, message(98), 8));
  const std::optional<ConnId> new_conn = f.net.connect(kN1, kN2);
  ASSERT_TRUE(new_conn.has_value());
  EXPECT_NE(*new_conn, old_conn);
  EXPECT_GT(new_conn->value, old_conn.value);
  for (uint64_t seq = 1001; seq <= 1005; ++seq) {
    EXPECT_TRUE(f.net.stream_send(*new_conn, kN1, message(seq), 8));
  }
  f.sim.run_until(f.sim.now() + Duration::millis(200));
  EXPECT_EQ(f.delivered(kN1, kN2, new_conn), iota(1001, 5));
  EXPECT_EQ(f.delivered(kN1, kN2, old_conn), iota(1, delivered_before));
  EXPECT_EQ(f.net.connections_between(kN1, kN2), std::vector<ConnId>{*new_conn});
}

TEST(Stream, OneWayCutClosesTheConnection) {
  NetFixture f(2, fixed_latency(Duration::millis(1)));
  const ConnId conn = open_connection(f, kN1, kN2);
  f.net.cut(kN2, kN1);  // only the reverse direction
  f.run_to_ms(50);
  EXPECT_FALSE(f.net.is_open(conn));
  EXPECT_EQ(f.events_of(What::kClosed, kN1).size(), 1u);
  EXPECT_EQ(f.events_of(What::kClosed, kN2).size(), 1u);
}

TEST(Stream, BridgeKeepsConnectionsToTheBridgeHost) {
  NetFixture f(5, fixed_latency(Duration::millis(1)));
  const ConnId to_bridge = open_connection(f, kN1, kN3);
  const ConnId from_bridge = open_connection(f, kN3, kN5);
  const ConnId across = open_connection(f, kN2, kN4);
  f.net.bridge({kN1, kN2}, {kN4, kN5}, kN3);

  EXPECT_TRUE(f.net.is_open(to_bridge));
  EXPECT_TRUE(f.net.is_open(from_bridge));
  EXPECT_FALSE(f.net.is_open(across));
  EXPECT_TRUE(f.net.stream_send(to_bridge, kN1, message(7), 8));
  f.run_to_ms(100);
  EXPECT_EQ(f.delivered(kN1, kN3, to_bridge), std::vector<uint64_t>{7});
  EXPECT_EQ(f.events_of(What::kClosed, kN1).size(), 0u);
  EXPECT_EQ(f.events_of(What::kClosed, kN2).size(), 1u);
  EXPECT_EQ(f.events_of(What::kClosed, kN4).size(), 1u);
}

TEST(Stream, LostMessageResetsTheConnection) {
  NetFixture f(2, fixed_latency(Duration::millis(5)));
  const ConnId conn = open_connection(f, kN1, kN2);
  EXPECT_TRUE(f.net.stream_send(conn, kN1, message(1), 8));
  f.run_to_ms(20);
  EXPECT_EQ(f.delivered(kN1, kN2, conn), std::vector<uint64_t>{1});

  LinkParams lossy = fixed_latency(Duration::millis(5));
  lossy.drop_probability = 1.0;
  f.net.set_link(kN1, kN2, lossy);
  EXPECT_TRUE(f.net.stream_send(conn, kN1, message(2), 8));  // lost: the sender cannot tell yet
  EXPECT_FALSE(f.net.is_open(conn));
  // Later messages must not slip through with message 2 missing.
  f.net.set_link(kN1, kN2, fixed_latency(Duration::millis(5)));
  EXPECT_FALSE(f.net.stream_send(conn, kN1, message(3), 8));
  EXPECT_FALSE(f.net.stream_send(conn, kN2, message(4), 8));
  f.run_to_ms(100);

  EXPECT_EQ(f.delivered(kN1, kN2, conn), std::vector<uint64_t>{1});
  EXPECT_EQ(f.delivered(kN2, kN1, conn), std::vector<uint64_t>{});
  const std::vector<Event> closed_at_n1 = f.events_of(What::kClosed, kN1);
  const std::vector<Event> closed_at_n2 = f.events_of(What::kClosed, kN2);
  ASSERT_EQ(closed_at_n1.size(), 1u);
  ASSERT_EQ(closed_at_n2.size(), 1u);
  EXPECT_EQ(closed_at_n1[0].reason, "loss");
  EXPECT_EQ(closed_at_n2[0].reason, "loss");
  EXPECT_EQ(closed_at_n1[0].peer, kN2);
  EXPECT_EQ(closed_at_n2[0].peer, kN1);
  EXPECT_EQ(f.net.stats().streams_closed, 1u);
}

TEST(Stream, DuplicationDoesNotApplyToStreams) {
  LinkParams duplicating = latency_range(Duration::millis(1), Duration::millis(10));
  duplicating.duplicate_probability = 1.0;
  NetFixture f(2, duplicating);
  const ConnId conn = open_connection(f, kN1, kN2);
  for (uint64_t seq = 1; seq <= 20; ++seq) {
    ASSERT_TRUE(f.net.stream_send(conn, kN1, message(seq), 8));
  }
  f.run_to_ms(200);
  EXPECT_EQ(f.delivered(kN1, kN2, conn), iota(1, 20));
  EXPECT_EQ(f.net.stats().duplicated, 0u);
}

TEST(Stream, GracefulCloseDeliversWhatWasSentThenTellsThePeer) {
  NetFixture f(2, latency_range(Duration::millis(1), Duration::millis(30)));
  const ConnId conn = open_connection(f, kN1, kN2);
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    ASSERT_TRUE(f.net.stream_send(conn, kN1, message(seq), 8));
  }
  f.net.close(conn, kN1);
  EXPECT_FALSE(f.net.stream_send(conn, kN1, message(11), 8));  // closing: nothing more from n1
  f.run_to_ms(500);

  std::vector<What> seen_at_n2;
  for (const Event& event : f.sink.events()) {
    if (event.conn == conn && event.at == kN2) {
      seen_at_n2.push_back(event.what);
    }
  }
  std::vector<What> expected = {What::kOpened};
  expected.insert(expected.end(), 10, What::kDeliver);
  expected.push_back(What::kClosed);
  EXPECT_EQ(seen_at_n2, expected);
  EXPECT_EQ(f.delivered(kN1, kN2, conn), iota(1, 10));
  const std::vector<Event> closed = f.events_of(What::kClosed, kN2);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].reason, "fin");
  EXPECT_EQ(closed[0].peer, kN1);
  EXPECT_FALSE(f.net.is_open(conn));
  EXPECT_FALSE(f.net.stream_send(conn, kN2, message(12), 8));
}

}  // namespace
}  // namespace consim::sim
