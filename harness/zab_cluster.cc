#include "harness/zab_cluster.h"

#include <typeinfo>

#include "base/assert.h"

namespace consim::harness {

using protocols::LogIndex;
using protocols::NodeId;
using protocols::zab::ZabNode;

ZabCluster::ZabCluster(const ZabClusterOptions& options)
    : SimCluster(Setup{options.nodes, options.seed, options.link, options.disk, options.host}), options_(options) {
  CONSIM_ASSERT(options_.observers < options_.nodes);
  protocols::zab::ZabConfig zab = options_.zab;
  zab.voters.clear();
  zab.observers.clear();
  for (uint32_t i = 1; i <= options_.nodes; ++i) {
    (i + options_.observers <= options_.nodes ? zab.voters : zab.observers).push_back(NodeId{i});
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
  start(make_node, make_application, {"zab.", "host."},
        [this](const sim::TraceRecord& record) { invariants_.observe(record); });
}

ZabCluster::~ZabCluster() = default;

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

std::optional<uint64_t> ZabCluster::one(uint64_t value, uint32_t expected, Duration timeout) {
  const SimTime deadline = sim().now() + timeout;
  const auto zxid_of_value = [this, value]() -> std::optional<uint64_t> {
    for (auto it = applied_.rbegin(); it != applied_.rend(); ++it) {
      if (it->second.value == value) {
        return it->first;
      }
    }
    return std::nullopt;
  };
  while (sim().now() < deadline && invariants_ok()) {
    const std::optional<NodeId> current = leader();
    if (current.has_value()) {
      propose(*current, value);
      const bool applied = run_until(
          [&] {
            const std::optional<uint64_t> zxid = zxid_of_value();
            return zxid.has_value() && applied_count(*zxid) >= expected;
          },
          std::min(Duration::seconds(2), deadline - sim().now()));
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

}  // namespace consim::harness
