// The kv service (services/kv) as a replicated application (harness/replicated_service.h).
#include <type_traits>
#include <typeinfo>

#include "base/assert.h"
#include "harness/replicated_service.h"
#include "services/kv/kv_service.h"

namespace consim::harness {
namespace {

namespace kv = services::kv;

std::string text_of(int64_t value) { return std::to_string(value); }

kv::Command kv_command_of(const ClientOp& op) {
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

// The kv service's commands in the log, its outcomes in the history's vocabulary.
struct KvTraits {
  using Service = kv::KvService;
  using Command = kv::Command;
  using Response = kv::Response;
  static constexpr std::string_view kCommandKind = "KvCommand";
  static constexpr std::string_view kSnapshotKind = "KvSnapshot";
  static uint64_t digest(const Command& command) { return kv::digest(command); }
  // A header plus the strings (the JSON encoding would cost more than the rest of a run).
  static uint32_t bytes(const Command& command) {
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
  static Command command_of(const ClientOp& op) { return kv_command_of(op); }
  static bool is_read(const Command& command) { return kv::is_read(command); }
  static OpOutcome outcome(const Command& command, const Response& response) { return outcome_from(command, response); }
};

using KvApplication = ReplicatedService<KvTraits>;
using KvCommandRecord = CommandRecord<KvTraits>;

class KvBinding final : public ServiceBinding {
 public:
  std::string_view name() const override { return "kv"; }
  std::string_view model() const override { return "kv"; }
  std::unique_ptr<ServiceApplication> make_application() const override { return std::make_unique<KvApplication>(); }
  protocols::RecordPtr command(const ClientOp& op, int64_t timestamp_ns) const override {
    return std::make_shared<KvCommandRecord>(kv_command_of(op), timestamp_ns);
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
