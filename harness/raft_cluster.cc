#include "harness/raft_cluster.h"

#include <algorithm>
#include <typeinfo>

#include "base/assert.h"

namespace consim::harness {

using protocols::LogIndex;
using protocols::NodeId;
using protocols::raft::RaftNode;

RaftCluster::RaftCluster(const RaftClusterOptions& options)
    : SimCluster(Setup{options.nodes, options.seed, options.link, options.disk, options.host}), options_(options) {
  CONSIM_ASSERT(options_.nodes <= 64);  // the apply checker keeps a bit per node
  const uint32_t voters = options_.initial_voters.value_or(options_.nodes);
  CONSIM_ASSERT(voters >= 1);
  CONSIM_ASSERT(voters <= options_.nodes);
  protocols::raft::ClusterConfig bootstrap;
  for (uint32_t i = 1; i <= voters; ++i) {
    bootstrap.voters.push_back(NodeId{i});
  }
  protocols::raft::RaftConfig raft = options_.raft;
  raft.bootstrap = bootstrap;
  NodeFactory make_node = [raft](NodeId id, const protocols::Recovered& disk, protocols::RandomSource& random) {
    protocols::raft::RaftConfig config = raft;
    config.id = id;
    return std::make_unique<RaftNode>(config, disk, random);
  };
  ApplicationFactory make_application = [this](NodeId id) {
    return std::make_unique<CommandLog>(
        id, [this](NodeId node, LogIndex index, std::optional<uint64_t> value) { on_applied(node, index, value); });
  };
  start(make_node, make_application, checkers::RaftInvariants::kinds(),
        [this](const sim::TraceRecord& record) { invariants_.observe(record); });
}

RaftCluster::~RaftCluster() = default;

const RaftNode* RaftCluster::raft(NodeId node) const {
  const NodeHost* found = host(node);
  if (found == nullptr) {
    return nullptr;
  }
  const protocols::Node& node_state = found->node();
  return typeid(node_state) == typeid(RaftNode) ? static_cast<const RaftNode*>(&node_state) : nullptr;
}

std::vector<NodeId> RaftCluster::connected_leaders() const {
  std::vector<NodeId> leaders;
  for (uint32_t i = 1; i <= options_.nodes; ++i) {
    const NodeId node{i};
    const RaftNode* state = raft(node);
    if (state != nullptr && connected(node) && state->role() == protocols::raft::Role::kLeader) {
      leaders.push_back(node);
    }
  }
  return leaders;
}

std::optional<NodeId> RaftCluster::one_leader() const {
  // Load generators ask on every proposal: no containers. Two leaders of one term make the answer
  // "none"; otherwise the leader of the highest term.
  std::optional<NodeId> newest;
  uint64_t newest_term = 0;
  for (uint32_t i = 1; i <= options_.nodes; ++i) {
    const NodeId node{i};
    const RaftNode* state = raft(node);
    if (state == nullptr || !connected(node) || state->role() != protocols::raft::Role::kLeader) {
      continue;
    }
    for (uint32_t j = 1; j < i; ++j) {
      const RaftNode* other = raft(NodeId{j});
      if (other != nullptr && connected(NodeId{j}) && other->role() == protocols::raft::Role::kLeader &&
          other->term() == state->term()) {
        return std::nullopt;
      }
    }
    if (!newest.has_value() || state->term().value > newest_term) {
      newest = node;
      newest_term = state->term().value;
    }
  }
  return newest;
}

bool RaftCluster::with_raft(NodeId at, const std::function<void(RaftNode&)>& input) {
  return world().inject(host_of(at), [input](sim::Process& process) {
    static_cast<NodeHost&>(process).with_node(
        [&input](protocols::Node& node) { input(dynamic_cast<RaftNode&>(node)); });
  });
}

bool RaftCluster::propose_conf_change(NodeId at, const protocols::raft::ConfChange& change) {
  const protocols::RequestId id = take_request_id();
  return with_raft(at, [id, change](RaftNode& node) { node.propose_conf_change(id, change); });
}

bool RaftCluster::campaign(NodeId at) {
  return with_raft(at, [](RaftNode& node) { node.campaign(); });
}

bool RaftCluster::transfer_leadership(NodeId at, NodeId transferee) {
  return with_raft(at, [transferee](RaftNode& node) { node.transfer_leadership(transferee); });
}

std::optional<LogIndex> RaftCluster::one(uint64_t value, uint32_t expected, Duration timeout) {
  const SimTime deadline = sim().now() + timeout;
  const auto index_of_value = [this, value]() -> std::optional<uint64_t> {
    for (uint64_t index = applied_.size(); index-- > 0;) {
      if (applied_[index].seen && applied_[index].value == value) {
        return index;
      }
    }
    return std::nullopt;
  };
  while (sim().now() < deadline && invariants_.ok()) {
    const std::optional<NodeId> leader = one_leader();
    if (leader.has_value()) {
      propose(*leader, value);
      // MIT waits up to 2 s for the command to be applied widely.
      const bool applied = run_until(
          [&] {
            const std::optional<uint64_t> index = index_of_value();
            return index.has_value() && applied_count(LogIndex{*index}) >= expected;
          },
          std::min(Duration::seconds(2), deadline - sim().now()));
      if (applied) {
        return LogIndex{*index_of_value()};
      }
    } else {
      run_for(Duration::millis(50));
    }
  }
  return std::nullopt;
}

void RaftCluster::on_applied(NodeId node, LogIndex index, std::optional<uint64_t> value) {
  if (applied_.size() <= index.value) {
    applied_.resize(std::max<size_t>(index.value + 1, applied_.size() * 2));
  }
  Applied& slot = applied_[index.value];
  if (!slot.seen) {
    slot.seen = true;
    slot.value = value;
  } else if (slot.value != value && apply_error_.empty()) {
    apply_error_ = "index " + std::to_string(index.value) + ": " + node.name() + " applied " +
                   (value ? std::to_string(*value) : "a protocol entry") + ", another node applied " +
                   (slot.value ? std::to_string(*slot.value) : "a protocol entry");
  }
  slot.nodes |= uint64_t{1} << (node.value - 1);
  max_applied_ = std::max(max_applied_, index);
}

uint32_t RaftCluster::applied_count(LogIndex index) const {
  return index.value < applied_.size() ? static_cast<uint32_t>(__builtin_popcountll(applied_[index.value].nodes)) : 0;
}

std::optional<uint64_t> RaftCluster::applied_value(LogIndex index) const {
  return index.value < applied_.size() ? applied_[index.value].value : std::nullopt;
}

LogIndex RaftCluster::max_applied_index() const { return max_applied_; }

}  // namespace consim::harness
