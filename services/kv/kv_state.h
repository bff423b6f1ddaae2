// The kv service's whole state: what a snapshot holds and what digest() covers.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "services/kv/kv_command.h"

namespace consim::services::kv {

struct Lease {
  LeaseId id = 0;
  int64_t ttl_ms = 0;
  // The lease may be expired by a command whose timestamp is >= this (proposer's time line, ns).
  int64_t deadline_ns = 0;
  std::set<std::string> keys;  // the keys attached to it
  bool operator==(const Lease&) const = default;
};

// Invariants (check_invariants()): every key's lease exists and lists the key, and every key a
// lease lists exists and names that lease; 1 < create_revision <= mod_revision <= revision;
// version >= 1; next_lease_id is above every lease id.
struct KvState {
  Revision revision = 1;  // etcd's store starts at revision 1: the first write makes it 2
  LeaseId next_lease_id = 1;
  uint64_t applied_index = 0;  // the last applied command's log index; not part of the digest
  std::map<std::string, KeyValue> keys;
  std::map<LeaseId, Lease> leases;

  // Over everything but applied_index, in key order: equal states have equal digests on every build.
  uint64_t digest() const;
  // An estimate of the state's size as a snapshot on disk or on the wire, for byte accounting.
  uint64_t bytes() const;
  // Several lines: the revision, then one line per key and per lease.
  std::string describe() const;
  // Aborts (CONSIM_ASSERT) on a broken invariant. O(n): for tests and debugging.
  void check_invariants() const;

  bool operator==(const KvState&) const = default;
};

}  // namespace consim::services::kv
