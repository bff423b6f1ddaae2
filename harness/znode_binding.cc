// The znode service (services/znode) as a replicated application (harness/replicated_service.h).
//
// Outcomes, in the history's vocabulary (see history_recorder.cc for how they are written):
//   get     ok: has_value, value = the data as an integer, version = the stat version.
//   exists  ok: has_value, no value, version = the stat version when present, none when absent.
//   create  ok: version = 0 (the new node's).      set: ok: version = the new stat version.
//   delete  ok: nothing.
//   open_session  ok: value = the new session's id (the client's business, never in the history).
// A failure carries ZooKeeper's code name ("NoNode", "BadVersion", "SessionExpired", ...).
// `revision` is the zxid: the command's own for entries, the replica's last applied one for
// reads served from state, which is what lets the recorder spot stale reads.
#include <typeinfo>

#include "base/assert.h"
#include "harness/replicated_service.h"
#include "services/znode/znode_service.h"

namespace consim::harness {
namespace {

namespace znode = services::znode;

// A ClientOp's version is an int64 for the history; the service's is ZooKeeper's int32. The
// workload only uses -1 and versions it saw, so anything else is a programmer error.
int32_t version_of(const ClientOp& op) {
  const int64_t version = op.version.value_or(znode::kAnyVersion);
  CONSIM_ASSERT(version >= znode::kAnyVersion);
  CONSIM_ASSERT(version <= INT32_MAX);
  return static_cast<int32_t>(version);
}

znode::Op op_of(const ClientOp& op) {
  if (op.f == "get") {
    return znode::GetData{op.key};
  }
  if (op.f == "exists") {
    return znode::Exists{op.key};
  }
  if (op.f == "create") {
    CONSIM_ASSERT(op.value.has_value());
    const znode::CreateMode mode = op.ephemeral ? znode::CreateMode::kEphemeral : znode::CreateMode::kPersistent;
    return znode::Create{op.key, std::to_string(*op.value), mode};
  }
  if (op.f == "set") {
    CONSIM_ASSERT(op.value.has_value());
    return znode::SetData{op.key, std::to_string(*op.value), version_of(op)};
  }
  if (op.f == "delete") {
    return znode::Delete{op.key, version_of(op)};
  }
  CONSIM_ASSERT_MSG(op.f == "open_session", "the znode binding has no operation of that name");
  CONSIM_ASSERT(op.value.has_value());
  CONSIM_ASSERT(*op.value > 0);
  return znode::CreateSession{*op.value};
}

znode::Command znode_command_of(const ClientOp& op) {
  // A session is opened without one: CreateSession from a session is BadArguments.
  CONSIM_ASSERT(op.f != "open_session" || op.session == 0);
  return znode::Command{op.session, op_of(op)};
}

OpOutcome outcome_from(const znode::Command& command, const znode::Response& response) {
  OpOutcome outcome;
  outcome.revision = response.zxid;
  if (response.code != znode::Code::kOk) {
    outcome.ok = false;
    outcome.error = std::string(znode::code_name(response.code));
    return outcome;
  }
  if (response.stat.has_value()) {  // get, exists (present), create, set
    outcome.version = response.stat->version;
  }
  if (std::holds_alternative<znode::GetData>(command.op)) {
    outcome.has_value = true;
    outcome.value = number_of(response.data);
  } else if (std::holds_alternative<znode::Exists>(command.op)) {
    outcome.has_value = true;  // present or not is in `version`: exists returns no data
  } else if (std::holds_alternative<znode::CreateSession>(command.op)) {
    CONSIM_ASSERT(response.session > 0);
    outcome.value = response.session;
  }
  return outcome;
}

// The znode service's commands in the log, its outcomes in the history's vocabulary. The log
// index of an entry is the zxid of its command (protocol entries leave gaps).
struct ZnodeTraits {
  using Service = znode::ZnodeService;
  using Command = znode::Command;
  using Response = znode::Response;
  static constexpr std::string_view kCommandKind = "ZnodeCommand";
  static constexpr std::string_view kSnapshotKind = "ZnodeSnapshot";
  static uint64_t digest(const Command& command) { return znode::digest(command); }
  static uint32_t bytes(const Command& command) { return static_cast<uint32_t>(24 + znode::encode(command).size()); }
  static Command command_of(const ClientOp& op) { return znode_command_of(op); }
  static bool is_read(const Command& command) { return znode::is_read(command.op); }
  static OpOutcome outcome(const Command& command, const Response& response) { return outcome_from(command, response); }
};

using ZnodeApplication = ReplicatedService<ZnodeTraits>;
using ZnodeCommandRecord = CommandRecord<ZnodeTraits>;

class ZnodeBinding final : public ServiceBinding {
 public:
  std::string_view name() const override { return "znode"; }
  std::string_view model() const override { return "znode"; }
  std::unique_ptr<ServiceApplication> make_application() const override { return std::make_unique<ZnodeApplication>(); }
  protocols::RecordPtr command(const ClientOp& op, int64_t timestamp_ns) const override {
    return std::make_shared<ZnodeCommandRecord>(znode_command_of(op), timestamp_ns);
  }
  // zab.md §b.4: only the leader decides expiry, by its own clock; the service checks the
  // deadline again at apply time, so a proposal that lost a race with a touch changes nothing.
  std::vector<Expiry> expiry_commands(const ServiceApplication& app, int64_t now_ns) const override {
    CONSIM_ASSERT(typeid(app) == typeid(ZnodeApplication));
    const znode::ZnodeService& service = static_cast<const ZnodeApplication&>(app).service();
    std::vector<Expiry> expiries;
    for (const znode::SessionId session : service.expired_sessions(now_ns)) {
      Expiry expiry;
      expiry.command = std::make_shared<ZnodeCommandRecord>(znode::Command{session, znode::ExpireSession{}}, now_ns);
      expiry.target = static_cast<uint64_t>(session);
      // An expired session is idle (its client gave up on it), so its ephemerals now are the
      // ones the expiry deletes. An ephemeral has no children: a delete of any version.
      for (const std::string& path : service.state().tree.ephemerals(session)) {
        ClientOp op;
        op.f = "delete";
        op.key = path;
        op.version = -1;
        expiry.effects.push_back(std::move(op));
      }
      expiries.push_back(std::move(expiry));
    }
    return expiries;
  }
};

}  // namespace

std::unique_ptr<ServiceBinding> make_znode_binding() { return std::make_unique<ZnodeBinding>(); }

}  // namespace consim::harness
