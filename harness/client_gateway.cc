#include "harness/client_gateway.h"

#include <typeinfo>

#include "base/assert.h"
#include "harness/client_protocol.h"

namespace consim::harness {
namespace {

constexpr uint64_t kProbeBit = uint64_t{1} << 63;  // client requests use the low 63 bits
constexpr uint32_t kNoClient = UINT32_MAX;

}  // namespace

ClientGateway::ClientGateway(sim::World& world, const ServiceBinding& binding, uint32_t nodes)
    : world_(world), binding_(binding), servers_(nodes), newest_taken_(nodes) {}

void ClientGateway::wire(NodeHostHooks& hooks) {
  hooks.foreign = [this](NodeHost& host, const sim::Packet& packet) { on_call(host, packet); };
  hooks.committed = [this](protocols::NodeId node, const protocols::Committed& entry, const Application& app) {
    const auto it = server(node).calls.find(entry.request.value);
    if (it == server(node).calls.end()) {
      return;
    }
    const OpOutcome outcome = static_cast<const ServiceApplication&>(app).outcome_of(entry.index);
    if (outcome.unknown) {
      server(node).calls.erase(it);  // no answer: the client times out and records an info
      return;
    }
    answer(node, entry.request.value, &outcome, 0);
  };
  hooks.read = [this](protocols::NodeId node, const protocols::ReadReady& read, const Application& app) {
    const auto it = server(node).calls.find(read.id.value);
    if (it == server(node).calls.end()) {
      return;
    }
    const OpOutcome outcome = static_cast<const ServiceApplication&>(app).read(it->second.op);
    answer(node, read.id.value, &outcome, 0);
  };
  hooks.rejected = [this](protocols::NodeId node, const protocols::Rejection& rejection) {
    answer(node, rejection.id.value, nullptr, rejection.leader_hint.value);
  };
}

ClientGateway::Server& ClientGateway::server(protocols::NodeId node) {
  CONSIM_ASSERT(node.value >= 1 && node.value <= servers_.size());
  Server& entry = servers_[node.value - 1];
  const uint64_t incarnation = world_.incarnation(host_of(node));
  if (entry.incarnation != incarnation) {  // the machine restarted: it forgot its calls
    entry.incarnation = incarnation;
    entry.calls.clear();
  }
  return entry;
}

void ClientGateway::on_call(NodeHost& host, const sim::Packet& packet) {
  const Payload& payload = *packet.payload;
  if (typeid(payload) != typeid(ClientCall)) {
    return;
  }
  const auto& call = static_cast<const ClientCall&>(payload);
  uint64_t& newest = newest_taken_[host.id().value - 1][packet.from.index];
  if (call.request() <= newest) {
    ++stats_.duplicates;
    return;
  }
  newest = call.request();
  ++stats_.calls;
  take(host, packet.from, call.request(), call.op(), call.read_mode());
}

void ClientGateway::take(NodeHost& host, sim::HostId client, uint64_t request_id, const ClientOp& op,
                         protocols::ReadMode read_mode) {
  server(host.id()).calls[request_id] = Call{client, request_id, op};
  protocols::ClientRequest request;
  request.id = protocols::RequestId{request_id};
  if (op.is_read()) {
    request.kind = protocols::ClientRequest::Kind::kRead;
    request.read_mode = read_mode;
  }
  // Reads through the log carry their command like writes; the others are served from state.
  if (!op.is_read() || read_mode == protocols::ReadMode::kLog) {
    request.command = binding_.command(op, host.local_now().ns);
  }
  host.submit(request);
}

uint64_t ClientGateway::submit_probe(NodeHost& host, const ClientOp& op) {
  CONSIM_ASSERT(!op.is_read());
  const uint64_t request = kProbeBit | next_probe_++;
  take(host, sim::HostId{kNoClient}, request, op, protocols::ReadMode::kLog);
  return request;
}

const OpOutcome* ClientGateway::probe_outcome(uint64_t request) const {
  const auto it = probe_outcomes_.find(request);
  return it == probe_outcomes_.end() ? nullptr : &it->second;
}

void ClientGateway::answer(protocols::NodeId node, uint64_t request, const OpOutcome* outcome, uint32_t leader_hint) {
  Server& entry = server(node);
  const auto it = entry.calls.find(request);
  if (it == entry.calls.end()) {
    return;
  }
  const Call call = std::move(it->second);
  entry.calls.erase(it);
  sim::Process* process = world_.process(host_of(node));
  CONSIM_ASSERT(process != nullptr && typeid(*process) == typeid(NodeHost));
  auto& host = static_cast<NodeHost&>(*process);
  if (call.client.index == kNoClient) {  // a probe: nobody to send it to
    if (outcome != nullptr) {
      probe_outcomes_[request] = *outcome;
    }
    return;
  }
  const uint32_t bytes = client_message_bytes(call.op);
  if (outcome == nullptr) {
    ++stats_.redirected;
    host.send_foreign(call.client, std::make_shared<ClientAnswer>(ClientAnswer::redirect(request, leader_hint)), bytes);
    return;
  }
  ++stats_.answered;
  host.send_foreign(call.client, std::make_shared<ClientAnswer>(ClientAnswer::outcome(request, *outcome)), bytes);
}

}  // namespace consim::harness
