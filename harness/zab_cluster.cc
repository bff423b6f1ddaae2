#include "harness/zab_cluster.h"

#include <typeinfo>

#include "base/assert.h"

namespace consim::harness {

using protocols::LogIndex;
using protocols::NodeId;
using protocols::zab::ZabNode;

ZabCluster::ZabCluster(const ZabClusterOptions& options) : options_(options) {
  CONSIM_ASSERT(options_.nodes >= 1);
  CONSIM_ASSERT(options_.observers < options_.nodes);
  sim_ = std::make_unique<sim::Simulator>(options_.seed);
  sim_->trace().subscribe(
      [this](const sim::TraceRecord& record) {
        const bool was_ok = invariants_.ok();
        invariants_.observe(record);
        if (was_ok && !invariants_.ok()) {
          violation_event_ = sim_->events_processed();
        }
      },
      {"zab.", "host."});
  protocols::zab::ZabConfig zab = options_.zab;
  zab.voters.clear();
  zab.observers.clear();
  for (uint32_t i = 1; i <= options_.nodes; ++i) {
    (i + options_.observers <= options_.nodes ? zab.voters : zab.observers).push_back(NodeId{i});
    connected_.insert(NodeId{i});
  }
  NodeFactory make_node = [zab](NodeId id, const protocols::Recovered& disk, protocols::RandomSource& random) {
    protocols::zab::ZabConfig config = zab;
    config.id = id;
    return std::make_unique<ZabNode>(config, disk, random);
  };
  ApplicationFactory make_application = [this](NodeId id) {
    return std::make_unique<CommandLog>(
        id, [this](NodeId node, LogIndex index, std::optional<uint64_t> value) { on_applied(node, index, value); },
        /*contiguous=*/false);
  };
  NodeHostHooks hooks;
  hooks.crash = [this](sim::HostId host) { world_->crash(host); };
  hooks.crash_point = [this](NodeId node, std::string_view step) { return crash_point_ && crash_point_(node, step); };
  hooks.crash_point_armed = &crash_point_armed_;
  const NodeHostOptions host_options = options_.host;
  sim::WorldConfig world_config;
  world_config.hosts = options_.nodes;
  world_config.link = options_.link;
  world_config.disk = options_.disk;
  world_ = std::make_unique<sim::World>(
      *sim_, world_config,
      [make_node, make_application, hooks, host_options](sim::HostContext context, const sim::DiskImage& recovered) {
        return std::make_unique<NodeHost>(context, recovered, make_node, make_application, hooks, host_options);
      });
  world_->start_all();
}

ZabCluster::~ZabCluster() = default;

NodeHost* ZabCluster::host(NodeId node) const {
  sim::Process* process = world_->process(host_of(node));
  if (process == nullptr) {
    return nullptr;
  }
  const sim::Process& found = *process;
  return typeid(found) == typeid(NodeHost) ? static_cast<NodeHost*>(process) : nullptr;
}

const ZabNode* ZabCluster::zab(NodeId node) const {
  const NodeHost* found = host(node);
  if (found == nullptr) {
    return nullptr;
  }
  const protocols::Node& state = found->node();
  return typeid(state) == typeid(ZabNode) ? static_cast<const ZabNode*>(&state) : nullptr;
}

const CommandLog* ZabCluster::application(NodeId node) const {
  const NodeHost* found = host(node);
  return found != nullptr ? dynamic_cast<const CommandLog*>(&found->application()) : nullptr;
}

bool ZabCluster::up(NodeId node) const { return world_->state(host_of(node)) == sim::HostState::kUp; }

std::optional<NodeId> ZabCluster::leader() const {
  std::optional<NodeId> best;
  uint64_t best_epoch = 0;
  for (uint32_t i = 1; i <= options_.nodes; ++i) {
    const NodeId node{i};
    const ZabNode* state = zab(node);
    if (state != nullptr && connected(node) && state->state() == protocols::zab::PeerState::kLeading &&
        state->serving() && (!best.has_value() || state->current_epoch() > best_epoch)) {
      best = node;
      best_epoch = state->current_epoch();
    }
  }
  return best;
}

std::vector<NodeId> ZabCluster::serving() const {
  std::vector<NodeId> nodes;
  for (uint32_t i = 1; i <= options_.nodes; ++i) {
    const ZabNode* state = zab(NodeId{i});
    if (state != nullptr && state->serving()) {
      nodes.push_back(NodeId{i});
    }
  }
  return nodes;
}

std::string ZabCluster::violation_report() const {
  if (invariants_.ok()) {
    return {};
  }
  return "seed=" + std::to_string(options_.seed) + " event=" + std::to_string(violation_event_) + ": " +
         invariants_.violation()->describe();
}

bool ZabCluster::run_until(const std::function<bool()>& done, Duration timeout) {
  const SimTime deadline = sim_->now() + timeout;
  while (!done()) {
    if (!invariants_.ok()) {
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

void ZabCluster::run_for(Duration duration) {
  run_until([] { return false; }, duration);
}

bool ZabCluster::propose(NodeId at, uint64_t value) {
  protocols::ClientRequest request;
  request.id = protocols::RequestId{next_request_++};
  request.kind = protocols::ClientRequest::Kind::kWrite;
  request.command = std::make_shared<NumberCommand>(value);
  return world_->inject(host_of(at),
                        [request](sim::Process& process) { static_cast<NodeHost&>(process).submit(request); });
}

bool ZabCluster::read(NodeId at, protocols::ReadMode mode) {
  protocols::ClientRequest request;
  request.id = protocols::RequestId{next_request_++};
  request.kind = protocols::ClientRequest::Kind::kRead;
  request.read_mode = mode;
  return world_->inject(host_of(at),
                        [request](sim::Process& process) { static_cast<NodeHost&>(process).submit(request); });
}

std::optional<uint64_t> ZabCluster::one(uint64_t value, uint32_t expected, Duration timeout) {
  const SimTime deadline = sim_->now() + timeout;
  const auto zxid_of_value = [this, value]() -> std::optional<uint64_t> {
    for (auto it = applied_.rbegin(); it != applied_.rend(); ++it) {
      if (it->second.value == value) {
        return it->first;
      }
    }
    return std::nullopt;
  };
  while (sim_->now() < deadline && invariants_.ok()) {
    const std::optional<NodeId> current = leader();
    if (current.has_value()) {
      propose(*current, value);
      const bool applied = run_until(
          [&] {
            const std::optional<uint64_t> zxid = zxid_of_value();
            return zxid.has_value() && applied_count(*zxid) >= expected;
          },
          std::min(Duration::seconds(2), deadline - sim_->now()));
      if (applied) {
        return zxid_of_value();
      }
    } else {
      run_for(Duration::millis(50));
    }
  }
  return std::nullopt;
}

void ZabCluster::on_applied(NodeId node, LogIndex index, std::optional<uint64_t> value) {
  Applied& slot = applied_[index.value];
  if (slot.nodes.empty() && !slot.value.has_value()) {
    slot.value = value;
  } else if (slot.value != value && apply_error_.empty()) {
    apply_error_ = "zxid " + std::to_string(index.value) + ": " + node.name() + " applied " +
                   (value ? std::to_string(*value) : "nothing") + ", another node applied " +
                   (slot.value ? std::to_string(*slot.value) : "nothing");
  }
  slot.nodes.insert(node.value);
}

uint32_t ZabCluster::applied_count(uint64_t zxid) const {
  auto it = applied_.find(zxid);
  return it == applied_.end() ? 0 : static_cast<uint32_t>(it->second.nodes.size());
}

std::optional<uint64_t> ZabCluster::applied_value(uint64_t zxid) const {
  auto it = applied_.find(zxid);
  return it == applied_.end() ? std::nullopt : it->second.value;
}

std::vector<std::pair<uint64_t, uint64_t>> ZabCluster::applied_by(NodeId node) const {
  const CommandLog* log = application(node);
  return log != nullptr ? log->values() : std::vector<std::pair<uint64_t, uint64_t>>{};
}

void ZabCluster::disconnect(NodeId node) {
  connected_.erase(node);
  for (uint32_t i = 1; i <= options_.nodes; ++i) {
    const NodeId other{i};
    if (other != node) {
      world_->network().set_blocked(host_of(node), host_of(other), true);
      world_->network().set_blocked(host_of(other), host_of(node), true);
    }
  }
  sim_->emit(sim::TraceEvent("fault.disconnect").node(host_of(node)));
}

void ZabCluster::connect(NodeId node) {
  connected_.insert(node);
  for (const NodeId other : connected_) {
    world_->network().set_blocked(host_of(node), host_of(other), false);
    world_->network().set_blocked(host_of(other), host_of(node), false);
  }
  sim_->emit(sim::TraceEvent("fault.connect").node(host_of(node)));
}

void ZabCluster::crash(NodeId node) { world_->crash(host_of(node)); }

void ZabCluster::restart(NodeId node) { world_->restart(host_of(node)); }

void ZabCluster::set_crash_point(std::function<bool(NodeId, std::string_view)> decide) {
  crash_point_ = std::move(decide);
  crash_point_armed_ = crash_point_ != nullptr;
}

}  // namespace consim::harness
