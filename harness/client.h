// A simulated client, as in Jepsen: a closed loop that invokes an operation, waits for ok, fail
// or its timeout (info), and records every event in the history. After an info its process id
// is retired and a fresh one (id + number of clients) continues, because the old operation may
// still take effect at any later time.
//
// The client finds the leader through redirect hints: a server that does not take the request
// answers with where it thinks the leader is, and the client retries there (a redirect means the
// request was not taken, so retrying cannot apply it twice). A client that does not follow hints
// retries on a random server instead; either way it keeps the server that last answered it.
// Clients run on their own hosts, so their messages cross the simulated network like any other.
#pragma once

#include <cstdint>
#include <optional>

#include "harness/client_op.h"
#include "harness/history_recorder.h"
#include "harness/workload.h"
#include "protocols/common/effects.h"
#include "sim/world.h"

namespace consim::harness {

struct ClientSetup {
  Workload* workload = nullptr;
  HistoryRecorder* history = nullptr;
  sim::Simulator* sim = nullptr;  // global time, for the history
  uint32_t nodes = 3;             // servers are hosts 0 .. nodes-1
  uint32_t clients = 1;
  protocols::ReadMode read_mode = protocols::ReadMode::kReadIndex;
  bool any_server = false;  // follower reads: ask a random server, not the leader
  // After a redirect, try the server it names. Off (ZooKeeper's clients, which know no leader):
  // try a random server instead.
  bool follow_leader_hints = true;
  Duration timeout = Duration::seconds(1);
  Duration retry_backoff = Duration::millis(10);  // after a redirect, times the attempts so far (capped)
  SimTime stop_at = SimTime::max();               // no invocation starts at or after this time
  // znode: every process opens a session (with this timeout) before its first operation.
  bool sessions = false;
  double session_timeout_ms = 5000;
};

class ClientProcess final : public sim::Process {
 public:
  // `index` is 0-based among the clients; it is also the client's first process id.
  ClientProcess(sim::HostContext context, uint32_t index, const ClientSetup* setup);

  void on_start() override;
  void on_message(const sim::Packet& packet) override;
  void on_timer(sim::TimerId timer, uint64_t tag) override;

  uint64_t process() const { return process_; }

 private:
  enum TimerKind : uint64_t { kInvoke = 0, kTimeout = 1, kRetry = 2 };
  static uint64_t tag(TimerKind kind, uint64_t op) { return op << 2 | kind; }

  void schedule_invoke();
  void invoke();
  // Starts opening a session for the current process; invoke() runs when it is open.
  void open_session();
  void send_attempt();
  void finish();
  uint32_t pick_server();

  sim::HostContext context_;
  const ClientSetup* setup_;
  sim::Rng rng_;
  uint32_t index_;
  uint64_t process_;
  uint64_t op_seq_ = 0;  // the current (or last) operation's number
  uint64_t next_request_ = 1;
  std::optional<ClientOp> op_;    // the operation in flight
  bool opening_session_ = false;  // op_ is an "open_session" (not in the history)
  int64_t session_ = 0;           // the current process's session, 0 = none yet
  SimTime invoked_at_;
  uint64_t request_ = 0;  // the attempt in flight
  uint32_t attempts_ = 0;
  uint32_t leader_guess_ = 0;  // 1-based node, 0 = unknown
  std::optional<sim::TimerId> timeout_timer_;
};

}  // namespace consim::harness
