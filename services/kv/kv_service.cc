#include "services/kv/kv_service.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "base/assert.h"

namespace consim::services::kv {
namespace {

constexpr int64_t kNanosPerMilli = 1'000'000;

// now + ttl, saturating: a deadline past the end of time never comes, rather than wrapping.
int64_t deadline_after(int64_t now_ns, int64_t ttl_ms) {
  CONSIM_ASSERT(ttl_ms > 0);
  CONSIM_ASSERT(ttl_ms <= kLeaseTtlMsMax);
  const int64_t ttl_ns = ttl_ms * kNanosPerMilli;  // <= 9e18: no overflow
  if (now_ns > std::numeric_limits<int64_t>::max() - ttl_ns) {
    return std::numeric_limits<int64_t>::max();
  }
  return now_ns + ttl_ns;
}

bool compare_holds(const Compare& compare, const KeyValue* kv) {
  switch (compare.target) {
    case Compare::Target::kValue:
      return kv != nullptr && kv->value == compare.value;
    case Compare::Target::kVersion:
      return (kv != nullptr ? kv->version : 0) == compare.number;
    case Compare::Target::kCreateRevision:
      return (kv != nullptr ? kv->create_revision : 0) == compare.number;
    case Compare::Target::kModRevision:
      return (kv != nullptr ? kv->mod_revision : 0) == compare.number;
  }
  CONSIM_ASSERT(false);
  return false;
}

}  // namespace

Response KvService::apply(const Command& command, const ApplyContext& context) {
  CONSIM_ASSERT_MSG(context.index > state_.applied_index, "commands must be applied in log order, each once");
  state_.applied_index = context.index;
  const Revision before = state_.revision;
  Response response = std::visit([&](const auto& op) { return apply_one(op, context); }, command);
  // A command changes the revision by at most one, and only when it succeeds.
  CONSIM_ASSERT(state_.revision == before || state_.revision == before + 1);
  CONSIM_ASSERT(state_.revision == before || response.code == Code::kOk);
  CONSIM_ASSERT(response.revision == state_.revision);
  return response;
}

Response KvService::read(const Get& get) const {
  Response response = respond(get.key.empty() ? Code::kInvalidArgument : Code::kOk);
  if (const auto it = state_.keys.find(get.key); it != state_.keys.end()) {
    response.kv = it->second;
  }
  return response;
}

Response KvService::read(const Command& command) const {
  CONSIM_ASSERT(is_read(command));
  return read(std::get<Get>(command));
}

std::vector<LeaseId> KvService::expired_leases(int64_t now_ns) const {
  std::vector<LeaseId> expired;
  for (const auto& entry : state_.leases) {
    if (entry.second.deadline_ns <= now_ns) {
      expired.push_back(entry.first);
    }
  }
  return expired;
}

Snapshot KvService::snapshot() const { return std::make_shared<const KvState>(state_); }

void KvService::restore(const Snapshot& snapshot) { state_ = snapshot != nullptr ? *snapshot : KvState{}; }

Response KvService::respond(Code code) const {
  Response response;
  response.code = code;
  response.revision = state_.revision;
  return response;
}

Response KvService::apply_one(const Get& get, const ApplyContext& /*context*/) { return read(get); }

Response KvService::apply_one(const Put& put, const ApplyContext& /*context*/) {
  if (put.key.empty()) {
    return respond(Code::kInvalidArgument);
  }
  if (put.lease != 0 && !state_.leases.contains(put.lease)) {
    return respond(Code::kLeaseNotFound);
  }
  return write(put.key, put.value, put.lease);
}

Response KvService::apply_one(const Delete& del, const ApplyContext& /*context*/) {
  if (del.key.empty()) {
    return respond(Code::kInvalidArgument);
  }
  const auto it = state_.keys.find(del.key);
  if (it == state_.keys.end()) {
    return respond(Code::kOk);  // etcd: deleted = 0, the revision unchanged
  }
  ++state_.revision;
  Response response = respond(Code::kOk);
  response.prev_kv = it->second;
  response.deleted = 1;
  detach(it->second);
  state_.keys.erase(it);
  return response;
}

Response KvService::apply_one(const Cas& cas, const ApplyContext& /*context*/) {
  if (cas.key.empty()) {
    return respond(Code::kInvalidArgument);
  }
  const auto it = state_.keys.find(cas.key);
  const KeyValue* current = it != state_.keys.end() ? &it->second : nullptr;
  if (!compare_holds(cas.compare, current)) {
    Response response = respond(Code::kCompareFailed);
    if (current != nullptr) {
      response.kv = *current;
    }
    return response;
  }
  // etcd checks the lease of the branch the compare selected, after the compare.
  if (cas.lease != 0 && !state_.leases.contains(cas.lease)) {
    return respond(Code::kLeaseNotFound);
  }
  return write(cas.key, cas.value, cas.lease);
}

Response KvService::apply_one(const LeaseGrant& grant, const ApplyContext& context) {
  if (grant.ttl_ms <= 0 || grant.ttl_ms > kLeaseTtlMsMax) {
    return respond(Code::kInvalidArgument);
  }
  const LeaseId id = state_.next_lease_id++;
  Lease& lease = state_.leases[id];
  lease.id = id;
  lease.ttl_ms = grant.ttl_ms;
  lease.deadline_ns = deadline_after(context.timestamp_ns, grant.ttl_ms);
  Response response = respond(Code::kOk);
  response.lease = id;
  response.ttl_ms = grant.ttl_ms;
  return response;
}

Response KvService::apply_one(const LeaseKeepAlive& keep_alive, const ApplyContext& context) {
  const auto it = state_.leases.find(keep_alive.lease);
  if (it == state_.leases.end()) {
    return respond(Code::kLeaseNotFound);
  }
  Lease& lease = it->second;
  // Never earlier than it was: a new leader whose clock is behind the old one's must not
  // shorten a lease the old leader renewed.
  lease.deadline_ns = std::max(lease.deadline_ns, deadline_after(context.timestamp_ns, lease.ttl_ms));
  Response response = respond(Code::kOk);
  response.lease = lease.id;
  response.ttl_ms = lease.ttl_ms;
  return response;
}

Response KvService::apply_one(const LeaseRevoke& revoke_command, const ApplyContext& /*context*/) {
  if (!state_.leases.contains(revoke_command.lease)) {
    return respond(Code::kLeaseNotFound);
  }
  const int64_t deleted = revoke(revoke_command.lease);
  Response response = respond(Code::kOk);
  response.deleted = deleted;
  return response;
}

Response KvService::apply_one(const LeaseExpire& expire, const ApplyContext& context) {
  const auto it = state_.leases.find(expire.lease);
  if (it == state_.leases.end()) {
    return respond(Code::kLeaseNotFound);  // revoked or expired already: nothing to do
  }
  if (context.timestamp_ns < it->second.deadline_ns) {
    return respond(Code::kOk);  // kept alive since the leader decided: not expired
  }
  const int64_t deleted = revoke(expire.lease);
  Response response = respond(Code::kOk);
  response.deleted = deleted;
  response.expired = true;
  return response;
}

Response KvService::write(const std::string& key, const std::string& value, LeaseId lease) {
  CONSIM_ASSERT(lease == 0 || state_.leases.contains(lease));
  Response response;
  const Revision revision = ++state_.revision;
  auto [it, created] = state_.keys.try_emplace(key);
  KeyValue& kv = it->second;
  if (created) {
    kv.key = key;
    kv.create_revision = revision;
  } else {
    response.prev_kv = kv;
    if (kv.lease != lease) {
      detach(kv);
    }
  }
  kv.value = value;
  kv.mod_revision = revision;
  ++kv.version;
  kv.lease = lease;
  if (lease != 0) {
    state_.leases.at(lease).keys.insert(key);
  }
  response.code = Code::kOk;
  response.revision = revision;
  return response;
}

int64_t KvService::revoke(LeaseId id) {
  const auto it = state_.leases.find(id);
  CONSIM_ASSERT(it != state_.leases.end());
  const std::set<std::string> keys = std::move(it->second.keys);
  state_.leases.erase(it);
  if (!keys.empty()) {
    ++state_.revision;  // one revision for all of them, as etcd's single delete transaction
  }
  for (const std::string& key : keys) {
    const auto kv = state_.keys.find(key);
    CONSIM_ASSERT(kv != state_.keys.end());
    CONSIM_ASSERT(kv->second.lease == id);
    state_.keys.erase(kv);
  }
  return static_cast<int64_t>(keys.size());
}

void KvService::detach(const KeyValue& kv) {
  if (kv.lease == 0) {
    return;
  }
  const auto lease = state_.leases.find(kv.lease);
  CONSIM_ASSERT(lease != state_.leases.end());
  const size_t erased = lease->second.keys.erase(kv.key);
  CONSIM_ASSERT(erased == 1);
}

}  // namespace consim::services::kv
