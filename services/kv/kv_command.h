// The kv service's commands and responses (etcd v3 semantics): plain values, so the harness can
// carry them in log entries, the history recorder can print them and tests can compare them.
//
// Revisions follow etcd's MVCC store: the store starts at revision 1; every command that changes
// a key increments it by one (a command that deletes several keys, like a lease revoke, still
// counts once); a failed compare-and-swap, a delete of an absent key and the lease commands that
// delete nothing leave it alone. Per key: create_revision (the revision that created it),
// mod_revision (the last one that wrote it) and version (puts since creation: 1 after the
// creating put; a delete ends the key, and a put after it starts again at 1).
//
// Encoding: encode() gives one line of JSON with the operation in "f" ({"f":"put","key":"k",
// "value":"v"}); fields at their default value are left out. decode_*() are strict: unknown
// operations, unknown fields and wrong types are errors naming the field. Keys and values are
// UTF-8 text for the encoding (other bytes do not round-trip); the service itself takes any bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "services/common/decoded.h"

namespace consim::services::kv {

using Revision = int64_t;
using LeaseId = int64_t;  // 0 = no lease

// Reads the key (etcd Range on one key). Not an error when absent: the response has no kv.
struct Get {
  std::string key;
  bool operator==(const Get&) const = default;
};

// Writes the key. `lease` attaches it to a live lease (0: no lease; a put without a lease also
// detaches the key from the lease it had, as etcd does). Fails LeaseNotFound for an unknown lease.
struct Put {
  std::string key;
  std::string value;
  LeaseId lease = 0;
  bool operator==(const Put&) const = default;
};

struct Delete {
  std::string key;
  bool operator==(const Delete&) const = default;
};

// One etcd Txn compare, equality only. An absent key has version, create_revision and
// mod_revision 0, and fails every value compare (etcd: "always fail if comparing a value on a
// key that doesn't exist"), so `version == 0` means "create only if absent".
struct Compare {
  enum class Target : uint8_t { kValue, kVersion, kCreateRevision, kModRevision };
  Target target = Target::kValue;
  std::string value;   // kValue
  int64_t number = 0;  // the other targets
  bool operator==(const Compare&) const = default;
};

// etcd Txn{If: compare, Then: put(key, value, lease), Else: get(key)}. Fails CompareFailed (the
// response then carries the key as it is); LeaseNotFound is checked only when the compare holds.
struct Cas {
  std::string key;
  Compare compare;
  std::string value;
  LeaseId lease = 0;
  bool operator==(const Cas&) const = default;
};

// Creates a lease that expires ttl_ms after the command's timestamp unless kept alive. The
// service chooses the id (1, 2, 3, ... in grant order). Fails InvalidArgument unless
// 0 < ttl_ms <= kLeaseTtlMsMax.
struct LeaseGrant {
  int64_t ttl_ms = 0;
  bool operator==(const LeaseGrant&) const = default;
};

// Moves the lease's deadline to the command's timestamp + its TTL (never earlier than it was).
struct LeaseKeepAlive {
  LeaseId lease = 0;
  bool operator==(const LeaseKeepAlive&) const = default;
};

// Ends the lease and deletes its keys at one new revision (none if it had no keys).
struct LeaseRevoke {
  LeaseId lease = 0;
  bool operator==(const LeaseRevoke&) const = default;
};

// Proposed by a leader whose clock says the lease is past its deadline. Revokes it only if the
// lease is still alive and its deadline <= the command's timestamp; otherwise (kept alive since,
// or already gone) nothing changes, so an expiry decided by a deposed leader does no harm.
struct LeaseExpire {
  LeaseId lease = 0;
  bool operator==(const LeaseExpire&) const = default;
};

using Command = std::variant<Get, Put, Delete, Cas, LeaseGrant, LeaseKeepAlive, LeaseRevoke, LeaseExpire>;

inline constexpr int64_t kLeaseTtlMsMax = int64_t{9'000'000'000} * 1000;  // etcd's MaxLeaseTTL, 9e9 s

// Result codes. Get of an absent key and a no-op expiry are not errors.
enum class Code : uint8_t {
  kOk,
  kCompareFailed,    // cas: the compare did not hold; nothing changed
  kLeaseNotFound,    // put/cas with an unknown lease; keep-alive, revoke or expire of one
  kInvalidArgument,  // empty key, TTL out of range
};

struct KeyValue {
  std::string key;
  std::string value;
  Revision create_revision = 0;
  Revision mod_revision = 0;
  int64_t version = 0;
  LeaseId lease = 0;
  bool operator==(const KeyValue&) const = default;
};

struct Response {
  Code code = Code::kOk;
  Revision revision = 0;            // the store's revision after the command (etcd's header revision)
  std::optional<KeyValue> kv;       // get: the key, if present; failed cas: the key as it is, if present
  std::optional<KeyValue> prev_kv;  // put, delete, successful cas: the key before, if present
  int64_t deleted = 0;              // delete, lease_revoke, lease_expire: keys deleted
  LeaseId lease = 0;                // lease_grant, lease_keep_alive: the lease
  int64_t ttl_ms = 0;               // lease_grant, lease_keep_alive: its TTL
  bool expired = false;             // lease_expire: true when this command ended the lease
  bool operator==(const Response&) const = default;
};

// "put", "lease_grant": the value of "f" in the encoding.
std::string_view command_name(const Command& command);
// Get is the only read: it changes nothing and may be served without the log.
bool is_read(const Command& command);
std::string_view code_name(Code code);  // "Ok", "CompareFailed", ...
std::optional<Code> code_from_name(std::string_view name);
std::string_view target_name(Compare::Target target);  // "value", "version", "create_revision", "mod_revision"
std::optional<Compare::Target> target_from_name(std::string_view name);

// Identifies the command's content (for log hash chains); integer-only, the same on every build.
uint64_t digest(const Command& command);

// One line for humans: `put "k" "v" lease=3`, `Ok rev=5 prev={"k"="v" c=2 m=4 v=2}`.
std::string describe(const Command& command);
std::string describe(const KeyValue& kv);
std::string describe(const Response& response);

std::string encode(const Command& command);
std::string encode(const Response& response);
Decoded<Command> decode_command(std::string_view text);
Decoded<Response> decode_response(std::string_view text);

}  // namespace consim::services::kv
