// Properties of services/kv on random command sequences: agreement with a naive std::map model
// (get, put, delete, cas), snapshot-and-restore midway, determinism, invariants, and encoding
// round trips.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "service_test_util.h"
#include "services/kv/kv_service.h"

namespace consim::services::kv {
namespace {

using testing::at;

// Few keys and values, so that commands collide and compares sometimes hold.
std::string draw_key() { return *rc::gen::element<std::string>("a", "b", "c"); }
std::string draw_value() { return *rc::gen::element<std::string>("", "1", "2", "3"); }

Compare draw_compare() {
  Compare compare;
  compare.target = *rc::gen::element(Compare::Target::kValue, Compare::Target::kVersion,
                                     Compare::Target::kCreateRevision, Compare::Target::kModRevision);
  if (compare.target == Compare::Target::kValue) {
    compare.value = draw_value();
  } else {
    compare.number = *rc::gen::inRange<int64_t>(0, 8);
  }
  return compare;
}

// get, put, delete and cas, without leases.
Command draw_data_command() {
  switch (*rc::gen::inRange(0, 4)) {
    case 0:
      return Get{draw_key()};
    case 1:
      return Put{draw_key(), draw_value(), 0};
    case 2:
      return Delete{draw_key()};
    default:
      return Cas{draw_key(), draw_compare(), draw_value(), 0};
  }
}

// Everything, leases included (ids 0..4, so some are unknown).
Command draw_command() {
  const auto lease = *rc::gen::inRange<LeaseId>(0, 5);
  switch (*rc::gen::inRange(0, 9)) {
    case 0:
      return Put{draw_key(), draw_value(), lease};
    case 1:
      return Cas{draw_key(), draw_compare(), draw_value(), lease};
    case 2:
      return LeaseGrant{*rc::gen::inRange<int64_t>(1, 3000)};
    case 3:
      return LeaseKeepAlive{lease};
    case 4:
      return LeaseRevoke{lease};
    case 5:
    case 6:
      return LeaseExpire{lease};
    default:
      return draw_data_command();
  }
}

struct Step {
  Command command;
  ApplyContext context;
};

// Timestamps mostly move forward but may step back (a new leader's clock may be behind).
std::vector<Step> draw_steps(bool with_leases) {
  const auto count = *rc::gen::inRange<size_t>(0, 80);
  std::vector<Step> steps;
  int64_t time_ms = 0;
  for (size_t i = 0; i < count; ++i) {
    time_ms += *rc::gen::inRange<int64_t>(-300, 1500);
    steps.push_back({with_leases ? draw_command() : draw_data_command(), at(i + 1, time_ms)});
  }
  return steps;
}

// The naive reference: a map from key to (value, create, mod, version) and a counter.
class ReferenceKv {
 public:
  Response step(const Command& command) {
    if (const auto* get = std::get_if<Get>(&command)) {
      return respond(find(get->key), std::nullopt);
    }
    if (const auto* put = std::get_if<Put>(&command)) {
      return write(put->key, put->value);
    }
    if (const auto* del = std::get_if<Delete>(&command)) {
      const auto before = find(del->key);
      if (!before) {
        return respond(std::nullopt, std::nullopt);
      }
      keys_.erase(del->key);
      ++revision_;
      Response response = respond(std::nullopt, before);
      response.deleted = 1;
      return response;
    }
    const Cas& cas = std::get<Cas>(command);
    const auto current = find(cas.key);
    bool holds = false;
    switch (cas.compare.target) {
      case Compare::Target::kValue:
        holds = current && current->value == cas.compare.value;
        break;
      case Compare::Target::kVersion:
        holds = (current ? current->version : 0) == cas.compare.number;
        break;
      case Compare::Target::kCreateRevision:
        holds = (current ? current->create_revision : 0) == cas.compare.number;
        break;
      case Compare::Target::kModRevision:
        holds = (current ? current->mod_revision : 0) == cas.compare.number;
        break;
    }
    if (!holds) {
      Response response = respond(current, std::nullopt);
      response.code = Code::kCompareFailed;
      return response;
    }
    return write(cas.key, cas.value);
  }

 private:
  std::optional<KeyValue> find(const std::string& key) const {
    const auto it = keys_.find(key);
    if (it == keys_.end()) {
      return std::nullopt;
    }
    return KeyValue{key, it->second.value, it->second.create, it->second.mod, it->second.version, 0};
  }

  Response write(const std::string& key, const std::string& value) {
    const auto before = find(key);
    ++revision_;
    Entry& entry = keys_[key];
    if (!before) {
      entry = Entry{value, revision_, revision_, 1};
    } else {
      entry = Entry{value, entry.create, revision_, entry.version + 1};
    }
    return respond(std::nullopt, before);
  }

  Response respond(std::optional<KeyValue> kv, std::optional<KeyValue> prev) const {
    Response response;
    response.revision = revision_;
    response.kv = std::move(kv);
    response.prev_kv = std::move(prev);
    return response;
  }

  struct Entry {
    std::string value;
    Revision create = 0;
    Revision mod = 0;
    int64_t version = 0;
  };
  std::map<std::string, Entry> keys_;
  Revision revision_ = 1;
};

RC_GTEST_PROP(KvProperty, AgreesWithANaiveMapOnGetPutDeleteCas, ()) {
  KvService service;
  ReferenceKv reference;
  for (const Step& step : draw_steps(false)) {
    const Response actual = service.apply(step.command, step.context);
    const Response expected = reference.step(step.command);
    RC_ASSERT(actual == expected);
  }
}

RC_GTEST_PROP(KvProperty, ReplicaRestoredFromAMidwaySnapshotContinuesIdentically, ()) {
  const std::vector<Step> steps = draw_steps(true);
  const auto cut = *rc::gen::inRange<size_t>(0, steps.size() + 1);
  KvService original;
  for (size_t i = 0; i < cut; ++i) {
    original.apply(steps[i].command, steps[i].context);
  }
  KvService restored;
  restored.apply(Put{"junk", "overwritten by the restore"}, at(1));
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

RC_GTEST_PROP(KvProperty, SameCommandsGiveSameResponsesAndDigestAndKeepTheInvariants, ()) {
  const std::vector<Step> steps = draw_steps(true);
  KvService one;
  KvService two;
  for (const Step& step : steps) {
    RC_ASSERT(one.apply(step.command, step.context) == two.apply(step.command, step.context));
    one.state().check_invariants();
  }
  RC_ASSERT(one.digest() == two.digest());
}

RC_GTEST_PROP(KvProperty, ExpiredLeasesAreExactlyThoseAnExpiryWouldEnd, ()) {
  KvService service;
  for (const Step& step : draw_steps(true)) {
    service.apply(step.command, step.context);
  }
  // Anywhere, or right at a deadline or one nanosecond either side of it.
  std::vector<int64_t> deadlines = {0};
  for (const auto& entry : service.state().leases) {
    deadlines.push_back(entry.second.deadline_ns);
  }
  const int64_t near_deadline = *rc::gen::elementOf(deadlines) + *rc::gen::inRange<int64_t>(-1, 2);
  const auto now_ns =
      *rc::gen::oneOf(rc::gen::just(near_deadline), rc::gen::inRange<int64_t>(0, testing::ms_to_ns(200'000)));
  const std::vector<LeaseId> expired = service.expired_leases(now_ns);
  uint64_t index = service.applied_index();
  for (const auto& entry : service.state().leases) {
    KvService probe;
    probe.restore(service.snapshot());
    const Response response = probe.apply(LeaseExpire{entry.first}, ApplyContext{++index, now_ns});
    const bool listed = std::find(expired.begin(), expired.end(), entry.first) != expired.end();
    RC_ASSERT(response.expired == listed);
  }
}

std::string draw_text() { return *rc::gen::container<std::string>(rc::gen::inRange<char>(0, 127)); }

RC_GTEST_PROP(KvProperty, CommandsAndResponsesRoundTripThroughTheirEncoding, ()) {
  Command command = draw_command();
  if (auto* put = std::get_if<Put>(&command)) {
    put->key = draw_text();
    put->value = draw_text();
  }
  const auto decoded = decode_command(encode(command));
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded.value == command);
  RC_ASSERT(digest(*decoded.value) == digest(command));

  KvService service;
  for (const Step& step : draw_steps(true)) {
    const Response response = service.apply(step.command, step.context);
    const auto decoded_response = decode_response(encode(response));
    RC_ASSERT(decoded_response.ok());
    RC_ASSERT(*decoded_response.value == response);
  }
}

}  // namespace
}  // namespace consim::services::kv
