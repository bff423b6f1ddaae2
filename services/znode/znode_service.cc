#include "services/znode/znode_service.h"

#include <limits>
#include <utility>

#include "base/assert.h"
#include "services/common/hasher.h"
#include "services/common/overloaded.h"
#include "services/znode/paths.h"

namespace consim::services::znode {
namespace {

constexpr int64_t kNanosPerMilli = 1'000'000;

Response respond(Code code) {
  Response response;
  response.code = code;
  return response;
}

Response from_result(OpResult result) {
  Response response = respond(result.code);
  response.path = std::move(result.path);
  response.stat = result.stat;
  return response;
}

bool is_session_op(const Op& op) {
  return std::holds_alternative<CreateSession>(op) || std::holds_alternative<Touch>(op) ||
         std::holds_alternative<CloseSession>(op) || std::holds_alternative<ExpireSession>(op);
}

}  // namespace

uint64_t ZnodeState::digest() const {
  return Hasher(0x7a6e'7374'6174'65ULL).add(tree.digest()).add(sessions.digest()).value();  // "znstate"
}

uint64_t ZnodeState::bytes() const { return 16 + tree.bytes() + 24 * sessions.sessions().size(); }

std::string ZnodeState::describe() const {
  std::string text = "last_zxid=" + std::to_string(last_zxid) + " nodes=" + std::to_string(tree.nodes().size()) +
                     " sessions=" + std::to_string(sessions.sessions().size()) + "\n" + tree.describe();
  for (const auto& entry : sessions.sessions()) {
    const Session& session = entry.second;
    text += "  session " + std::to_string(session.id) + " timeout=" + std::to_string(session.timeout_ms) +
            "ms deadline_ns=" + std::to_string(session.deadline_ns) + "\n";
  }
  return text;
}

void ZnodeState::check_invariants() const {
  tree.check_invariants();
  for (const auto& entry : tree.nodes()) {
    const SessionId owner = entry.second.stat.ephemeral_owner;
    CONSIM_ASSERT(owner == 0 || sessions.alive(owner));
    CONSIM_ASSERT(entry.second.stat.czxid <= last_zxid);
    CONSIM_ASSERT(entry.second.stat.mzxid <= last_zxid);
    CONSIM_ASSERT(entry.second.stat.pzxid <= last_zxid);
  }
  for (const auto& entry : sessions.sessions()) {
    CONSIM_ASSERT(entry.first == entry.second.id);
    CONSIM_ASSERT(entry.first < sessions.next_id());
  }
}

Response ZnodeService::apply(const Command& command, const ApplyContext& context) {
  CONSIM_ASSERT(context.index <= static_cast<uint64_t>(std::numeric_limits<Zxid>::max()));
  const auto zxid = static_cast<Zxid>(context.index);
  CONSIM_ASSERT_MSG(zxid > state_.last_zxid, "commands must be applied in zxid order, each once");
  state_.last_zxid = zxid;
  Response response = apply_op(command, zxid, context.timestamp_ns);
  response.zxid = zxid;
  return response;
}

Response ZnodeService::read(const Command& command) const {
  CONSIM_ASSERT(is_read(command.op));
  Response response = command.session != 0 && !state_.sessions.alive(command.session) ? respond(Code::kSessionExpired)
                                                                                      : read_op(command.op);
  response.zxid = state_.last_zxid;
  return response;
}

std::vector<SessionId> ZnodeService::expired_sessions(int64_t now_ns) const { return state_.sessions.expired(now_ns); }

Snapshot ZnodeService::snapshot() const { return std::make_shared<const ZnodeState>(state_); }

void ZnodeService::restore(const Snapshot& snapshot) { state_ = snapshot != nullptr ? *snapshot : ZnodeState{}; }

Response ZnodeService::apply_op(const Command& command, Zxid zxid, int64_t timestamp_ns) {
  if (is_session_op(command.op)) {
    return apply_session_op(command, timestamp_ns);
  }
  if (command.session != 0) {
    if (!state_.sessions.alive(command.session)) {
      return respond(Code::kSessionExpired);
    }
    state_.sessions.touch(command.session, timestamp_ns);  // any request touches its session
  }
  if (is_read(command.op)) {
    return read_op(command.op);
  }
  const int64_t time_ms = timestamp_ns / kNanosPerMilli;
  return std::visit(
      Overloaded{
          [&](const Create& create) { return from_result(state_.tree.create(create, command.session, zxid, time_ms)); },
          [&](const Delete& del) { return from_result(state_.tree.remove(del, zxid)); },
          [&](const SetData& set) { return from_result(state_.tree.set_data(set, zxid, time_ms)); },
          [&](const Sync& sync) {
            Response response = respond(validate_path(sync.path).empty() ? Code::kOk : Code::kBadArguments);
            response.path = sync.path;
            return response;
          },
          [&](const Multi& multi) { return run_multi(multi, command.session, zxid, time_ms); },
          [](const auto&) -> Response {
            CONSIM_ASSERT(false);  // reads and session ops are handled above
            return {};
          },
      },
      command.op);
}

Response ZnodeService::apply_session_op(const Command& command, int64_t timestamp_ns) {
  const SessionId session = command.session;
  if (const auto* create = std::get_if<CreateSession>(&command.op)) {
    if (create->timeout_ms <= 0 || session != 0) {
      return respond(Code::kBadArguments);
    }
    Response response = respond(Code::kOk);
    response.session = state_.sessions.open(create->timeout_ms, timestamp_ns);
    response.timeout_ms = create->timeout_ms;
    return response;
  }
  if (!state_.sessions.alive(session)) {
    return respond(Code::kSessionExpired);  // for an expiry: closed or expired already, nothing to do
  }
  if (std::holds_alternative<Touch>(command.op)) {
    state_.sessions.touch(session, timestamp_ns);
    return respond(Code::kOk);
  }
  if (std::holds_alternative<CloseSession>(command.op)) {
    return end_session(session, false);
  }
  CONSIM_ASSERT(std::holds_alternative<ExpireSession>(command.op));
  if (timestamp_ns < state_.sessions.find(session)->deadline_ns) {
    return respond(Code::kOk);  // touched since the leader decided: not expired
  }
  return end_session(session, true);
}

Response ZnodeService::end_session(SessionId session, bool expired) {
  Response response = respond(Code::kOk);
  // closeSession deletes every ephemeral of the session in its one transaction (zab.md §b.4).
  response.deleted = state_.tree.remove_ephemerals(session, state_.last_zxid);
  state_.sessions.close(session);
  response.expired = expired;
  return response;
}

Response ZnodeService::read_op(const Op& op) const {
  CONSIM_ASSERT(is_read(op));
  const std::string& path = std::holds_alternative<GetData>(op)  ? std::get<GetData>(op).path
                            : std::holds_alternative<Exists>(op) ? std::get<Exists>(op).path
                                                                 : std::get<GetChildren>(op).path;
  if (!validate_path(path).empty()) {
    return respond(Code::kBadArguments);
  }
  const Znode* node = state_.tree.find(path);
  if (node == nullptr) {
    // exists is not an error when the node is absent: ZooKeeper returns a null Stat.
    return respond(std::holds_alternative<Exists>(op) ? Code::kOk : Code::kNoNode);
  }
  Response response = respond(Code::kOk);
  response.stat = node->stat;
  if (std::holds_alternative<GetData>(op)) {
    response.data = node->data;
  } else if (std::holds_alternative<GetChildren>(op)) {
    response.children.assign(node->children.begin(), node->children.end());
  }
  return response;
}

Response ZnodeService::run_multi(const Multi& multi, SessionId session, Zxid zxid, int64_t time_ms) {
  // The ops run in order against the running state; the first failure takes them all back
  // (zab.md §b.3), and the multi reports that op's error.
  state_.tree.begin();
  std::vector<OpResult> results;
  results.reserve(multi.ops.size());
  for (const MultiOp& op : multi.ops) {
    OpResult result = run_multi_op(op, session, zxid, time_ms);
    const Code code = result.code;
    results.push_back(std::move(result));
    if (code != Code::kOk) {
      break;
    }
  }
  if (results.empty() || results.back().code == Code::kOk) {
    state_.tree.commit();
    Response response = respond(Code::kOk);
    response.results = std::move(results);
    return response;
  }
  state_.tree.rollback();
  const Code error = results.back().code;
  const size_t failed = results.size() - 1;
  Response response = respond(error);
  response.results.resize(multi.ops.size());  // Ok, with no path or stat, before the failed op
  response.results[failed].code = error;
  for (size_t i = failed + 1; i < multi.ops.size(); ++i) {
    response.results[i].code = Code::kRuntimeInconsistency;
  }
  return response;
}

OpResult ZnodeService::run_multi_op(const MultiOp& op, SessionId session, Zxid zxid, int64_t time_ms) {
  return std::visit(Overloaded{
                        [&](const Create& create) { return state_.tree.create(create, session, zxid, time_ms); },
                        [&](const Delete& del) { return state_.tree.remove(del, zxid); },
                        [&](const SetData& set) { return state_.tree.set_data(set, zxid, time_ms); },
                        [&](const Check& check) { return state_.tree.check(check); },
                    },
                    op);
}

}  // namespace consim::services::znode
