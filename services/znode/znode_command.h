// The znode service's commands and responses: ZooKeeper's client API as plain values
// (semantics from research/zab.md §b: PrepRequestProcessor and DataTree).
//
// A Command is one client request: the session that sends it (0: none) and the operation.
// Every command goes through the log and is applied at one zxid (the ApplyContext index),
// including those that fail: a failed conditional write is an error result ordered like any
// write, and changes nothing. Reads (get_data, exists, get_children) may also be served by
// ZnodeService::read() from a replica's state without the log, as ZooKeeper's local reads are.
//
// Encoding: encode() gives one line of JSON with the operation in "f" ({"f":"create",
// "path":"/a","data":"x","mode":"ephemeral","session":3}); fields at their default value are
// left out. decode_*() are strict: unknown operations, fields and wrong types are errors that
// name the field. Data is UTF-8 text for the encoding (other bytes do not round-trip).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "services/common/decoded.h"

namespace consim::services::znode {

using Zxid = int64_t;
using SessionId = int64_t;  // 0 = no session

// ZooKeeper's Stat. zxids are the ApplyContext index of the command; times are the proposer's
// timestamp in ms. Meaning and updates as zab.md §b.1.
struct Stat {
  Zxid czxid = 0;        // the create
  Zxid mzxid = 0;        // the last set_data (the create until then)
  Zxid pzxid = 0;        // the last child create or delete (the create until then)
  int64_t ctime_ms = 0;  // the create's timestamp
  int64_t mtime_ms = 0;  // the last set_data's timestamp
  int32_t version = 0;   // set_data count (wraps, skipping -1)
  int32_t cversion = 0;  // child creates (a delete does not change it)
  int32_t aversion = 0;  // ACL changes: always 0 (no ACLs here)
  SessionId ephemeral_owner = 0;
  int32_t data_length = 0;
  int32_t num_children = 0;
  bool operator==(const Stat&) const = default;
};

enum class CreateMode : uint8_t { kPersistent, kEphemeral, kPersistentSequential, kEphemeralSequential };

inline bool is_ephemeral(CreateMode mode) {
  return mode == CreateMode::kEphemeral || mode == CreateMode::kEphemeralSequential;
}
inline bool is_sequential(CreateMode mode) {
  return mode == CreateMode::kPersistentSequential || mode == CreateMode::kEphemeralSequential;
}

// A version of -1 matches any version.
inline constexpr int32_t kAnyVersion = -1;

// Creates path (for a sequential mode: path + the parent's cversion as 10 digits). An
// ephemeral node is owned by the command's session and cannot have children.
struct Create {
  std::string path;
  std::string data;
  CreateMode mode = CreateMode::kPersistent;
  bool operator==(const Create&) const = default;
};
struct Delete {
  std::string path;
  int32_t version = kAnyVersion;
  bool operator==(const Delete&) const = default;
};
struct SetData {
  std::string path;
  std::string data;
  int32_t version = kAnyVersion;
  bool operator==(const SetData&) const = default;
};
// Only inside a multi: fails unless the node exists with that version.
struct Check {
  std::string path;
  int32_t version = kAnyVersion;
  bool operator==(const Check&) const = default;
};
struct GetData {
  std::string path;
  bool operator==(const GetData&) const = default;
};
// Not an error when absent: the response has no stat.
struct Exists {
  std::string path;
  bool operator==(const Exists&) const = default;
};
// The children's names, sorted.
struct GetChildren {
  std::string path;
  bool operator==(const GetChildren&) const = default;
};
// A write barrier: changes nothing; when it is applied, every earlier write is too.
struct Sync {
  std::string path;
  bool operator==(const Sync&) const = default;
};

using MultiOp = std::variant<Create, Delete, SetData, Check>;

// All or nothing, at one zxid (zab.md §b.3).
struct Multi {
  std::vector<MultiOp> ops;
  bool operator==(const Multi&) const = default;
};

// Opens a session (the service chooses the id: 1, 2, 3, ...). The session expires timeout_ms
// after its last touch unless touched again. The timeout is taken as given: clamping it to
// [2, 20] ticks is the server's business before proposing.
struct CreateSession {
  int64_t timeout_ms = 0;
  bool operator==(const CreateSession&) const = default;
};
// A ping: moves the command's session's deadline to the timestamp + timeout (never earlier).
// Every other command of a live session touches it too.
struct Touch {
  bool operator==(const Touch&) const = default;
};
// Ends the command's session and deletes its ephemerals, at this zxid.
struct CloseSession {
  bool operator==(const CloseSession&) const = default;
};
// Proposed by a leader whose clock says the command's session is past its deadline. Closes it
// only if it is still alive and its deadline <= the command's timestamp; otherwise (touched
// since, or already closed) nothing changes.
struct ExpireSession {
  bool operator==(const ExpireSession&) const = default;
};

using Op = std::variant<Create, Delete, SetData, GetData, Exists, GetChildren, Sync, Multi, CreateSession, Touch,
                        CloseSession, ExpireSession>;

struct Command {
  SessionId session = 0;
  Op op;
  bool operator==(const Command&) const = default;
};

// ZooKeeper's error codes, with their numbers.
enum class Code : int32_t {
  kOk = 0,
  kRuntimeInconsistency = -2,  // multi: an op after the one that failed
  kBadArguments = -8,          // invalid path, timeout <= 0, ephemeral without a session
  kNoNode = -101,
  kBadVersion = -103,
  kNoChildrenForEphemerals = -108,
  kNodeExists = -110,
  kNotEmpty = -111,
  kSessionExpired = -112,  // the command's session is closed, expired or unknown
};

// One op of a multi. When the multi fails: Ok for the ops before the failing one (rolled back
// all the same), its error for it, RuntimeInconsistency for the ops after it.
struct OpResult {
  Code code = Code::kOk;
  std::string path;          // create: the path created (with the sequential suffix)
  std::optional<Stat> stat;  // create, set_data: the node's stat afterwards
  bool operator==(const OpResult&) const = default;
};

struct Response {
  Code code = Code::kOk;
  // Applied commands: the command's zxid. read(): the last zxid the replica applied.
  Zxid zxid = 0;
  std::string path;                   // create, sync: the path (create: with the sequential suffix)
  std::string data;                   // get_data
  std::optional<Stat> stat;           // create, set_data, get_data, get_children; exists: when present
  std::vector<std::string> children;  // get_children: the names, sorted
  std::vector<OpResult> results;      // multi: one per op
  SessionId session = 0;              // create_session: the new session
  int64_t timeout_ms = 0;             // create_session
  bool expired = false;               // expire_session: true when this command ended the session
  std::vector<std::string> deleted;   // close_session, expire_session: the ephemerals deleted, sorted
  bool operator==(const Response&) const = default;
};

// "create", "set_data", "create_session": the value of "f" in the encoding.
std::string_view op_name(const Op& op);
std::string_view multi_op_name(const MultiOp& op);
// get_data, exists and get_children: they change nothing and may be served without the log.
bool is_read(const Op& op);
std::string_view code_name(Code code);  // "NoNode", "BadVersion", ...
std::optional<Code> code_from_name(std::string_view name);
std::string_view mode_name(CreateMode mode);  // "persistent", "ephemeral_sequential", ...
std::optional<CreateMode> mode_from_name(std::string_view name);

// Identifies the command's content (for log hash chains); integer-only, the same on every build.
uint64_t digest(const Command& command);

// One line for humans: `session 3: create "/a" "x" ephemeral`, `NoNode zxid=7`.
std::string describe(const Command& command);
std::string describe(const Stat& stat);
std::string describe(const Response& response);

std::string encode(const Command& command);
std::string encode(const Response& response);
Decoded<Command> decode_command(std::string_view text);
Decoded<Response> decode_response(std::string_view text);

}  // namespace consim::services::znode
