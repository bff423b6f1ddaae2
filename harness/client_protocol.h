// What simulated clients and servers say to each other over the simulated network. Client
// traffic is not protocol traffic: a host hands these payloads to the runner's gateway instead
// of the protocol node.
#pragma once

#include <cstdint>

#include "base/payload.h"
#include "harness/client_op.h"
#include "protocols/common/effects.h"

namespace consim::harness {

// A client asks a server to execute `op`. `request` is unique within the run: a retry after a
// redirect is a new request.
class ClientCall final : public Payload {
 public:
  ClientCall(uint64_t request, ClientOp op, protocols::ReadMode read_mode)
      : request_(request), op_(std::move(op)), read_mode_(read_mode) {}
  std::string_view kind() const override { return "ClientCall"; }
  uint64_t request() const { return request_; }
  const ClientOp& op() const { return op_; }
  protocols::ReadMode read_mode() const { return read_mode_; }

 private:
  uint64_t request_;
  ClientOp op_;
  protocols::ReadMode read_mode_;
};

// A server's answer: the operation's outcome, or a redirect (the server did not take it, so it
// definitely did not happen) with where the leader might be (0: unknown).
class ClientAnswer final : public Payload {
 public:
  static ClientAnswer outcome(uint64_t request, OpOutcome outcome) {
    return ClientAnswer(request, false, std::move(outcome), 0);
  }
  static ClientAnswer redirect(uint64_t request, uint32_t leader_hint) {
    return ClientAnswer(request, true, OpOutcome{}, leader_hint);
  }
  std::string_view kind() const override { return "ClientAnswer"; }
  uint64_t request() const { return request_; }
  bool is_redirect() const { return redirect_; }
  const OpOutcome& result() const { return outcome_; }
  uint32_t leader_hint() const { return leader_hint_; }

 private:
  ClientAnswer(uint64_t request, bool redirect, OpOutcome outcome, uint32_t leader_hint)
      : request_(request), redirect_(redirect), outcome_(std::move(outcome)), leader_hint_(leader_hint) {}
  uint64_t request_;
  bool redirect_;
  OpOutcome outcome_;
  uint32_t leader_hint_;
};

// Bytes on the wire, for the traffic accounting: a small header plus the key.
inline uint32_t client_message_bytes(const ClientOp& op) { return static_cast<uint32_t>(32 + op.key.size()); }

}  // namespace consim::harness
