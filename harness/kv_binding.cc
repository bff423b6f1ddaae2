// The kv service (services/kv) as a replicated application: commands travel through the log
// as KvCommandRecords stamped with the proposer's clock; snapshots share the service's state.
#include <charconv>
#include <type_traits>
#include <typeinfo>

#include "base/assert.h"
#include "harness/service_binding.h"
#include "services/kv/kv_service.h"

namespace consim::harness {
namespace {

namespace kv = services::kv;

class KvCommandRecord final : public protocols::Record {
 public:
  KvCommandRecord(kv::Command command, int64_t timestamp_ns)
      : command_(std::move(command)), timestamp_ns_(timestamp_ns), bytes_(size_of(command_)) {}
  std::string_view kind() const override { return "KvCommand"; }
  uint64_t digest() const override {
    return kv::digest(command_) * 0x100000001b3ULL ^ static_cast<uint64_t>(timestamp_ns_);
  }
  // Asked for every entry a message carries: computed once, as a header plus the strings.
  uint32_t bytes() const override { return bytes_; }
  const kv::Command& command() const { return command_; }
  int64_t timestamp_ns() const { return timestamp_ns_; }

 private:
  static uint32_t size_of(const kv::Command& command) {
    constexpr size_t kHeader = 32;  // operation, lease, timestamp, framing
    const size_t strings = std::visit(
        [](const auto& op) -> size_t {
          using Op = std::decay_t<decltype(op)>;
          if constexpr (std::is_same_v<Op, kv::Put>) {
            return op.key.size() + op.value.size();
          } else if constexpr (std::is_same_v<Op, kv::Cas>) {
            return op.key.size() + op.compare.value.size() + op.value.size();
          } else if constexpr (requires { op.key; }) {
            return op.key.size();
          } else {
            return 0;
          }
        },
        command);
    return static_cast<uint32_t>(kHeader + strings);
  }

  kv::Command command_;
  int64_t timestamp_ns_;
  uint32_t bytes_;
};

class KvSnapshotRecord final : public protocols::Record {
 public:
  explicit KvSnapshotRecord(kv::Snapshot state) : state_(std::move(state)) {}
  std::string_view kind() const override { return "KvSnapshot"; }
  uint64_t digest() const override { return state_->digest(); }
  uint32_t bytes() const override { return static_cast<uint32_t>(state_->bytes()); }
  const kv::Snapshot& state() const { return state_; }

 private:
  kv::Snapshot state_;
};

std::string text_of(int64_t value) { return std::to_string(value); }

// Values the workload wrote are decimal integers; anything else reads as absent-but-present
// (the checker will see a value no write produced and flag it).
std::optional<int64_t> number_of(const std::string& text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

kv::Command command_of(const ClientOp& op) {
  if (op.f == "read") {
    return kv::Get{op.key};
  }
  if (op.f == "write") {
    CONSIM_ASSERT(op.value.has_value());
    return kv::Put{op.key, text_of(*op.value), 0};
  }
  if (op.f == "cas") {
    CONSIM_ASSERT(op.value.has_value());
    CONSIM_ASSERT(op.expected.has_value());
    kv::Compare compare;
    compare.target = kv::Compare::Target::kValue;
    compare.value = text_of(*op.expected);
    return kv::Cas{op.key, compare, text_of(*op.value), 0};
  }
  CONSIM_ASSERT(op.f == "delete");
  return kv::Delete{op.key};
}

OpOutcome outcome_from(const kv::Command& command, const kv::Response& response) {
  OpOutcome outcome;
  outcome.revision = response.revision;
  if (response.code != kv::Code::kOk) {
    outcome.ok = false;
    outcome.error = std::string(kv::code_name(response.code));
    return outcome;
  }
  if (std::holds_alternative<kv::Get>(command)) {
    outcome.has_value = true;
    if (response.kv.has_value()) {
      outcome.value = number_of(response.kv->value);
      outcome.version = response.kv->version;
    }
  }
  return outcome;
}

class KvApplication final : public ServiceApplication {
 public:
  void restore(const protocols::RecordPtr& snapshot, protocols::LogIndex index) override {
    if (snapshot == nullptr) {
      service_.restore(nullptr);
    } else {
      const protocols::Record& record = *snapshot;
      CONSIM_ASSERT(typeid(record) == typeid(KvSnapshotRecord));
      service_.restore(static_cast<const KvSnapshotRecord&>(record).state());
    }
    applied_ = index;
    last_index_ = {};
  }

  void apply(const protocols::Committed& entry) override {
    CONSIM_ASSERT(entry.index > applied_);
    applied_ = entry.index;
    if (entry.command == nullptr) {
      return;
    }
    const protocols::Record& command = *entry.command;
    CONSIM_ASSERT(typeid(command) == typeid(KvCommandRecord));
    const auto& record = static_cast<const KvCommandRecord&>(command);
    const services::ApplyContext context{entry.index.value, record.timestamp_ns()};
    last_response_ = service_.apply(record.command(), context);
    last_command_ = entry.command;
    last_index_ = entry.index;
  }

  protocols::RecordPtr snapshot() const override { return std::make_shared<KvSnapshotRecord>(service_.snapshot()); }
  protocols::LogIndex applied() const override { return applied_; }

  OpOutcome outcome_of(protocols::LogIndex index) const override {
    CONSIM_ASSERT(index == last_index_);
    CONSIM_ASSERT(last_command_ != nullptr);
    return outcome_from(static_cast<const KvCommandRecord&>(*last_command_).command(), last_response_);
  }

  OpOutcome read(const ClientOp& op) const override {
    const kv::Command command = command_of(op);
    CONSIM_ASSERT(kv::is_read(command));
    return outcome_from(command, service_.read(command));
  }

  uint64_t state_digest() const override { return service_.digest(); }
  const kv::KvService& service() const { return service_; }

 private:
  kv::KvService service_;
  protocols::LogIndex applied_;
  protocols::LogIndex last_index_;
  protocols::RecordPtr last_command_;
  kv::Response last_response_;
};

class KvBinding final : public ServiceBinding {
 public:
  std::string_view name() const override { return "kv"; }
  std::string_view model() const override { return "kv"; }
  std::unique_ptr<ServiceApplication> make_application() const override { return std::make_unique<KvApplication>(); }
  protocols::RecordPtr command(const ClientOp& op, int64_t timestamp_ns) const override {
    return std::make_shared<KvCommandRecord>(command_of(op), timestamp_ns);
  }
  std::vector<Expiry> expiry_commands(const ServiceApplication& app, int64_t now_ns) const override {
    const kv::KvService& service = static_cast<const KvApplication&>(app).service();
    std::vector<Expiry> expiries;
    for (const kv::LeaseId lease : service.expired_leases(now_ns)) {
      Expiry expiry;
      expiry.command = std::make_shared<KvCommandRecord>(kv::LeaseExpire{lease}, now_ns);
      expiry.target = static_cast<uint64_t>(lease);
      for (const std::string& key : service.state().leases.at(lease).keys) {
        ClientOp op;
        op.f = "delete";
        op.key = key;
        expiry.effects.push_back(std::move(op));
      }
      expiries.push_back(std::move(expiry));
    }
    return expiries;
  }
};

}  // namespace

std::unique_ptr<ServiceBinding> make_kv_binding() { return std::make_unique<KvBinding>(); }

}  // namespace consim::harness
