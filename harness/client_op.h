// A client operation as the workload issues it, a server executes it and the history records
// it: service-agnostic, in the vocabulary of consim's history format (DESIGN.md, "Clients and
// histories"). Values are integers: the workload makes every written value unique, which is
// what lets the linearizability checker tell writes apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace consim::harness {

struct ClientOp {
  // kv: read, write, cas, delete. znode: get, create, set, delete, exists.
  std::string f;
  std::string key;                  // kv: "k3"; znode: "/k3"
  std::optional<int64_t> value;     // write, create, set: the value written; cas: the new value
  std::optional<int64_t> expected;  // cas: the value compared against
  std::optional<int64_t> version;   // znode set and delete: the expected version (-1 = any)
  bool ephemeral = false;           // znode create
  // znode: the client's session (0 = none). "open_session" asks for one (value = its timeout in
  // ms; the outcome's value is the new session's id); it is the client's business and never
  // appears in the history.
  int64_t session = 0;

  bool is_read() const { return f == "read" || f == "get" || f == "exists"; }
};

// How a server answered an operation that reached a decision (timeouts never get here).
struct OpOutcome {
  bool ok = true;
  std::string error;               // when !ok: "CompareFailed", "NoNode", "BadVersion", ...
  bool has_value = false;          // reads: whether the key existed / what was read
  std::optional<int64_t> value;    // reads: the value read (nullopt with has_value: absent)
  std::optional<int64_t> version;  // znode: the stat version after the operation, when known
  int64_t revision = 0;            // kv: the store revision; znode: the zxid (for the recorder)
  // The replica cannot tell the outcome (a copy of a request this replica saw applied only
  // through a snapshot): no answer goes out, and the client's timeout records an info.
  bool unknown = false;
};

}  // namespace consim::harness
