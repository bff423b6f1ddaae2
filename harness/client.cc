#include "harness/client.h"

#include <algorithm>
#include <typeinfo>

#include "base/assert.h"
#include "harness/client_protocol.h"
#include "harness/exactly_once.h"

namespace consim::harness {

ClientProcess::ClientProcess(sim::HostContext context, uint32_t index, const ClientSetup* setup)
    : context_(context), setup_(setup), rng_(context.rng()), index_(index), process_(index) {
  CONSIM_ASSERT(setup_ != nullptr);
  CONSIM_ASSERT(setup_->workload != nullptr);
  CONSIM_ASSERT(setup_->history != nullptr);
  CONSIM_ASSERT(setup_->nodes >= 1);
}

void ClientProcess::on_start() { schedule_invoke(); }

void ClientProcess::schedule_invoke() {
  const double think_ms = setup_->workload->think_ms_mean();
  // A closed loop still staggers its first invocation, so the clients do not move in lockstep.
  const double delay_ms = think_ms > 0 ? rng_.exponential(think_ms) : (op_seq_ == 0 ? rng_.uniform_real(0, 5) : 0);
  const Duration delay = Duration::nanos(static_cast<int64_t>(delay_ms * 1e6));
  ++op_seq_;
  context_.set_timer_after(delay, tag(kInvoke, op_seq_));
}

uint32_t ClientProcess::pick_server() {
  if (setup_->any_server || leader_guess_ == 0) {
    return 1 + static_cast<uint32_t>(rng_.uniform_u64(setup_->nodes));
  }
  return leader_guess_;
}

void ClientProcess::invoke() {
  const SimTime now = setup_->sim->now();
  if (now >= setup_->stop_at) {
    return;
  }
  if (setup_->sessions && session_ == 0) {
    open_session();
    return;
  }
  op_ = setup_->workload->next();
  op_->session = session_;
  invoked_at_ = now;
  attempts_ = 0;
  setup_->history->invoke(process_, *op_, now);
  timeout_timer_ = context_.set_timer_after(setup_->timeout, tag(kTimeout, op_seq_));
  send_attempt();
}

void ClientProcess::open_session() {
  ClientOp op;
  op.f = "open_session";
  op.key = "session";
  op.value = static_cast<int64_t>(setup_->session_timeout_ms);
  op_ = op;
  opening_session_ = true;
  invoked_at_ = setup_->sim->now();
  attempts_ = 0;
  timeout_timer_ = context_.set_timer_after(setup_->timeout, tag(kTimeout, op_seq_));
  send_attempt();
}

void ClientProcess::send_attempt() {
  CONSIM_ASSERT(op_.has_value());
  ++attempts_;
  request_ = (uint64_t{index_} + 1) << kClientShift | next_request_++;
  const uint32_t server = pick_server();
  const uint32_t bytes = client_message_bytes(*op_);
  context_.send(sim::HostId{server - 1}, std::make_shared<ClientCall>(request_, *op_, setup_->read_mode), bytes);
}

void ClientProcess::on_message(const sim::Packet& packet) {
  const Payload& payload = *packet.payload;
  if (typeid(payload) != typeid(ClientAnswer)) {
    return;
  }
  const auto& answer = static_cast<const ClientAnswer&>(payload);
  if (!op_.has_value() || answer.request() != request_) {
    return;  // late: an earlier attempt, or an operation that already timed out
  }
  const uint32_t server = packet.from.index + 1;
  if (answer.is_redirect()) {
    // Try the hint; without one (or when told to ask ourselves again), any other server.
    leader_guess_ = setup_->follow_leader_hints && answer.leader_hint() != 0 && answer.leader_hint() != server
                        ? answer.leader_hint()
                        : 0;
    request_ = 0;
    const int64_t backoff = std::min<int64_t>(attempts_, 10);
    context_.set_timer_after(setup_->retry_backoff * backoff, tag(kRetry, op_seq_));
    return;
  }
  if (!setup_->any_server) {
    leader_guess_ = server;
  }
  const OpOutcome& outcome = answer.result();
  if (opening_session_) {
    opening_session_ = false;
    if (outcome.ok && outcome.value.has_value()) {
      session_ = *outcome.value;
    }
    finish();  // then invoke() starts the real operation (or opens another session)
    return;
  }
  if (!outcome.ok && outcome.error == "SessionExpired") {
    session_ = 0;  // the operation did not happen; the next one opens a new session
  }
  setup_->history->complete(process_, *op_, outcome, invoked_at_, setup_->sim->now(), protocols::NodeId{server}.name());
  setup_->workload->learn(*op_, outcome);
  finish();
}

void ClientProcess::finish() {
  op_.reset();
  request_ = 0;
  if (timeout_timer_.has_value()) {
    context_.cancel_timer(*timeout_timer_);
    timeout_timer_.reset();
  }
  schedule_invoke();
}

void ClientProcess::on_timer(sim::TimerId, uint64_t timer_tag) {
  const uint64_t op = timer_tag >> 2;
  if (op != op_seq_) {
    return;  // belongs to an operation already finished
  }
  switch (static_cast<TimerKind>(timer_tag & 3)) {
    case kInvoke:
      invoke();
      return;
    case kRetry:
      if (op_.has_value() && request_ == 0) {
        send_attempt();
      }
      return;
    case kTimeout:
      if (!op_.has_value()) {
        return;
      }
      if (opening_session_) {  // not in the history: just try again (the session may exist, unused)
        opening_session_ = false;
        leader_guess_ = 0;
        timeout_timer_.reset();
        finish();
        return;
      }
      // The outcome is unknown: the operation may still take effect. Retire this process id.
      setup_->history->info(process_, *op_, "Timeout", setup_->sim->now());
      process_ += setup_->clients;
      session_ = 0;  // a fresh process opens its own session
      leader_guess_ = 0;
      timeout_timer_.reset();
      finish();
      return;
  }
}

}  // namespace consim::harness
