#include "protocols/raft/types.h"

#include "base/assert.h"

namespace consim::protocols::raft {
namespace {

// A 64-bit mixer (splitmix64's finalizer): cheap, and good enough to tell logs apart.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t combine(uint64_t seed, uint64_t value) { return mix(seed ^ (value + 0x9e3779b97f4a7c15ULL)); }

std::string join(const std::vector<NodeId>& nodes) {
  std::string text;
  for (const NodeId node : nodes) {
    if (!text.empty()) {
      text += ',';
    }
    text += node.name();
  }
  return text;
}

void insert_sorted(std::vector<NodeId>& nodes, NodeId node) {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), node);
  if (it == nodes.end() || *it != node) {
    nodes.insert(it, node);
  }
}

void erase_sorted(std::vector<NodeId>& nodes, NodeId node) {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), node);
  if (it != nodes.end() && *it == node) {
    nodes.erase(it);
  }
}

}  // namespace

std::vector<NodeId> ClusterConfig::members() const {
  std::vector<NodeId> all = voters;
  for (const NodeId node : voters_outgoing) {
    insert_sorted(all, node);
  }
  for (const NodeId node : learners) {
    if (!std::binary_search(all.begin(), all.end(), node)) {
      all.push_back(node);
    }
  }
  return all;
}

uint64_t ClusterConfig::digest() const {
  uint64_t hash = 0x436f6e666967ULL;
  for (const auto* group : {&voters, &voters_outgoing, &learners}) {
    hash = combine(hash, group->size());
    for (const NodeId node : *group) {
      hash = combine(hash, node.value);
    }
  }
  return hash;
}

std::string ClusterConfig::describe() const {
  return "voters=" + join(voters) + " outgoing=" + join(voters_outgoing) + " learners=" + join(learners);
}

std::string ConfChange::describe() const {
  switch (kind) {
    case Kind::kAddVoter:
      return "add_voter " + node.name();
    case Kind::kRemoveVoter:
      return "remove_voter " + node.name();
    case Kind::kAddLearner:
      return "add_learner " + node.name();
    case Kind::kEnterJoint:
      return "enter_joint voters=" + join(voters) + " learners=" + join(learners);
    case Kind::kLeaveJoint:
      return "leave_joint";
  }
  return "unknown";
}

ConfChangeResult apply_conf_change(const ClusterConfig& config, const ConfChange& change) {
  ConfChangeResult result{config, {}};
  ClusterConfig& next = result.config;
  switch (change.kind) {
    case ConfChange::Kind::kAddVoter:
    case ConfChange::Kind::kRemoveVoter:
    case ConfChange::Kind::kAddLearner:
      if (config.joint()) {
        result.error = "single-server change while the configuration is joint";
        return result;
      }
      if (!change.node.valid()) {
        result.error = "no node named";
        return result;
      }
      erase_sorted(next.voters, change.node);
      erase_sorted(next.learners, change.node);
      if (change.kind == ConfChange::Kind::kAddVoter) {
        insert_sorted(next.voters, change.node);
      } else if (change.kind == ConfChange::Kind::kAddLearner) {
        insert_sorted(next.learners, change.node);
      }
      if (next.voters.empty()) {
        result.error = "the configuration would have no voter";
      }
      return result;
    case ConfChange::Kind::kEnterJoint:
      if (config.joint()) {
        result.error = "already joint";
        return result;
      }
      if (change.voters.empty()) {
        result.error = "the incoming configuration has no voter";
        return result;
      }
      next.voters_outgoing = config.voters;
      next.voters = change.voters;
      std::sort(next.voters.begin(), next.voters.end());
      next.voters.erase(std::unique(next.voters.begin(), next.voters.end()), next.voters.end());
      next.learners.clear();
      for (const NodeId node : change.learners) {
        if (!std::binary_search(next.voters.begin(), next.voters.end(), node)) {
          insert_sorted(next.learners, node);
        }
      }
      return result;
    case ConfChange::Kind::kLeaveJoint:
      if (!config.joint()) {
        result.error = "not joint";
        return result;
      }
      next.voters_outgoing.clear();
      return result;
  }
  result.error = "unknown change";
  return result;
}

uint64_t ConfChangeRecord::digest() const {
  uint64_t hash = combine(0x4368616e6765ULL, static_cast<uint64_t>(change_.kind));
  hash = combine(hash, change_.node.value);
  for (const auto* group : {&change_.voters, &change_.learners}) {
    hash = combine(hash, group->size());
    for (const NodeId node : *group) {
      hash = combine(hash, node.value);
    }
  }
  return hash;
}

uint32_t Entry::bytes() const {
  // term, index, type, request, origin: a fixed header, as a wire format would have.
  constexpr uint32_t kHeaderBytes = 32;
  return kHeaderBytes + (command != nullptr ? command->bytes() : 0);
}

const ConfChange* Entry::conf_change() const {
  if (type != EntryType::kConfChange) {
    return nullptr;
  }
  const auto* record = dynamic_cast<const ConfChangeRecord*>(command.get());
  CONSIM_ASSERT(record != nullptr);
  return &record->change();
}

uint64_t chain_hash(uint64_t previous, const Entry& entry) {
  uint64_t hash = combine(previous, entry.term.value);
  hash = combine(hash, entry.index.value);
  hash = combine(hash, static_cast<uint64_t>(entry.type));
  return combine(hash, entry.command != nullptr ? entry.command->digest() : 0);
}

std::string_view entry_type_name(EntryType type) {
  switch (type) {
    case EntryType::kNormal:
      return "normal";
    case EntryType::kNoop:
      return "noop";
    case EntryType::kConfChange:
      return "conf_change";
    case EntryType::kRead:
      return "read";
  }
  return "unknown";
}

}  // namespace consim::protocols::raft
