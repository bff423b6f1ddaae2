// A service (services/kv, services/znode) as a replicated application, whatever the service:
// its commands travel through the log as CommandRecords stamped with the proposer's clock; its
// snapshots share the service's immutable state; the outcome of the entry applied last and of
// reads served from state are translated into the history's vocabulary by the service's traits.
//
// Traits provide:
//   using Service, Command, Response;        Service::apply(Command, ApplyContext) -> Response,
//                                            Service::read(Command), snapshot(), restore(), digest()
//   static constexpr std::string_view kCommandKind, kSnapshotKind;
//   static uint64_t digest(const Command&);  the command's content, integer-only
//   static uint32_t bytes(const Command&);   its size on the wire and on disk
//   static Command command_of(const ClientOp&);
//   static bool is_read(const Command&);
//   static OpOutcome outcome(const Command&, const Response&);
#pragma once

#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>

#include "base/assert.h"
#include "harness/service_binding.h"
#include "services/common/apply_context.h"

namespace consim::harness {

// Values the workload wrote are decimal integers; anything else reads as a value no write
// produced (nullopt), which the checker will flag.
inline std::optional<int64_t> number_of(const std::string& text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

template <typename Traits>
class CommandRecord final : public protocols::Record {
 public:
  using Command = typename Traits::Command;
  CommandRecord(Command command, int64_t timestamp_ns)
      : command_(std::move(command)), timestamp_ns_(timestamp_ns), bytes_(Traits::bytes(command_)) {}
  std::string_view kind() const override { return Traits::kCommandKind; }
  uint64_t digest() const override {
    return Traits::digest(command_) * 0x100000001b3ULL ^ static_cast<uint64_t>(timestamp_ns_);
  }
  // Asked for every entry a message carries: computed once.
  uint32_t bytes() const override { return bytes_; }
  const Command& command() const { return command_; }
  int64_t timestamp_ns() const { return timestamp_ns_; }

 private:
  Command command_;
  int64_t timestamp_ns_;
  uint32_t bytes_;
};

template <typename Traits>
class SnapshotRecord final : public protocols::Record {
 public:
  using State = decltype(std::declval<const typename Traits::Service&>().snapshot());
  explicit SnapshotRecord(State state) : state_(std::move(state)) { CONSIM_ASSERT(state_ != nullptr); }
  std::string_view kind() const override { return Traits::kSnapshotKind; }
  uint64_t digest() const override { return state_->digest(); }
  uint32_t bytes() const override { return static_cast<uint32_t>(state_->bytes()); }
  const State& state() const { return state_; }

 private:
  State state_;
};

template <typename Traits>
class ReplicatedService final : public ServiceApplication {
 public:
  using Command = typename Traits::Command;

  void restore(const protocols::RecordPtr& snapshot, protocols::LogIndex index) override {
    if (snapshot == nullptr) {
      service_.restore(nullptr);
    } else {
      const protocols::Record& record = *snapshot;
      CONSIM_ASSERT(typeid(record) == typeid(SnapshotRecord<Traits>));
      service_.restore(static_cast<const SnapshotRecord<Traits>&>(record).state());
    }
    applied_ = index;
    last_index_ = {};
    last_command_ = nullptr;
  }

  void apply(const protocols::Committed& entry) override {
    CONSIM_ASSERT(entry.index > applied_);
    applied_ = entry.index;
    if (entry.command == nullptr) {
      return;  // a no-op or configuration entry: it consumes an index, and changes nothing
    }
    const protocols::Record& command = *entry.command;
    CONSIM_ASSERT(typeid(command) == typeid(CommandRecord<Traits>));
    const auto& record = static_cast<const CommandRecord<Traits>&>(command);
    const services::ApplyContext context{entry.index.value, record.timestamp_ns()};
    last_response_ = service_.apply(record.command(), context);
    last_command_ = entry.command;
    last_index_ = entry.index;
  }

  protocols::RecordPtr snapshot() const override {
    return std::make_shared<SnapshotRecord<Traits>>(service_.snapshot());
  }
  protocols::LogIndex applied() const override { return applied_; }

  OpOutcome outcome_of(protocols::LogIndex index) const override {
    CONSIM_ASSERT(index == last_index_);
    CONSIM_ASSERT(last_command_ != nullptr);
    return Traits::outcome(static_cast<const CommandRecord<Traits>&>(*last_command_).command(), last_response_);
  }

  OpOutcome read(const ClientOp& op) const override {
    const Command command = Traits::command_of(op);
    CONSIM_ASSERT(Traits::is_read(command));
    return Traits::outcome(command, service_.read(command));
  }

  uint64_t state_digest() const override { return service_.digest(); }
  const typename Traits::Service& service() const { return service_; }

 private:
  typename Traits::Service service_;
  protocols::LogIndex applied_;
  protocols::LogIndex last_index_;
  protocols::RecordPtr last_command_;
  typename Traits::Response last_response_;
};

}  // namespace consim::harness
