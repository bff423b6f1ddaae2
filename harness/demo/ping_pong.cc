#include "harness/demo/ping_pong.h"

#include <cstdio>
#include <map>
#include <memory>
#include <ostream>

#include "base/assert.h"
#include "sim/simulator.h"
#include "sim/world.h"

namespace consim::harness {
namespace {

using sim::ConnId;
using sim::HostId;
using sim::Packet;

struct Ping final : sim::Payload {
  explicit Ping(uint64_t seq_in) : seq(seq_in) {}
  std::string_view kind() const override { return "Ping"; }
  uint64_t seq;
};

struct Pong final : sim::Payload {
  explicit Pong(uint64_t seq_in) : seq(seq_in) {}
  std::string_view kind() const override { return "Pong"; }
  uint64_t seq;
};

struct Sequenced final : sim::Payload {
  explicit Sequenced(uint64_t seq_in) : seq(seq_in) {}
  std::string_view kind() const override { return "Sequenced"; }
  uint64_t seq;
};

struct Counter final : sim::Payload {
  explicit Counter(uint64_t value_in) : value(value_in) {}
  std::string_view kind() const override { return "Counter"; }
  uint64_t value;
};

constexpr uint64_t kTickTag = 1;
constexpr uint64_t kReconnectTag = 2;
constexpr Duration kTickInterval = Duration::millis(100);
constexpr Duration kReconnectDelay = Duration::millis(200);
constexpr uint32_t kPingBytes = 32;

uint64_t recovered_counter(const sim::DiskImage& recovered) {
  auto it = recovered.find("counter");
  if (it == recovered.end()) {
    return 0;
  }
  // Recovery reads back to the last intact record: a torn tail fails its checksum.
  for (auto record = it->second.rbegin(); record != it->second.rend(); ++record) {
    if (!record->torn) {
      return static_cast<const Counter&>(*record->payload).value;
    }
  }
  return 0;
}

class PingPongProcess final : public sim::Process {
 public:
  PingPongProcess(sim::HostContext context, const sim::DiskImage& recovered, PingPongHostReport& report)
      : context_(context), report_(report), counter_(recovered_counter(recovered)) {}

  void on_start() override {
    context_.trace(sim::TraceEvent("demo.start").add("counter", counter_));
    context_.set_timer_after(kTickInterval, kTickTag);
    connect_to_successor();
  }

  void on_message(const Packet& packet) override {
    const std::string_view kind = packet.payload->kind();
    if (kind == "Ping") {
      const auto& ping = static_cast<const Ping&>(*packet.payload);
      context_.send(packet.from, std::make_shared<Pong>(ping.seq), kPingBytes);
    } else if (kind == "Pong") {
      ++report_.pongs_received;
    } else if (kind == "Sequenced") {
      const auto& message = static_cast<const Sequenced&>(*packet.payload);
      uint64_t& last = last_seq_by_conn_[packet.conn.value];
      if (message.seq != last + 1) {
        ++report_.stream_out_of_order;
      }
      last = message.seq;
      ++report_.stream_messages_received;
    }
  }

  void on_timer(sim::TimerId, uint64_t tag) override {
    if (tag == kReconnectTag) {
      connect_to_successor();
      return;
    }
    ++ticks_;
    for (uint32_t i = 0; i < context_.hosts(); ++i) {
      if (i != context_.self().index) {
        context_.send(HostId{i}, std::make_shared<Ping>(ticks_), kPingBytes);
        ++report_.pings_sent;
      }
    }
    if (out_.valid()) {
      context_.stream_send(out_, std::make_shared<Sequenced>(++out_seq_), kPingBytes);
    }
    if (ticks_ % 5 == 0) {
      ++counter_;
      context_.disk().append("counter", sim::DiskRecord{std::make_shared<Counter>(counter_), 8, false});
      context_.sync();
    }
    context_.set_timer_after(kTickInterval, kTickTag);
  }

  void on_stream_closed(HostId, ConnId conn, std::string_view) override {
    last_seq_by_conn_.erase(conn.value);
    if (conn == out_) {
      out_ = ConnId{};
      context_.set_timer_after(kReconnectDelay, kReconnectTag);
    }
  }

 private:
  void connect_to_successor() {
    const HostId successor{(context_.self().index + 1) % context_.hosts()};
    const auto conn = context_.connect(successor);
    if (conn) {
      out_ = *conn;
      out_seq_ = 0;
    } else {
      context_.set_timer_after(kReconnectDelay, kReconnectTag);
    }
  }

  sim::HostContext context_;
  PingPongHostReport& report_;
  uint64_t counter_;
  uint64_t ticks_ = 0;
  ConnId out_;
  uint64_t out_seq_ = 0;
  std::map<uint64_t, uint64_t> last_seq_by_conn_;
};

HostId host(uint32_t index, uint32_t hosts) { return HostId{index % hosts}; }

// The fixed fault schedule: a tour of what the simulator can do.
void schedule_faults(sim::Simulator& simulator, sim::World& world) {
  const uint32_t n = world.hosts();
  auto at = [&](int64_t ms, std::function<void()> fault) {
    simulator.schedule_at(SimTime::from_ms(ms), std::move(fault));
  };
  at(500, [&world, n] { world.set_clock_drift_ppb(host(1, n), 200'000'000); });
  at(1000, [&world, &simulator, n] {
    world.network().partition({{host(0, n), host(1, n)}});
    simulator.emit(sim::TraceEvent("fault.partition").add("matrix", world.network().describe_connectivity()));
  });
  at(2000, [&world, &simulator] {
    world.network().heal();
    simulator.emit(sim::TraceEvent("fault.heal"));
  });
  at(2500, [&world, n] { world.crash(host(2, n)); });
  at(3000, [&world, n] { world.restart(host(2, n)); });
  at(3500, [&world, n] { world.pause(host(3, n), Duration::millis(400)); });
  at(4000, [&world, &simulator, n] {
    world.network().cut(host(4, n), host(0, n));
    simulator.emit(sim::TraceEvent("fault.cut").add("from", host(4, n)).add("to", host(0, n)));
  });
  at(4500, [&world, n] { world.clock_step(host(0, n), Duration::millis(-300)); });
  at(5000, [&world, &simulator] {
    world.network().heal();
    simulator.emit(sim::TraceEvent("fault.heal"));
  });
}

}  // namespace

PingPongReport run_ping_pong(const PingPongOptions& options, std::ostream* trace_out) {
  CONSIM_ASSERT(options.hosts >= 3);
  sim::Simulator simulator(options.seed);
  simulator.trace().stream_to(trace_out);
  simulator.emit(sim::TraceEvent("run.start").add("seed", options.seed).add("hosts", options.hosts));

  PingPongReport report;
  report.seed = options.seed;
  report.hosts.resize(options.hosts);
  for (uint32_t i = 0; i < options.hosts; ++i) {
    report.hosts[i].name = HostId{i}.name();
  }

  sim::WorldConfig config;
  config.hosts = options.hosts;
  config.link.drop_probability = 0.01;
  config.link.duplicate_probability = 0.01;
  config.disk.torn_write_probability = 0.5;
  sim::World world(simulator, config, [&report](sim::HostContext context, const sim::DiskImage& recovered) {
    PingPongHostReport& host_report = report.hosts[context.self().index];
    if (!recovered.empty()) {
      ++host_report.restarts;
    }
    return std::make_unique<PingPongProcess>(context, recovered, host_report);
  });
  world.start_all();
  schedule_faults(simulator, world);
  simulator.run_until(SimTime::from_ms(options.duration_ms));
  simulator.emit(sim::TraceEvent("run.end").add("events", simulator.events_processed()));

  report.events = simulator.events_processed();
  report.trace_records = simulator.trace().count();
  report.digest = simulator.trace().digest();
  const sim::NetworkStats& stats = world.network().stats();
  report.messages_sent = stats.sent.messages;
  report.messages_delivered = stats.delivered.messages;
  report.messages_dropped = stats.dropped;
  for (uint32_t i = 0; i < options.hosts; ++i) {
    report.hosts[i].durable_counter = recovered_counter(world.disk(HostId{i}).durable());
  }
  simulator.trace().stream_to(nullptr);
  return report;
}

std::string format_ping_pong(const PingPongReport& report) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "consim demo: ping-pong on %zu hosts, seed %llu\n", report.hosts.size(),
                static_cast<unsigned long long>(report.seed));
  out += line;
  out += "faults: drift n2 +20% @0.5s, partition {n1,n2}|rest @1s, heal @2s, crash n3 @2.5s, restart @3s,\n";
  out += "        pause n4 400ms @3.5s, cut n5->n1 @4s, step n1 clock -300ms @4.5s, heal @5s\n\n";
  std::snprintf(line, sizeof line, "%-5s %10s %10s %10s %12s %9s %8s\n", "host", "pings", "pongs", "stream_in",
                "out_of_order", "restarts", "durable");
  out += line;
  for (const PingPongHostReport& host_report : report.hosts) {
    std::snprintf(line, sizeof line, "%-5s %10llu %10llu %10llu %12llu %9llu %8llu\n", host_report.name.c_str(),
                  static_cast<unsigned long long>(host_report.pings_sent),
                  static_cast<unsigned long long>(host_report.pongs_received),
                  static_cast<unsigned long long>(host_report.stream_messages_received),
                  static_cast<unsigned long long>(host_report.stream_out_of_order),
                  static_cast<unsigned long long>(host_report.restarts),
                  static_cast<unsigned long long>(host_report.durable_counter));
    out += line;
  }
  std::snprintf(
      line, sizeof line, "\nmessages: %llu sent, %llu delivered, %llu dropped; %llu events, %llu trace records\n",
      static_cast<unsigned long long>(report.messages_sent), static_cast<unsigned long long>(report.messages_delivered),
      static_cast<unsigned long long>(report.messages_dropped), static_cast<unsigned long long>(report.events),
      static_cast<unsigned long long>(report.trace_records));
  out += line;
  out += "digest: " + sim::format_digest(report.digest) + "\n";
  return out;
}

}  // namespace consim::harness
