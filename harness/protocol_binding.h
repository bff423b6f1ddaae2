// What the runner needs from a consensus protocol, whichever service it runs: how to build a node
// and tick it, how clients read and whom they ask, which node is the serving leader, and the online
// checker of the protocol's invariants. One binding per protocol (raft, zab); the runner holds
// one and never names a protocol itself (the counterpart of service_binding.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/node_host.h"
#include "harness/scenario.h"
#include "protocols/common/effects.h"
#include "protocols/zab/config.h"
#include "sim/trace.h"

namespace consim::harness {

// An online invariant checker fed every trace record of the kinds it asks for, in order
// (checkers::RaftInvariants, checkers::ZabInvariants, behind one face).
class InvariantChecker {
 public:
  virtual ~InvariantChecker() = default;
  virtual void observe(const sim::TraceRecord& record) = 0;
  // The trace ended: judges what was still pending.
  virtual void finish() = 0;
  virtual bool ok() const = 0;
  // The first violation, described (invariant id first); empty while ok().
  virtual std::string violation() const = 0;
  virtual uint64_t records_observed() const = 0;
};

// How clients use the cluster.
struct ClientReads {
  protocols::ReadMode read_mode = protocols::ReadMode::kReadIndex;
  // Ask a random server for every attempt (Raft follower reads). Otherwise a client keeps the
  // server that last answered it.
  bool any_server = false;
  // Whether a turned-away client retries where the redirect's hint points (Raft's clients find
  // the leader so), or on a random server (ZooKeeper's clients know no leader: any serving
  // server takes their requests and forwards the writes, so a client stays with the first
  // server that serves it, as a ZooKeeper session does).
  bool follow_leader_hints = true;
};

class ProtocolBinding {
 public:
  virtual ~ProtocolBinding() = default;
  virtual std::string_view name() const = 0;  // "raft", "zab"
  // Builds node `id` from what survived on its disk.
  virtual NodeFactory node_factory() const = 0;
  virtual NodeHostOptions host_options() const = 0;
  virtual ClientReads client_reads() const = 0;
  // The term (Raft) or epoch (ZAB) of `node` if it is a leader that serves clients now (Raft: the
  // leader role; ZAB: leading, in the broadcast phase); nullopt otherwise.
  virtual std::optional<uint64_t> leading_term(const protocols::Node& node) const = 0;
  virtual std::unique_ptr<InvariantChecker> make_invariants() const = 0;
  // The trace kinds (prefixes) the invariant checker reads.
  virtual std::vector<std::string> invariant_kinds() const = 0;
  // Asks `leader` for a single-server membership change of `target` (request `id`). Raft only:
  // the loader refuses a membership fault in a scenario of another protocol.
  virtual void change_membership(protocols::Node& leader, protocols::RequestId id, MembershipFault::Change change,
                                 protocols::NodeId target) const = 0;
};

// For scenario.protocol ("raft" or "zab"); the scenario must have passed the loader.
std::unique_ptr<ProtocolBinding> make_protocol_binding(const Scenario& scenario);

// The ZAB configuration a scenario gives every node (id left unset): voters n1..n(N-observers),
// then the observers; the bug switches named in `bugs` (each must be a zab.* switch) turned on.
protocols::zab::ZabConfig zab_config(const ZabSpec& spec, uint32_t nodes, const std::vector<std::string>& bugs);

}  // namespace consim::harness
