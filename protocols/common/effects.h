// What flows in and out of a protocol node, protocol-agnostic: messages, storage writes, trace
// events, client requests and their outcomes. The harness maps these onto the simulator; the
// protocol never sees it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "base/field_hash.h"
#include "base/fields.h"
#include "base/payload.h"
#include "protocols/common/ids.h"

namespace consim::protocols {

// An immutable message body. kind() names it in traces ("AppendEntries").
class Message : public Payload {
 public:
  Message() : Payload(Family::protocol_message) {}
};
using MessagePtr = std::shared_ptr<const Message>;

// An immutable piece of data a protocol stores or replicates without interpreting it all:
// a log entry on disk, a client command, a snapshot of the service. digest() identifies the
// content (two records with equal digests are taken as equal by hash chains and checkers).
class Record : public Payload {
 public:
  Record() : Payload(Family::protocol_record) {}
  virtual uint64_t digest() const = 0;
  // Its size as stored or sent, for byte accounting.
  virtual uint32_t bytes() const { return 16; }
};
using RecordPtr = std::shared_ptr<const Record>;

// How a message travels: datagram (may be lost, duplicated or reordered) or a FIFO stream to
// the peer (the host keeps one per peer and tells the node when it breaks).
enum class Channel : uint8_t { kDatagram, kStream };

struct Outgoing {
  NodeId to;
  MessagePtr message;
  uint32_t bytes = 0;
  Channel channel = Channel::kDatagram;
};

// One record as stored on disk. A torn record is a partial write found on recovery: its
// content must not be trusted.
struct StoredRecord {
  RecordPtr record;
  uint32_t bytes = 0;
  bool torn = false;
};

// What a node finds on its disk when it (re)starts: file -> records in order.
using Recovered = std::map<std::string, std::vector<StoredRecord>>;

struct StorageWrite {
  enum class Kind : uint8_t { kAppend, kTruncateSuffix, kTruncatePrefix, kReplace, kRemove };
  Kind kind = Kind::kAppend;
  std::string file;
  std::vector<StoredRecord> records;  // append: one or more, in order; replace: the new contents
  uint64_t count = 0;                 // truncate_suffix: records kept; truncate_prefix: records dropped
};

// A structured trace event from a protocol; the harness stamps time and node.
// Values are integers, strings or booleans, as in the simulator's trace. Keys must be string
// literals (they are kept by reference all the way into the trace).
class Event {
 public:
  using Value = FieldValue;

  explicit Event(Name kind) : kind_(kind), fields_(acquire_fields()) {}
  ~Event() { release_fields(std::move(fields_)); }
  Event(const Event&) = default;
  Event(Event&&) = default;
  Event& operator=(const Event&) = default;
  Event& operator=(Event&&) = default;

  // On a temporary, add() returns it as an rvalue so that `emit(Event("x").add(...))` moves.
  // Each field is also folded into the fields' hash (base/field_hash.h) as it is added, so that
  // the trace need not read the fields again to digest the record.
  //
  // Always inlined, down to where the key is written into its field: a Name is three words, and
  // a call that gets one in memory (by value, or by reference as emplace_back does) copies it
  // with a wide load just after the caller stored it word by word, which the processor cannot
  // forward from those stores (a stall of a dozen cycles, on nearly every field of every event).
  // Inlined, the key is a constant stored straight into the field.
  template <typename V>
  [[gnu::always_inline]] Event& add(Name key, V value) & {
    put(key, value);
    return *this;
  }
  template <typename V>
  [[gnu::always_inline]] Event&& add(Name key, V value) && {
    return std::move(add(key, value));
  }

  Name kind() const { return kind_; }
  const Fields& fields() const { return fields_; }
  // The hash of fields(), as the trace folds a record's fields (detail::fold_field in order).
  uint64_t fields_hash() const { return hash_.value(); }
  // The fields, taken: the event is left without any.
  Fields take_fields() && { return std::move(fields_); }

 private:
  // The value built in place as its alternative of FieldValue (0 integer, 1 string, 2 boolean).
  // The key is written here, after emplace_back (a call) appended the field with an empty one,
  // so that it is never copied from memory (see add()).
  template <size_t I, typename T>
  [[gnu::always_inline]] void emplace(Name key, T&& value) {
    Field& field = fields_.emplace_back(std::piecewise_construct, std::forward_as_tuple(),
                                        std::forward_as_tuple(std::in_place_index<I>, std::forward<T>(value)));
    field.first = key;
  }
  [[gnu::always_inline]] void put_integer(Name key, int64_t value) {
    fold_field(hash_, key, value);
    emplace<0>(key, value);
  }
  [[gnu::always_inline]] void put_string(Name key, std::string value) {
    fold_field(hash_, key, std::string_view(value));
    emplace<1>(key, std::move(value));
  }
  // One overload per accepted type, as FieldValue stores it.
  [[gnu::always_inline]] void put(Name key, bool value) {
    fold_field(hash_, key, value);
    emplace<2>(key, value);
  }
  [[gnu::always_inline]] void put(Name key, int value) { put_integer(key, static_cast<int64_t>(value)); }
  [[gnu::always_inline]] void put(Name key, uint32_t value) { put_integer(key, static_cast<int64_t>(value)); }
  [[gnu::always_inline]] void put(Name key, int64_t value) { put_integer(key, value); }
  [[gnu::always_inline]] void put(Name key, uint64_t value) { put_integer(key, static_cast<int64_t>(value)); }
  [[gnu::always_inline]] void put(Name key, std::string_view value) { put_string(key, std::string(value)); }
  [[gnu::always_inline]] void put(Name key, const std::string& value) { put_string(key, value); }
  [[gnu::always_inline]] void put(Name key, const char* value) { put_string(key, std::string(value)); }
  [[gnu::always_inline]] void put(Name key, NodeId node) { put_string(key, node.name()); }
  [[gnu::always_inline]] void put(Name key, Term term) { put_integer(key, static_cast<int64_t>(term.value)); }
  [[gnu::always_inline]] void put(Name key, LogIndex index) { put_integer(key, static_cast<int64_t>(index.value)); }

  Name kind_;
  Fields fields_;
  Hasher hash_{kEmptyFieldsHash};
};

// How a client wants a read served.
enum class ReadMode : uint8_t {
  kLog,        // through the log, like a write (Raft `log`)
  kReadIndex,  // leader confirms leadership with a quorum round (Raft `read_index`)
  kLease,      // leader answers within its lease, no round (Raft `lease`)
  kLocal,      // any replica answers from what it has applied: may be stale by design
  kSync,       // ZooKeeper: sync with the leader first, then read locally
};

struct ClientRequest {
  enum class Kind : uint8_t { kWrite, kRead };
  RequestId id;
  Kind kind = Kind::kWrite;
  ReadMode read_mode = ReadMode::kLog;
  RecordPtr command;  // writes (and log reads): what goes through the log
};

// A request the node will not serve, with where to try instead.
struct Rejection {
  RequestId id;
  enum class Reason : uint8_t { kNotLeader, kNotReady, kTransferring, kDropped };
  Reason reason = Reason::kNotLeader;
  NodeId leader_hint;  // invalid when unknown
};

// A read that may be served once the node has applied `index` (0: serve from what is applied).
struct ReadReady {
  RequestId id;
  LogIndex index;
};

// A committed log entry handed to the application, in log order, exactly once per incarnation
// (after a restart the application is rebuilt from the snapshot and the log again).
struct Committed {
  LogIndex index;
  Term term;
  RecordPtr command;  // null for the protocol's own entries (no-op, configuration)
  RequestId request;  // the client request it carries, if any
  NodeId origin;      // the node that took the request from the client
};

}  // namespace consim::protocols
