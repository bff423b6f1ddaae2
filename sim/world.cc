#include "sim/world.h"

#include <algorithm>
#include <utility>

#include "base/assert.h"

namespace consim::sim {

std::string_view host_state_name(HostState state) {
  switch (state) {
    case HostState::kNotStarted:
      return "not_started";
    case HostState::kUp:
      return "up";
    case HostState::kPaused:
      return "paused";
    case HostState::kCrashed:
      return "crashed";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// HostContext

HostContext::HostContext(World& world, HostId host)
    : world_(&world), host_(host), incarnation_(world.incarnation(host)) {}

uint32_t HostContext::hosts() const { return world_->hosts(); }

LocalTime HostContext::now_local() const { return world_->at(host_).clock.local_at(world_->sim_.now()); }

TimerId HostContext::set_timer(LocalTime deadline, uint64_t tag) {
  World::Host& host = world_->at(host_);
  CONSIM_ASSERT(host.state == HostState::kUp);
  const uint64_t id = world_->next_timer_id_++;
  CONSIM_ASSERT(host.timers.empty() || host.timers.back().first < id);
  World::Timer& timer = host.timers.emplace_back(id, World::Timer{deadline, tag, EventId{}, false}).second;
  world_->schedule_timer(host_, host, timer, id);  // the new timer is at hand: no lookup
  return TimerId{id};
}

TimerId HostContext::set_timer_after(Duration local_delay, uint64_t tag) {
  CONSIM_ASSERT(local_delay >= Duration::zero());
  return set_timer(now_local() + local_delay, tag);
}

bool HostContext::cancel_timer(TimerId timer) {
  World::Host& host = world_->at(host_);
  auto it = World::find_timer(host, timer.value);
  if (it == host.timers.end()) {
    return false;
  }
  world_->sim_.cancel(it->second.event);
  host.timers.erase(it);
  return true;
}

void HostContext::send(HostId to, PayloadPtr payload, uint32_t bytes) {
  world_->network_.send(host_, to, std::move(payload), bytes);
}

std::optional<ConnId> HostContext::connect(HostId to) {
  const HostState target = world_->state(to);
  if (target == HostState::kCrashed || target == HostState::kNotStarted) {
    world_->sim_.emit(TraceEvent("stream.refused").node(host_).add("to", to).add("reason", "host_down"));
    return std::nullopt;
  }
  const std::optional<ConnId> conn = world_->network_.connect(host_, to);
  if (conn) {
    world_->at(host_).connections.insert(conn->value);
  }
  return conn;
}

bool HostContext::stream_send(ConnId conn, PayloadPtr payload, uint32_t bytes) {
  return world_->network_.stream_send(conn, host_, std::move(payload), bytes);
}

void HostContext::close(ConnId conn) {
  // The closer is not told of its own close.
  world_->at(host_).connections.erase(conn.value);
  world_->network_.close(conn, host_);
}

void HostContext::reset(ConnId conn) { world_->network_.reset(conn, host_); }

Disk& HostContext::disk() { return *world_->at(host_).disk; }

SyncId HostContext::sync() {
  World* world = world_;
  const HostId host = host_;
  const uint64_t incarnation = world->at(host).incarnation;
  return disk().sync([world, host, incarnation](SyncId id) {
    world->dispatch(host, [world, host, incarnation, id] {
      World::Host& target = world->at(host);
      if (target.incarnation == incarnation) {
        target.process->on_sync_complete(id);
      }
    });
  });
}

void HostContext::trace(TraceEvent&& event) {
  event.node(host_);
  world_->sim_.emit(std::move(event));
}

Rng HostContext::rng() const {
  return world_->sim_.rng("host", host_.index).fork("incarnation", world_->at(host_).incarnation);
}

// ---------------------------------------------------------------------------------------------
// World

World::World(Simulator& sim, const WorldConfig& config, ProcessFactory factory)
    : sim_(sim), factory_(std::move(factory)), hosts_(config.hosts), network_(sim, config.hosts, config.link, *this) {
  CONSIM_ASSERT(factory_ != nullptr);
  for (uint32_t i = 0; i < config.hosts; ++i) {
    hosts_[i].disk = std::make_unique<Disk>(sim, HostId{i}, config.disk);
  }
}

World::~World() = default;

void World::start_all() {
  for (uint32_t i = 0; i < hosts(); ++i) {
    if (hosts_[i].state == HostState::kNotStarted) {
      start(HostId{i}, DiskImage{});
    }
  }
}

void World::start(HostId host, const DiskImage& recovered) {
  Host& target = at(host);
  target.state = HostState::kUp;
  ++target.incarnation;
  target.process = factory_(HostContext(*this, host), recovered);
  CONSIM_ASSERT(target.process != nullptr);
  dispatch(host, [this, host] { at(host).process->on_start(); });
}

bool World::inject(HostId host, const std::function<void(Process&)>& input) {
  const HostState state = at(host).state;
  if (state == HostState::kCrashed || state == HostState::kNotStarted) {
    return false;
  }
  const uint64_t incarnation = at(host).incarnation;
  dispatch(host, [this, host, incarnation, input] {
    Host& target = at(host);
    if (target.incarnation == incarnation) {
      input(*target.process);
    }
  });
  return true;
}

void World::crash(HostId host) {
  Host& target = at(host);
  if (target.state == HostState::kCrashed || target.state == HostState::kNotStarted) {
    sim_.emit(TraceEvent("host.crash").node(host).add("ignored", true));
    return;
  }
  sim_.emit(TraceEvent("host.crash")
                .node(host)
                .add("incarnation", target.incarnation)
                .add("timers", static_cast<uint64_t>(target.timers.size()))
                .add("deferred", static_cast<uint64_t>(target.deferred.size())));
  target.state = HostState::kCrashed;
  for (auto& [id, timer] : target.timers) {
    sim_.cancel(timer.event);
  }
  target.timers.clear();
  target.deferred.clear();
  target.connections.clear();
  sim_.cancel(target.resume_event);
  graveyard_.push_back(std::move(target.process));
  if (dispatch_depth_ == 0) {
    graveyard_.clear();
  }
  target.disk->crash();
  network_.host_down(host);
}

void World::restart(HostId host) {
  Host& target = at(host);
  if (target.state != HostState::kCrashed) {
    sim_.emit(TraceEvent("host.restart").node(host).add("ignored", true));
    return;
  }
  sim_.emit(TraceEvent("host.restart").node(host).add("incarnation", target.incarnation + 1));
  start(host, target.disk->durable());
}

void World::pause(HostId host, Duration length) {
  CONSIM_ASSERT(length >= Duration::zero());
  Host& target = at(host);
  if (target.state != HostState::kUp && target.state != HostState::kPaused) {
    sim_.emit(TraceEvent("host.pause").node(host).add("ignored", true));
    return;
  }
  const SimTime until = sim_.now() + length;
  if (target.state == HostState::kPaused && until <= target.paused_until) {
    return;
  }
  sim_.emit(TraceEvent("host.pause").node(host).add("for_ns", length.ns));
  target.state = HostState::kPaused;
  target.paused_until = until;
  sim_.cancel(target.resume_event);
  target.resume_event = sim_.schedule_at(until, [this, host] { resume(host); });
}

void World::resume(HostId host) {
  Host& target = at(host);
  CONSIM_ASSERT(target.state == HostState::kPaused);
  target.state = HostState::kUp;
  std::vector<std::function<void()>> waiting = std::move(target.deferred);
  target.deferred.clear();
  sim_.emit(TraceEvent("host.resume").node(host).add("deferred", static_cast<uint64_t>(waiting.size())));
  for (auto& handler : waiting) {
    // A handler may crash the host; what is still waiting then is lost with it.
    if (target.state != HostState::kUp) {
      break;
    }
    dispatch(host, handler);
  }
}

void World::clock_step(HostId host, Duration delta) {
  Host& target = at(host);
  target.clock.step(sim_.now(), delta);
  sim_.emit(TraceEvent("clock.step")
                .node(host)
                .add("delta_ns", delta.ns)
                .add("local_ns", target.clock.local_at(sim_.now()).ns));
  reschedule_timers(host);
}

void World::set_clock_drift_ppb(HostId host, int64_t drift_ppb) {
  Host& target = at(host);
  target.clock.set_drift_ppb(sim_.now(), drift_ppb);
  sim_.emit(TraceEvent("clock.drift").node(host).add("drift_ppb", drift_ppb));
  reschedule_timers(host);
}

World::TimerIt World::find_timer(Host& target, uint64_t timer_id) {
  auto it = std::lower_bound(target.timers.begin(), target.timers.end(), timer_id,
                             [](const std::pair<uint64_t, Timer>& entry, uint64_t id) { return entry.first < id; });
  return it != target.timers.end() && it->first == timer_id ? it : target.timers.end();
}

void World::schedule_timer(HostId host, Host& target, Timer& timer, uint64_t timer_id) {
  const SimTime when = target.clock.global_when(timer.deadline, sim_.now());
  timer.event = sim_.schedule_at(when, [this, host, timer_id] { fire_timer(host, timer_id); });
}

void World::reschedule_timers(HostId host) {
  Host& target = at(host);
  for (auto& [id, timer] : target.timers) {
    if (!timer.fired) {
      sim_.cancel(timer.event);
      schedule_timer(host, target, timer, id);
    }
  }
}

void World::fire_timer(HostId host, uint64_t timer_id) {
  Host& target = at(host);
  auto it = find_timer(target, timer_id);
  CONSIM_ASSERT(it != target.timers.end());
  it->second.fired = true;
  const uint64_t incarnation = target.incarnation;
  dispatch(host, [this, host, timer_id, incarnation] {
    Host& owner = at(host);
    auto found = find_timer(owner, timer_id);
    if (owner.incarnation != incarnation || found == owner.timers.end()) {
      return;  // cancelled while the host was paused
    }
    const uint64_t tag = found->second.tag;
    owner.timers.erase(found);
    sim_.record("timer.fire", [&](auto& record) { record.node(host).add("timer", timer_id).add("tag", tag); });
    owner.process->on_timer(TimerId{timer_id}, tag);
  });
}

// ---------------------------------------------------------------------------------------------
// NetworkSink

void World::deliver(const Packet& packet) {
  const HostState target = state(packet.to);
  if (target == HostState::kCrashed || target == HostState::kNotStarted) {
    sim_.record("net.drop", [&](auto& record) {
      record.node(packet.from)
          .add("to", packet.to)
          .add("id", packet.id)
          .add("msg", packet.payload->kind())
          .add("reason", "host_down");
    });
    return;
  }
  auto handle = [this](const Packet& arrived) {
    sim_.record("net.deliver", [&](auto& record) {
      record.node(arrived.to).add("from", arrived.from).add("id", arrived.id).add("msg", arrived.payload->kind());
    });
    at(arrived.to).process->on_message(arrived);
  };
  if (target == HostState::kUp) {
    dispatch(packet.to, [&handle, &packet] { handle(packet); });  // runs now: no copy of the packet
  } else {
    dispatch(packet.to, [handle, packet] { handle(packet); });  // waits for the pause to end
  }
}

void World::stream_opened(HostId at_host, HostId peer, ConnId conn) {
  // The network only reports a SYN that arrived on an open connection. No re-check here: on a
  // paused host the data and the close that followed the SYN wait behind it, so skipping the
  // open when the connection closed meanwhile would hand the process data on an unknown stream.
  dispatch(at_host, [this, at_host, peer, conn] {
    Host& host = at(at_host);
    host.connections.insert(conn.value);
    host.process->on_stream_opened(peer, conn);
  });
}

void World::stream_closed(HostId at_host, HostId peer, ConnId conn, std::string_view reason) {
  dispatch(at_host, [this, at_host, peer, conn, why = std::string(reason)] {
    Host& host = at(at_host);
    if (host.connections.erase(conn.value) == 0) {
      return;  // a connection of a crashed predecessor, or one this process closed itself
    }
    host.process->on_stream_closed(peer, conn, why);
  });
}

}  // namespace consim::sim
