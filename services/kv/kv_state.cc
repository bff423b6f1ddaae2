#include "services/kv/kv_state.h"

#include "base/assert.h"
#include "services/common/hasher.h"
#include "services/common/text.h"

namespace consim::services::kv {

uint64_t KvState::digest() const {
  Hasher hasher(0x6b76'7374'6174'65ULL);  // "kvstate"
  hasher.add(revision).add(next_lease_id).add(keys.size());
  for (const auto& entry : keys) {
    const KeyValue& kv = entry.second;
    hasher.add(kv.key).add(kv.value).add(kv.create_revision).add(kv.mod_revision).add(kv.version).add(kv.lease);
  }
  hasher.add(leases.size());
  for (const auto& entry : leases) {
    const Lease& lease = entry.second;
    hasher.add(lease.id).add(lease.ttl_ms).add(lease.deadline_ns).add(lease.keys.size());
    for (const std::string& key : lease.keys) {
      hasher.add(key);
    }
  }
  return hasher.value();
}

uint64_t KvState::bytes() const {
  uint64_t total = 24;
  for (const auto& entry : keys) {
    total += entry.second.key.size() + entry.second.value.size() + 32;
  }
  for (const auto& entry : leases) {
    total += 24 + 8 * entry.second.keys.size();
  }
  return total;
}

std::string KvState::describe() const {
  std::string text = "revision=" + std::to_string(revision) + " keys=" + std::to_string(keys.size()) +
                     " leases=" + std::to_string(leases.size()) + "\n";
  for (const auto& entry : keys) {
    text += "  " + kv::describe(entry.second) + "\n";
  }
  for (const auto& entry : leases) {
    const Lease& lease = entry.second;
    text += "  lease " + std::to_string(lease.id) + " ttl=" + std::to_string(lease.ttl_ms) +
            "ms deadline_ns=" + std::to_string(lease.deadline_ns) + " keys=[";
    bool first = true;
    for (const std::string& key : lease.keys) {
      text += (first ? "" : " ") + quote(key);
      first = false;
    }
    text += "]\n";
  }
  return text;
}

void KvState::check_invariants() const {
  CONSIM_ASSERT(revision >= 1);
  for (const auto& entry : keys) {
    const KeyValue& kv = entry.second;
    CONSIM_ASSERT(kv.key == entry.first);
    CONSIM_ASSERT(kv.create_revision > 1);
    CONSIM_ASSERT(kv.create_revision <= kv.mod_revision);
    CONSIM_ASSERT(kv.mod_revision <= revision);
    CONSIM_ASSERT(kv.version >= 1);
    if (kv.lease != 0) {
      const auto lease = leases.find(kv.lease);
      CONSIM_ASSERT(lease != leases.end());
      CONSIM_ASSERT(lease->second.keys.contains(kv.key));
    }
  }
  for (const auto& entry : leases) {
    const Lease& lease = entry.second;
    CONSIM_ASSERT(lease.id == entry.first);
    CONSIM_ASSERT(lease.id > 0);
    CONSIM_ASSERT(lease.id < next_lease_id);
    CONSIM_ASSERT(lease.ttl_ms > 0);
    for (const std::string& key : lease.keys) {
      const auto kv = keys.find(key);
      CONSIM_ASSERT(kv != keys.end());
      CONSIM_ASSERT(kv->second.lease == lease.id);
    }
  }
}

}  // namespace consim::services::kv
