// What the runner needs from a replicated service, whichever protocol runs it: the application a
// host applies committed entries to, how a client operation becomes a command in the log, and
// how the service's answer becomes a history outcome. One binding per service (kv, znode).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "harness/application.h"
#include "harness/client_op.h"
#include "protocols/common/effects.h"

namespace consim::harness {

// An Application that also answers clients: the outcome of the entry it applied last, and
// reads served without the log.
class ServiceApplication : public Application {
 public:
  // The outcome of the committed entry at `index`, which must be the last one applied.
  virtual OpOutcome outcome_of(protocols::LogIndex index) const = 0;
  // Serves a read (op.is_read()) from the state as it is now.
  virtual OpOutcome read(const ClientOp& op) const = 0;
  // A digest of the service state, for comparing replicas.
  virtual uint64_t state_digest() const = 0;
};

// One expiry a leader may propose, and what it would do to the state as the leader sees it now:
// the deletions it may perform, in the history's vocabulary. Clients did not ask for them, but
// they change what clients read, so the runner writes them into the history as operations that
// may or may not take effect (an invocation without a completion).
struct Expiry {
  protocols::RecordPtr command;
  uint64_t target = 0;  // the lease or session: proposals for one target repeat until it is gone
  std::vector<ClientOp> effects;
};

class ServiceBinding {
 public:
  virtual ~ServiceBinding() = default;
  virtual std::string_view name() const = 0;  // "kv", "znode"
  // The checker model that matches the service ("kv", "znode").
  virtual std::string_view model() const = 0;
  virtual std::unique_ptr<ServiceApplication> make_application() const = 0;
  // The command that carries `op` through the log, stamped with the proposer's local clock.
  virtual protocols::RecordPtr command(const ClientOp& op, int64_t timestamp_ns) const = 0;
  // Housekeeping a leader proposes from its clock: the expiry of leases (kv) or sessions
  // (znode) whose deadline passed by `now_ns`.
  virtual std::vector<Expiry> expiry_commands(const ServiceApplication& app, int64_t now_ns) const = 0;
};

std::unique_ptr<ServiceBinding> make_kv_binding();
std::unique_ptr<ServiceBinding> make_znode_binding();

}  // namespace consim::harness
