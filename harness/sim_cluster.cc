#include "harness/sim_cluster.h"

#include <typeinfo>
#include <utility>

#include "base/assert.h"
#include "harness/command_log.h"

namespace consim::harness {

using protocols::NodeId;

SimCluster::SimCluster(const Setup& setup) : setup_(setup), nodes_(setup.nodes) {
  CONSIM_ASSERT(nodes_ >= 1);
  sim_ = std::make_unique<sim::Simulator>(setup_.seed);
  for (uint32_t i = 1; i <= nodes_; ++i) {
    connected_.insert(NodeId{i});
  }
}

SimCluster::~SimCluster() = default;

void SimCluster::start(const NodeFactory& make_node, const ApplicationFactory& make_application,
                       const std::vector<std::string>& kinds, std::function<void(const sim::TraceRecord&)> observe) {
  sim_->trace().subscribe(
      [this, observe = std::move(observe)](const sim::TraceRecord& record) {
        const bool was_ok = invariants_ok();
        observe(record);
        if (was_ok && !invariants_ok()) {
          violation_event_ = sim_->events_processed();
        }
      },
      kinds);
  NodeHostHooks hooks;
  hooks.crash = [this](sim::HostId host) { world_->crash(host); };
  hooks.crash_point = [this](NodeId node, std::string_view step) { return crash_point_ && crash_point_(node, step); };
  hooks.crash_point_armed = &crash_point_armed_;
  const NodeHostOptions host_options = setup_.host;
  sim::WorldConfig world_config;
  world_config.hosts = nodes_;
  world_config.link = setup_.link;
  world_config.disk = setup_.disk;
  world_ = std::make_unique<sim::World>(
      *sim_, world_config,
      [make_node, make_application, hooks, host_options](sim::HostContext context, const sim::DiskImage& recovered) {
        return std::make_unique<NodeHost>(context, recovered, make_node, make_application, hooks, host_options);
      });
  world_->start_all();
}

std::vector<NodeId> SimCluster::nodes() const {
  std::vector<NodeId> all;
  for (uint32_t i = 1; i <= nodes_; ++i) {
    all.push_back(NodeId{i});
  }
  return all;
}

// NodeHost is final: comparing dynamic types is exact and cheaper than dynamic_cast (the load
// generators ask for the leader on every proposal).
NodeHost* SimCluster::host(NodeId node) const {
  sim::Process* process = world_->process(host_of(node));
  if (process == nullptr) {
    return nullptr;
  }
  const sim::Process& found = *process;
  return typeid(found) == typeid(NodeHost) ? static_cast<NodeHost*>(process) : nullptr;
}

bool SimCluster::up(NodeId node) const { return world_->state(host_of(node)) == sim::HostState::kUp; }

std::string SimCluster::violation_report() const {
  if (invariants_ok()) {
    return {};
  }
  return "seed=" + std::to_string(setup_.seed) + " event=" + std::to_string(violation_event_) + ": " +
         describe_violation();
}

bool SimCluster::run_until(const std::function<bool()>& done, Duration timeout) {
  const SimTime deadline = sim_->now() + timeout;
  while (!done()) {
    if (!invariants_ok()) {
      return false;
    }
    if (sim_->next_event_time() > deadline) {
      sim_->run_until(deadline);
      return done();
    }
    sim_->step();
  }
  return true;
}

void SimCluster::run_for(Duration duration) {
  run_until([] { return false; }, duration);
}

bool SimCluster::propose(NodeId at, uint64_t value) {
  protocols::ClientRequest request;
  request.id = take_request_id();
  request.kind = protocols::ClientRequest::Kind::kWrite;
  request.command = std::make_shared<NumberCommand>(value);
  return world_->inject(host_of(at),
                        [request](sim::Process& process) { static_cast<NodeHost&>(process).submit(request); });
}

bool SimCluster::read(NodeId at, protocols::ReadMode mode) {
  protocols::ClientRequest request;
  request.id = take_request_id();
  request.kind = protocols::ClientRequest::Kind::kRead;
  request.read_mode = mode;
  return world_->inject(host_of(at),
                        [request](sim::Process& process) { static_cast<NodeHost&>(process).submit(request); });
}

void SimCluster::disconnect(NodeId node) {
  connected_.erase(node);
  for (const NodeId other : nodes()) {
    if (other != node) {
      world_->network().set_blocked(host_of(node), host_of(other), true);
      world_->network().set_blocked(host_of(other), host_of(node), true);
    }
  }
  sim_->emit(sim::TraceEvent("fault.disconnect").node(host_of(node)));
}

void SimCluster::connect(NodeId node) {
  connected_.insert(node);
  for (const NodeId other : connected_) {
    world_->network().set_blocked(host_of(node), host_of(other), false);
    world_->network().set_blocked(host_of(other), host_of(node), false);
  }
  sim_->emit(sim::TraceEvent("fault.connect").node(host_of(node)));
}

void SimCluster::crash(NodeId node) { world_->crash(host_of(node)); }

void SimCluster::restart(NodeId node) { world_->restart(host_of(node)); }

void SimCluster::set_crash_point(std::function<bool(NodeId, std::string_view)> decide) {
  crash_point_ = std::move(decide);
  crash_point_armed_ = crash_point_ != nullptr;
}

}  // namespace consim::harness
