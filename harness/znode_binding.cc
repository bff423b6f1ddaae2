// The znode service (services/znode) as a replicated application: commands travel through the
// log as ZnodeCommandRecords stamped with the proposer's clock; the log index of an entry is the
// zxid of its command; snapshots share the service's state.
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
#include <charconv>
#include <typeinfo>

#include "base/assert.h"
#include "harness/service_binding.h"
#include "services/znode/znode_service.h"

namespace consim::harness {
namespace {

namespace znode = services::znode;

class ZnodeCommandRecord final : public protocols::Record {
 public:
  ZnodeCommandRecord(znode::Command command, int64_t timestamp_ns)
      : command_(std::move(command)),
        timestamp_ns_(timestamp_ns),
        bytes_(static_cast<uint32_t>(24 + znode::encode(command_).size())) {}
  std::string_view kind() const override { return "ZnodeCommand"; }
  uint64_t digest() const override {
    return znode::digest(command_) * 0x100000001b3ULL ^ static_cast<uint64_t>(timestamp_ns_);
  }
  // Asked for every entry a message carries: the encoding's size, computed once.
  uint32_t bytes() const override { return bytes_; }
  const znode::Command& command() const { return command_; }
  int64_t timestamp_ns() const { return timestamp_ns_; }

 private:
  znode::Command command_;
  int64_t timestamp_ns_;
  uint32_t bytes_;
};

class ZnodeSnapshotRecord final : public protocols::Record {
 public:
  explicit ZnodeSnapshotRecord(znode::Snapshot state) : state_(std::move(state)) { CONSIM_ASSERT(state_ != nullptr); }
  std::string_view kind() const override { return "ZnodeSnapshot"; }
  uint64_t digest() const override { return state_->digest(); }
  uint32_t bytes() const override { return static_cast<uint32_t>(state_->bytes()); }
  const znode::Snapshot& state() const { return state_; }

 private:
  znode::Snapshot state_;
};

// Values the workload wrote are decimal integers; anything else reads as data no write
// produced (nullopt), which the checker will flag.
std::optional<int64_t> number_of(const std::string& text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

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

znode::Command command_of(const ClientOp& op) {
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

class ZnodeApplication final : public ServiceApplication {
 public:
  void restore(const protocols::RecordPtr& snapshot, protocols::LogIndex index) override {
    if (snapshot == nullptr) {
      service_.restore(nullptr);
    } else {
      const protocols::Record& record = *snapshot;
      CONSIM_ASSERT(typeid(record) == typeid(ZnodeSnapshotRecord));
      service_.restore(static_cast<const ZnodeSnapshotRecord&>(record).state());
    }
    // The snapshot's last zxid is its last command's: protocol entries after it may lift
    // `index` higher, never the other way round.
    CONSIM_ASSERT(static_cast<uint64_t>(service_.last_zxid()) <= index.value);
    applied_ = index;
    last_index_ = {};
    last_command_ = nullptr;
  }

  void apply(const protocols::Committed& entry) override {
    CONSIM_ASSERT(entry.index > applied_);
    applied_ = entry.index;
    if (entry.command == nullptr) {
      return;  // a no-op or configuration entry: consumes an index, not a zxid of the service
    }
    const protocols::Record& command = *entry.command;
    CONSIM_ASSERT(typeid(command) == typeid(ZnodeCommandRecord));
    const auto& record = static_cast<const ZnodeCommandRecord&>(command);
    const services::ApplyContext context{entry.index.value, record.timestamp_ns()};
    last_response_ = service_.apply(record.command(), context);
    last_command_ = entry.command;
    last_index_ = entry.index;
  }

  protocols::RecordPtr snapshot() const override { return std::make_shared<ZnodeSnapshotRecord>(service_.snapshot()); }
  protocols::LogIndex applied() const override { return applied_; }

  OpOutcome outcome_of(protocols::LogIndex index) const override {
    CONSIM_ASSERT(index == last_index_);
    CONSIM_ASSERT(last_command_ != nullptr);
    return outcome_from(static_cast<const ZnodeCommandRecord&>(*last_command_).command(), last_response_);
  }

  OpOutcome read(const ClientOp& op) const override {
    const znode::Command command = command_of(op);
    CONSIM_ASSERT(znode::is_read(command.op));
    return outcome_from(command, service_.read(command));
  }

  uint64_t state_digest() const override { return service_.digest(); }
  const znode::ZnodeService& service() const { return service_; }

 private:
  znode::ZnodeService service_;
  protocols::LogIndex applied_;
  protocols::LogIndex last_index_;
  protocols::RecordPtr last_command_;
  znode::Response last_response_;
};

class ZnodeBinding final : public ServiceBinding {
 public:
  std::string_view name() const override { return "znode"; }
  std::string_view model() const override { return "znode"; }
  std::unique_ptr<ServiceApplication> make_application() const override { return std::make_unique<ZnodeApplication>(); }
  protocols::RecordPtr command(const ClientOp& op, int64_t timestamp_ns) const override {
    return std::make_shared<ZnodeCommandRecord>(command_of(op), timestamp_ns);
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
