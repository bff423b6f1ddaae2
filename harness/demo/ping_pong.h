// A demonstration of the simulator core, until the scenario runner exists: every host pings
// every other host over datagrams and keeps a stream to its ring successor, persisting a
// counter with sync, while a fixed fault schedule partitions, crashes, pauses and skews it.
// The output ends with the run's trace digest; the same seed always prints the same digest.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace consim::harness {

struct PingPongOptions {
  uint64_t seed = 1;
  uint32_t hosts = 5;
  int64_t duration_ms = 6000;
};

struct PingPongHostReport {
  std::string name;
  uint64_t pings_sent = 0;
  uint64_t pongs_received = 0;
  uint64_t stream_messages_received = 0;
  uint64_t stream_out_of_order = 0;  // must stay 0: streams are FIFO
  uint64_t restarts = 0;
  uint64_t durable_counter = 0;  // what the disk held at the end
};

struct PingPongReport {
  uint64_t seed = 0;
  uint64_t digest = 0;
  uint64_t trace_records = 0;
  uint64_t events = 0;
  uint64_t messages_sent = 0;
  uint64_t messages_delivered = 0;
  uint64_t messages_dropped = 0;
  std::vector<PingPongHostReport> hosts;
};

// Runs the demonstration. When `trace_out` is not null the trace streams to it as JSONL.
PingPongReport run_ping_pong(const PingPongOptions& options, std::ostream* trace_out);

// The human-readable summary printed by `consim demo`.
std::string format_ping_pong(const PingPongReport& report);

}  // namespace consim::harness
