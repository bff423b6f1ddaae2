// Interned values for the models' states: equal values get equal ids, so the search compares
// and hashes states as integers.
//
// Strings can grow by appending without being copied (Porcupine's kv histories append to the
// same key hundreds of times, and each copy of a growing string made the check quadratic): an
// appended string is a node (prefix id, piece), with its length and a polynomial hash of its
// content that extends in O(1). Interning stays exact: two ids are equal exactly when the
// values are, because a new node whose (length, hash) matches an existing one is compared by
// content before it is given an id of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "checkers/linearizability/value.h"

namespace consim::checkers::lin {

class ValueStore {
 public:
  uint32_t intern(const Value& value);
  // An appendable piece of text (interned: equal texts, equal ids).
  uint32_t piece(std::string_view text);
  // The id of `base` with piece `piece` appended, where null counts as ""; nothing when `base`
  // is neither a string nor null.
  std::optional<uint32_t> append(uint32_t base, uint32_t piece);

  Value value(uint32_t id) const;
  // The text of a string value, "" for null; nothing for other values.
  std::optional<std::string> string_of(uint32_t id) const;
  size_t size() const { return nodes_.size(); }
  size_t memory_bytes() const;

 private:
  static constexpr uint32_t kNone = ~uint32_t{0};

  struct Node {
    Value::Kind kind;
    uint32_t parent;  // appended strings: the prefix; kNone for a value interned whole
    uint32_t index;   // appended strings: the piece; otherwise the value in whole_
    uint32_t length;  // strings: bytes
    uint64_t hash;    // strings: polynomial hash of the content; others: of the EDN rendering
  };

  std::string text(uint32_t id) const;  // a string node's content
  uint32_t find(uint64_t hash, const Node& like, const std::string& content) const;
  uint32_t add(const Node& node);
  void index(uint32_t id);

  std::vector<Node> nodes_;
  std::vector<Value> whole_;
  std::vector<std::string> pieces_;
  std::vector<uint64_t> piece_hash_;
  std::vector<uint64_t> piece_power_;  // kBase^length, to extend a hash by the piece
  std::unordered_map<std::string, uint32_t> piece_ids_;
  std::vector<uint32_t> by_hash_;  // open addressing over node ids (all but integers); kNone is free
  std::unordered_map<int64_t, uint32_t> integers_;
  size_t text_bytes_ = 0;
};

}  // namespace consim::checkers::lin
