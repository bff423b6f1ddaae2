#include "harness/protocol_binding.h"

#include <cmath>

#include "base/assert.h"
#include "checkers/invariants/raft_invariants.h"
#include "checkers/invariants/zab_invariants.h"
#include "harness/scenario_params.h"
#include "protocols/raft/raft_node.h"
#include "protocols/zab/zab_node.h"

namespace consim::harness {
namespace {

// Both checkers share one surface (observe, finish, ok, violation, records_observed).
template <typename Checker>
class InvariantsOf final : public InvariantChecker {
 public:
  void observe(const sim::TraceRecord& record) override { checker_.observe(record); }
  void finish() override { checker_.finish(); }
  bool ok() const override { return checker_.ok(); }
  std::string violation() const override {
    return checker_.violation().has_value() ? checker_.violation()->describe() : std::string();
  }
  uint64_t records_observed() const override { return checker_.records_observed(); }

 private:
  Checker checker_;
};

// --- Raft

protocols::raft::RaftConfig raft_config(const Scenario& scenario) {
  protocols::raft::RaftConfig config;
  const uint32_t voters = scenario.raft.voters == 0 ? scenario.nodes : scenario.raft.voters;
  for (uint32_t i = 1; i <= voters; ++i) {
    config.bootstrap.voters.push_back(protocols::NodeId{i});
  }
  config.election_ticks = scenario.raft.election_ticks;
  config.heartbeat_ticks = scenario.raft.heartbeat_ticks;
  config.pre_vote = scenario.raft.pre_vote;
  config.check_quorum = scenario.raft.check_quorum;
  config.max_clock_drift_ppm = static_cast<int64_t>(std::llround(scenario.raft.max_clock_drift_ppm));
  config.forward_proposals = scenario.raft.forward_proposals;
  config.max_entries_per_message = scenario.raft.max_entries_per_message;
  for (const std::string& bug : scenario.bugs) {
    const bool known = protocols::raft::enable_bug(config.bugs, bug);
    CONSIM_ASSERT(known);  // the loader checked the names
  }
  return config;
}

class RaftBinding final : public ProtocolBinding {
 public:
  explicit RaftBinding(const Scenario& scenario) : spec_(scenario.raft), config_(raft_config(scenario)) {}

  std::string_view name() const override { return "raft"; }

  NodeFactory node_factory() const override {
    return [raft = config_](protocols::NodeId id, const protocols::Recovered& disk, protocols::RandomSource& random) {
      protocols::raft::RaftConfig config = raft;
      config.id = id;
      return std::make_unique<protocols::raft::RaftNode>(config, disk, random);
    };
  }

  NodeHostOptions host_options() const override {
    NodeHostOptions options;
    options.tick_interval = scenario_ms(spec_.tick_ms);
    options.snapshot_every_entries = spec_.snapshot_every_entries;
    return options;
  }

  ClientReads client_reads() const override {
    ClientReads reads;
    if (spec_.read_mode == "log") {
      reads.read_mode = protocols::ReadMode::kLog;
    } else if (spec_.read_mode == "lease") {
      reads.read_mode = protocols::ReadMode::kLease;
    } else if (spec_.read_mode == "follower") {
      reads.read_mode = protocols::ReadMode::kLocal;
    } else {
      CONSIM_ASSERT(spec_.read_mode == "read_index");
      reads.read_mode = protocols::ReadMode::kReadIndex;
    }
    reads.any_server = spec_.read_mode == "follower";
    return reads;
  }

  std::optional<uint64_t> leading_term(const protocols::Node& node) const override {
    const protocols::NodeStatus status = node.status();
    return status.role == "leader" ? std::optional<uint64_t>(status.term) : std::nullopt;
  }

  std::unique_ptr<InvariantChecker> make_invariants() const override {
    return std::make_unique<InvariantsOf<checkers::RaftInvariants>>();
  }
  std::vector<std::string> invariant_kinds() const override { return checkers::RaftInvariants::kinds(); }

  void change_membership(protocols::Node& leader, protocols::RequestId id, MembershipFault::Change change,
                         protocols::NodeId target) const override {
    protocols::raft::ConfChange conf;
    conf.node = target;
    switch (change) {
      case MembershipFault::Change::kAdd:
        conf.kind = protocols::raft::ConfChange::Kind::kAddVoter;
        break;
      case MembershipFault::Change::kRemove:
        conf.kind = protocols::raft::ConfChange::Kind::kRemoveVoter;
        break;
      case MembershipFault::Change::kAddLearner:
        conf.kind = protocols::raft::ConfChange::Kind::kAddLearner;
        break;
    }
    static_cast<protocols::raft::RaftNode&>(leader).propose_conf_change(id, conf);
  }

 private:
  RaftSpec spec_;
  protocols::raft::RaftConfig config_;
};

// --- ZAB

class ZabBinding final : public ProtocolBinding {
 public:
  explicit ZabBinding(const Scenario& scenario)
      : spec_(scenario.zab), config_(zab_config(scenario.zab, scenario.nodes, scenario.bugs)) {}

  std::string_view name() const override { return "zab"; }

  NodeFactory node_factory() const override {
    return [zab = config_](protocols::NodeId id, const protocols::Recovered& disk, protocols::RandomSource& random) {
      protocols::zab::ZabConfig config = zab;
      config.id = id;
      const std::string problem = config.validate();
      CONSIM_ASSERT_MSG(problem.empty(), problem.c_str());  // the loader checked it
      return std::make_unique<protocols::zab::ZabNode>(config, disk, random);
    };
  }

  NodeHostOptions host_options() const override {
    NodeHostOptions options;
    options.tick_interval = scenario_ms(spec_.tick_ms);
    options.snapshot_every_entries = spec_.snapshot_every_entries;
    return options;
  }

  // ZooKeeper's reads: served by whichever server the client is connected to, from its own
  // state ("local"), or after a sync that flushes the leader's pipeline to it ("sync").
  ClientReads client_reads() const override {
    CONSIM_ASSERT(spec_.read_mode == "local" || spec_.read_mode == "sync");
    ClientReads reads;
    reads.read_mode = spec_.read_mode == "local" ? protocols::ReadMode::kLocal : protocols::ReadMode::kSync;
    reads.any_server = false;
    reads.follow_leader_hints = false;
    return reads;
  }

  // Elected is not enough: a ZAB leader takes writes only once a quorum has synchronized with it.
  std::optional<uint64_t> leading_term(const protocols::Node& node) const override {
    const auto& zab = static_cast<const protocols::zab::ZabNode&>(node);
    if (zab.state() != protocols::zab::PeerState::kLeading || zab.phase() != protocols::zab::Phase::kBroadcast) {
      return std::nullopt;
    }
    return zab.current_epoch();
  }

  std::unique_ptr<InvariantChecker> make_invariants() const override {
    return std::make_unique<InvariantsOf<checkers::ZabInvariants>>();
  }
  std::vector<std::string> invariant_kinds() const override { return {"zab.", "host."}; }

  void change_membership(protocols::Node&, protocols::RequestId, MembershipFault::Change,
                         protocols::NodeId) const override {
    CONSIM_ASSERT_MSG(false, "ZAB has no membership changes (the loader refuses the fault)");
  }

 private:
  ZabSpec spec_;
  protocols::zab::ZabConfig config_;
};

}  // namespace

protocols::zab::ZabConfig zab_config(const ZabSpec& spec, uint32_t nodes, const std::vector<std::string>& bugs) {
  CONSIM_ASSERT(spec.observers < nodes);
  protocols::zab::ZabConfig config;
  const uint32_t voters = nodes - spec.observers;
  for (uint32_t i = 1; i <= nodes; ++i) {
    (i <= voters ? config.voters : config.observers).push_back(protocols::NodeId{i});
  }
  config.ping_ticks = spec.ping_ticks;
  config.sync_limit_ticks = spec.sync_limit_ticks;
  config.init_limit_ticks = spec.init_limit_ticks;
  config.finalize_wait_ticks = spec.finalize_wait_ticks;
  config.notification_min_ticks = spec.notification_min_ticks;
  config.notification_max_ticks = spec.notification_max_ticks;
  config.commit_log_count = spec.commit_log_count;
  config.counter_bits = spec.counter_bits;
  for (const std::string& bug : bugs) {
    const bool known = protocols::zab::enable_bug(config.bugs, bug);
    CONSIM_ASSERT(known);  // the loader checked the names
  }
  return config;
}

std::unique_ptr<ProtocolBinding> make_protocol_binding(const Scenario& scenario) {
  if (scenario.protocol == "zab") {
    return std::make_unique<ZabBinding>(scenario);
  }
  CONSIM_ASSERT(scenario.protocol == "raft");
  return std::make_unique<RaftBinding>(scenario);
}

}  // namespace consim::harness
