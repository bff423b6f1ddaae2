// The simulated world: hosts with clocks and disks, the network between them, the processes
// that run on the hosts, and the faults that strike them.
//
// A host is up, paused or crashed (or not yet started). Everything addressed to a host —
// packets, stream notifications, timer expiries, sync completions — goes through one gate:
//   up      -> the process handles it now;
//   paused  -> it waits, in arrival order, and is handled when the pause ends (a GC pause:
//              the kernel still buffers packets, timers fire late);
//   crashed -> it is lost.
// A crash drops the process and its volatile state, timers and connections, and loses the
// disk's unsynced writes; a restart builds a new process from what survived on disk. The
// clock is hardware: it keeps running through a crash.
//
// Timers are armed in a host's local time and re-converted to global time whenever that host's
// clock is stepped or its drift changes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "base/assert.h"
#include "base/time.h"
#include "sim/clock.h"
#include "sim/disk.h"
#include "sim/ids.h"
#include "sim/network.h"
#include "sim/payload.h"
#include "sim/rng.h"
#include "sim/simulator.h"

namespace consim::sim {

class World;

enum class HostState : uint8_t { kNotStarted, kUp, kPaused, kCrashed };
std::string_view host_state_name(HostState state);

// What a process may do: its only window onto the world. Cheap to copy.
class HostContext {
 public:
  HostContext(World& world, HostId host);

  HostId self() const { return host_; }
  // Whether the incarnation this context was made for is still running (up or paused). A
  // process whose host crashes inside one of its own handlers uses this to stop at once.
  bool alive() const;
  uint32_t hosts() const;
  LocalTime now_local() const;

  // Fires on_timer(id, tag) when the local clock reads `deadline` (at once if it already does).
  TimerId set_timer(LocalTime deadline, uint64_t tag);
  TimerId set_timer_after(Duration local_delay, uint64_t tag);
  bool cancel_timer(TimerId timer);

  void send(HostId to, PayloadPtr payload, uint32_t bytes);
  // Fails at once if `to` is crashed or unreachable (connection refused / timed out).
  std::optional<ConnId> connect(HostId to);
  bool stream_send(ConnId conn, PayloadPtr payload, uint32_t bytes);
  void close(ConnId conn);
  // Resets the connection: in-flight data is dropped; both ends, this one too, are told.
  void reset(ConnId conn);

  Disk& disk();
  // Syncs the disk; on_sync_complete(id) follows unless the host crashes first.
  SyncId sync();

  // Records an event of this host's process in the trace.
  void trace(TraceEvent&& event);
  // This incarnation's own generator (each restart gets a fresh sub-stream).
  Rng rng() const;

 private:
  World* world_;
  HostId host_;
  uint64_t incarnation_;
};

class Process {
 public:
  virtual ~Process() = default;
  virtual void on_start() {}
  virtual void on_message(const Packet& packet) = 0;
  virtual void on_timer(TimerId /*timer*/, uint64_t /*tag*/) {}
  virtual void on_stream_opened(HostId /*peer*/, ConnId /*conn*/) {}
  virtual void on_stream_closed(HostId /*peer*/, ConnId /*conn*/, std::string_view /*reason*/) {}
  virtual void on_sync_complete(SyncId /*sync*/) {}
};

// Builds the process of a host that starts or restarts, from what its disk holds.
using ProcessFactory = std::function<std::unique_ptr<Process>(HostContext context, const DiskImage& recovered)>;

struct WorldConfig {
  uint32_t hosts = 3;
  LinkParams link;
  DiskParams disk;
};

class World : private NetworkSink {
 public:
  World(Simulator& sim, const WorldConfig& config, ProcessFactory factory);
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World() override;

  Simulator& sim() { return sim_; }
  uint32_t hosts() const { return static_cast<uint32_t>(hosts_.size()); }
  Network& network() { return network_; }
  Disk& disk(HostId host) { return *at(host).disk; }
  const NodeClock& clock(HostId host) const { return at(host).clock; }
  HostState state(HostId host) const { return at(host).state; }
  // The running process, or nullptr when the host is crashed or not started.
  Process* process(HostId host) { return at(host).process.get(); }
  uint64_t incarnation(HostId host) const { return at(host).incarnation; }

  // Starts every host that has not started yet, with an empty disk.
  void start_all();

  // Hands an input from outside the simulated machines (a test, a client harness) to a host's
  // process, through the same gate as everything else: run now if up, at resume if paused,
  // dropped if crashed. Returns false when dropped. `input` may run later: capture by value.
  bool inject(HostId host, const std::function<void(Process&)>& input);

  // --- faults
  void crash(HostId host);
  void restart(HostId host);
  // Freezes the host for `length`; a pause during a pause extends it.
  void pause(HostId host, Duration length);
  void clock_step(HostId host, Duration delta);
  void set_clock_drift_ppb(HostId host, int64_t drift_ppb);

 private:
  friend class HostContext;

  struct Timer {
    LocalTime deadline;
    uint64_t tag = 0;
    EventId event;
    bool fired = false;  // expired, waiting for a paused host to handle it
  };
  struct Host {
    HostState state = HostState::kNotStarted;
    uint64_t incarnation = 0;
    NodeClock clock;
    std::unique_ptr<Disk> disk;
    std::unique_ptr<Process> process;
    // By TimerId, ascending (ids only grow, so a new timer goes at the end): re-conversion
    // iterates in a fixed order. A host has a handful of timers; a sorted vector keeps arming
    // and firing (every tick) free of allocations.
    std::vector<std::pair<uint64_t, Timer>> timers;
    SimTime paused_until;
    EventId resume_event;
    std::vector<std::function<void()>> deferred;
    // Connections this incarnation knows (it connected, or was told of the SYN). Notices about
    // any other connection belong to a predecessor that crashed and are not handed on.
    std::set<uint64_t> connections;
  };

  Host& at(HostId host);
  const Host& at(HostId host) const;
  // The gate described above. `handler` runs against the host's current process.
  template <typename Handler>
  void dispatch(HostId host, Handler&& handler);
  void start(HostId host, const DiskImage& recovered);
  void resume(HostId host);
  using TimerIt = std::vector<std::pair<uint64_t, Timer>>::iterator;
  // The timer `timer_id` of `target`, or timers.end().
  static TimerIt find_timer(Host& target, uint64_t timer_id);
  void schedule_timer(HostId host, Host& target, Timer& timer, uint64_t timer_id);
  void fire_timer(HostId host, uint64_t timer_id);
  void reschedule_timers(HostId host);

  // NetworkSink
  void deliver(const Packet& packet) override;
  void stream_opened(HostId at, HostId peer, ConnId conn) override;
  void stream_closed(HostId at, HostId peer, ConnId conn, std::string_view reason) override;

  Simulator& sim_;
  ProcessFactory factory_;
  std::vector<Host> hosts_;
  Network network_;
  uint64_t next_timer_id_ = 1;
  int dispatch_depth_ = 0;
  // Processes crashed while one of their handlers was on the stack die here, after it returns.
  std::vector<std::unique_ptr<Process>> graveyard_;
};

// Inline: asked on nearly every event (the host's state, a process checking it is still alive).
inline World::Host& World::at(HostId host) {
  CONSIM_ASSERT(host.index < hosts_.size());
  return hosts_[host.index];
}

inline const World::Host& World::at(HostId host) const {
  CONSIM_ASSERT(host.index < hosts_.size());
  return hosts_[host.index];
}

inline bool HostContext::alive() const {
  const World::Host& host = world_->at(host_);
  return (host.state == HostState::kUp || host.state == HostState::kPaused) && host.incarnation == incarnation_;
}

template <typename Handler>
void World::dispatch(HostId host, Handler&& handler) {
  Host& target = at(host);
  switch (target.state) {
    case HostState::kUp:
      // The common case runs the handler in place; only a paused host stores it.
      ++dispatch_depth_;
      handler();
      --dispatch_depth_;
      if (dispatch_depth_ == 0) {
        graveyard_.clear();
      }
      return;
    case HostState::kPaused:
      target.deferred.emplace_back(std::forward<Handler>(handler));
      return;
    case HostState::kCrashed:
    case HostState::kNotStarted:
      return;
  }
}

}  // namespace consim::sim
