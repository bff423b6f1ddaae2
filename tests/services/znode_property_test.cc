// Properties of services/znode on random command sequences: snapshot-and-restore midway,
// determinism, invariants, failed writes changing nothing, local reads, multi atomicity and
// encoding round trips.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "service_test_util.h"
#include "services/znode/znode_service.h"

namespace consim::services::znode {
namespace {

using testing::at;

// A small tree, so that commands collide: parents missing or present, children in the way.
std::string draw_path() {
  return *rc::gen::element<std::string>("/a", "/b", "/a/b", "/a/c", "/a/b/c", "/a/", "/", "/zookeeper", "bad");
}
std::string draw_data() { return *rc::gen::element<std::string>("", "x", "y"); }
int32_t draw_version() { return *rc::gen::inRange<int32_t>(-1, 3); }

MultiOp draw_multi_op() {
  switch (*rc::gen::inRange(0, 4)) {
    case 0:
      return Create{draw_path(), draw_data(),
                    *rc::gen::element(CreateMode::kPersistent, CreateMode::kEphemeral,
                                      CreateMode::kPersistentSequential, CreateMode::kEphemeralSequential)};
    case 1:
      return Delete{draw_path(), draw_version()};
    case 2:
      return SetData{draw_path(), draw_data(), draw_version()};
    default:
      return Check{draw_path(), draw_version()};
  }
}

Op draw_op() {
  switch (*rc::gen::inRange(0, 14)) {
    case 0:
      return GetData{draw_path()};
    case 1:
      return Exists{draw_path()};
    case 2:
      return GetChildren{draw_path()};
    case 3:
      return Sync{draw_path()};
    case 4: {
      Multi multi;
      const auto count = *rc::gen::inRange(0, 4);
      for (int i = 0; i < count; ++i) {
        multi.ops.push_back(draw_multi_op());
      }
      return multi;
    }
    case 5:
      return CreateSession{*rc::gen::inRange<int64_t>(1, 3000)};
    case 6:
      return Touch{};
    case 7:
      return CloseSession{};
    case 8:
    case 9:
      return ExpireSession{};
    default: {
      // The multi ops that are also top-level ops (check is not: a read instead).
      const MultiOp op = draw_multi_op();
      if (const auto* create = std::get_if<Create>(&op)) {
        return *create;
      }
      if (const auto* del = std::get_if<Delete>(&op)) {
        return *del;
      }
      if (const auto* set = std::get_if<SetData>(&op)) {
        return *set;
      }
      return GetData{std::get<Check>(op).path};
    }
  }
}

Command draw_command() {
  Command command;
  command.op = draw_op();
  command.session = std::holds_alternative<CreateSession>(command.op) ? 0 : *rc::gen::inRange<SessionId>(0, 4);
  return command;
}

struct Step {
  Command command;
  ApplyContext context;
};

// zxids with gaps (protocol-only entries), timestamps that mostly move forward.
std::vector<Step> draw_steps() {
  const auto count = *rc::gen::inRange<size_t>(0, 80);
  std::vector<Step> steps;
  uint64_t zxid = 0;
  int64_t time_ms = 0;
  for (size_t i = 0; i < count; ++i) {
    zxid += *rc::gen::inRange<uint64_t>(1, 3);
    time_ms += *rc::gen::inRange<int64_t>(-300, 1500);
    steps.push_back({draw_command(), at(zxid, time_ms)});
  }
  return steps;
}

RC_GTEST_PROP(ZnodeProperty, ReplicaRestoredFromAMidwaySnapshotContinuesIdentically, ()) {
  const std::vector<Step> steps = draw_steps();
  const auto cut = *rc::gen::inRange<size_t>(0, steps.size() + 1);
  ZnodeService original;
  for (size_t i = 0; i < cut; ++i) {
    original.apply(steps[i].command, steps[i].context);
  }
  ZnodeService restored;
  restored.apply(Command{0, Create{"/junk", "", CreateMode::kPersistent}}, at(1));
  restored.restore(original.snapshot());
  RC_ASSERT(restored.digest() == original.digest());
  RC_ASSERT(restored.state() == original.state());
  for (size_t i = cut; i < steps.size(); ++i) {
    const Response expected = original.apply(steps[i].command, steps[i].context);
    const Response actual = restored.apply(steps[i].command, steps[i].context);
    RC_ASSERT(actual == expected);
    RC_ASSERT(restored.digest() == original.digest());
  }
}

RC_GTEST_PROP(ZnodeProperty, SameCommandsGiveSameResponsesAndDigestAndKeepTheInvariants, ()) {
  ZnodeService one;
  ZnodeService two;
  for (const Step& step : draw_steps()) {
    RC_ASSERT(one.apply(step.command, step.context) == two.apply(step.command, step.context));
    one.state().check_invariants();
  }
  RC_ASSERT(one.digest() == two.digest());
}

// Without a session nothing is touched, so a command that fails must leave the state as it was;
// so must a read, a sync and an expiry that does not expire.
RC_GTEST_PROP(ZnodeProperty, CommandsThatFailOrOnlyReadChangeNothing, ()) {
  ZnodeService service;
  for (const Step& step : draw_steps()) {
    const uint64_t before = service.digest();
    const Response response = service.apply(step.command, step.context);
    const Op& op = step.command.op;
    const bool only_observes = is_read(op) || std::holds_alternative<Sync>(op) ||
                               (std::holds_alternative<ExpireSession>(op) && !response.expired);
    if (step.command.session == 0 && (response.code != Code::kOk || only_observes)) {
      RC_ASSERT(service.digest() == before);
    }
    if (response.code != Code::kOk && std::holds_alternative<Multi>(op) && response.code != Code::kSessionExpired) {
      RC_ASSERT(response.results.size() == std::get<Multi>(op).ops.size());
    }
  }
}

RC_GTEST_PROP(ZnodeProperty, LocalReadsAgreeWithReadsThroughTheLog, ()) {
  ZnodeService service;
  for (const Step& step : draw_steps()) {
    service.apply(step.command, step.context);
  }
  // Without a session: a read through the log would touch it, a local read does not.
  const Command read{0, *rc::gen::element<Op>(GetData{draw_path()}, Exists{draw_path()}, GetChildren{draw_path()})};
  Response local = service.read(read);
  Response logged = service.apply(read, at(service.last_zxid() + 1));
  RC_ASSERT(local.zxid + 1 == logged.zxid);
  local.zxid = logged.zxid;
  RC_ASSERT(local == logged);
}

RC_GTEST_PROP(ZnodeProperty, ExpiredSessionsAreExactlyThoseAnExpiryWouldEnd, ()) {
  ZnodeService service;
  for (const Step& step : draw_steps()) {
    service.apply(step.command, step.context);
  }
  // Anywhere, or right at a deadline or one nanosecond either side of it.
  std::vector<int64_t> deadlines = {0};
  for (const auto& entry : service.state().sessions.sessions()) {
    deadlines.push_back(entry.second.deadline_ns);
  }
  const int64_t near_deadline = *rc::gen::elementOf(deadlines) + *rc::gen::inRange<int64_t>(-1, 2);
  const auto now_ns =
      *rc::gen::oneOf(rc::gen::just(near_deadline), rc::gen::inRange<int64_t>(0, testing::ms_to_ns(200'000)));
  const std::vector<SessionId> expired = service.expired_sessions(now_ns);
  for (const auto& entry : service.state().sessions.sessions()) {
    ZnodeService probe;
    probe.restore(service.snapshot());
    const auto zxid = static_cast<uint64_t>(service.last_zxid()) + 1;
    const Response response = probe.apply(Command{entry.first, ExpireSession{}}, ApplyContext{zxid, now_ns});
    const bool listed = std::find(expired.begin(), expired.end(), entry.first) != expired.end();
    RC_ASSERT(response.expired == listed);
    if (response.expired) {
      RC_ASSERT(probe.state().tree.ephemerals(entry.first).empty());
    }
  }
}

RC_GTEST_PROP(ZnodeProperty, CommandsAndResponsesRoundTripThroughTheirEncoding, ()) {
  ZnodeService service;
  for (const Step& step : draw_steps()) {
    const auto decoded = decode_command(encode(step.command));
    RC_ASSERT(decoded.ok());
    RC_ASSERT(*decoded.value == step.command);
    RC_ASSERT(digest(*decoded.value) == digest(step.command));
    const Response response = service.apply(step.command, step.context);
    const auto decoded_response = decode_response(encode(response));
    RC_ASSERT(decoded_response.ok());
    RC_ASSERT(*decoded_response.value == response);
  }
}

}  // namespace
}  // namespace consim::services::znode
