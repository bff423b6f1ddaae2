#include "checkers/linearizability/value_store.h"

#include <algorithm>

#include "base/assert.h"

namespace consim::checkers::lin {

namespace {

// Horner's rule over the bytes (each plus one, so that zero bytes count): the hash of a
// concatenation a + b is hash(a) * kBase^|b| + hash(b), all modulo 2^64.
constexpr uint64_t kBase = 0x9e3779b97f4a7c15ULL;

uint64_t string_hash(std::string_view text) {
  uint64_t hash = 0;
  for (const char c : text) {
    hash = hash * kBase + static_cast<unsigned char>(c) + 1;
  }
  return hash;
}

uint64_t power(size_t exponent) {
  uint64_t result = 1;
  uint64_t base = kBase;
  for (; exponent != 0; exponent >>= 1) {
    if ((exponent & 1) != 0) {
      result *= base;
    }
    base *= base;
  }
  return result;
}

uint64_t slot_hash(uint64_t hash, Value::Kind kind, uint32_t length) {
  uint64_t x = hash ^ (uint64_t{static_cast<uint8_t>(kind)} << 56) ^ (uint64_t{length} * 0xc2b2ae3d27d4eb4fULL);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

std::string ValueStore::text(uint32_t id) const {
  std::vector<uint32_t> chain;
  while (nodes_[id].parent != kNone) {
    chain.push_back(nodes_[id].index);
    id = nodes_[id].parent;
  }
  std::string out = whole_[nodes_[id].index].text;
  for (auto piece_id = chain.rbegin(); piece_id != chain.rend(); ++piece_id) {
    out += pieces_[*piece_id];
  }
  return out;
}

// An existing node equal to `like`, whose content (for strings) or EDN rendering is `content`;
// kNone when there is none.
uint32_t ValueStore::find(uint64_t hash, const Node& like, const std::string& content) const {
  if (by_hash_.empty()) {
    return kNone;
  }
  const size_t mask = by_hash_.size() - 1;
  for (size_t i = slot_hash(hash, like.kind, like.length) & mask; by_hash_[i] != kNone; i = (i + 1) & mask) {
    const uint32_t id = by_hash_[i];
    const Node& node = nodes_[id];
    if (node.hash != hash || node.kind != like.kind || node.length != like.length) {
      continue;
    }
    const bool equal =
        node.kind == Value::Kind::string ? text(id) == content : whole_[node.index].to_string() == content;
    if (equal) {
      return id;
    }
  }
  return kNone;
}

void ValueStore::index(uint32_t id) {
  const size_t mask = by_hash_.size() - 1;
  const Node& node = nodes_[id];
  size_t i = slot_hash(node.hash, node.kind, node.length) & mask;
  while (by_hash_[i] != kNone) {
    i = (i + 1) & mask;
  }
  by_hash_[i] = id;
}

uint32_t ValueStore::add(const Node& node) {
  CONSIM_ASSERT(nodes_.size() < kNone);
  const auto id = static_cast<uint32_t>(nodes_.size());
  nodes_.push_back(node);
  if (2 * nodes_.size() > by_hash_.size()) {
    by_hash_.assign(std::max<size_t>(64, 2 * by_hash_.size()), kNone);
    for (uint32_t old = 0; old < nodes_.size(); ++old) {
      if (nodes_[old].kind != Value::Kind::integer) {
        index(old);
      }
    }
  } else {
    index(id);
  }
  return id;
}

uint32_t ValueStore::intern(const Value& value) {
  if (value.kind == Value::Kind::integer) {
    // The common case (registers of integers) without rendering the value.
    const auto [it, inserted] = integers_.try_emplace(value.integer, static_cast<uint32_t>(nodes_.size()));
    if (inserted) {
      whole_.push_back(value);
      nodes_.push_back({Value::Kind::integer, kNone, static_cast<uint32_t>(whole_.size() - 1), 0, 0});
    }
    return it->second;
  }
  const bool is_string = value.kind == Value::Kind::string;
  std::string content = is_string ? value.text.str() : value.to_string();
  CONSIM_ASSERT(content.size() < kNone);
  const Node like{value.kind, kNone, 0, is_string ? static_cast<uint32_t>(content.size()) : 0, string_hash(content)};
  if (const uint32_t found = find(like.hash, like, content); found != kNone) {
    return found;
  }
  Node node = like;
  node.index = static_cast<uint32_t>(whole_.size());
  whole_.push_back(value);
  text_bytes_ += content.size();
  return add(node);
}

uint32_t ValueStore::piece(std::string_view text) {
  const auto [it, inserted] = piece_ids_.emplace(std::string(text), static_cast<uint32_t>(pieces_.size()));
  if (inserted) {
    pieces_.emplace_back(text);
    piece_hash_.push_back(string_hash(text));
    piece_power_.push_back(power(text.size()));
    text_bytes_ += 2 * text.size() + 64;
  }
  return it->second;
}

std::optional<uint32_t> ValueStore::append(uint32_t base, uint32_t piece_id) {
  CONSIM_ASSERT(base < nodes_.size());
  CONSIM_ASSERT(piece_id < pieces_.size());
  const Node& prefix = nodes_[base];
  if (prefix.kind == Value::Kind::null) {
    return intern(Value::of(pieces_[piece_id]));
  }
  if (prefix.kind != Value::Kind::string) {
    return std::nullopt;
  }
  const size_t length = size_t{prefix.length} + pieces_[piece_id].size();
  CONSIM_ASSERT(length < kNone);
  const Node node{Value::Kind::string, base, piece_id, static_cast<uint32_t>(length),
                  prefix.hash * piece_power_[piece_id] + piece_hash_[piece_id]};
  // Only a (length, hash) match needs the content, so appending is O(1) but for that check.
  if (!by_hash_.empty()) {
    const size_t mask = by_hash_.size() - 1;
    std::string content;
    for (size_t i = slot_hash(node.hash, node.kind, node.length) & mask; by_hash_[i] != kNone; i = (i + 1) & mask) {
      const Node& other = nodes_[by_hash_[i]];
      if (other.hash != node.hash || other.kind != node.kind || other.length != node.length) {
        continue;
      }
      if (content.empty()) {
        content = text(base) + pieces_[piece_id];
      }
      if (text(by_hash_[i]) == content) {
        return by_hash_[i];
      }
    }
  }
  return add(node);
}

Value ValueStore::value(uint32_t id) const {
  CONSIM_ASSERT(id < nodes_.size());
  const Node& node = nodes_[id];
  if (node.parent == kNone) {
    return whole_[node.index];
  }
  return Value::of(text(id));
}

std::optional<std::string> ValueStore::string_of(uint32_t id) const {
  CONSIM_ASSERT(id < nodes_.size());
  if (nodes_[id].kind == Value::Kind::null) {
    return std::string();
  }
  if (nodes_[id].kind != Value::Kind::string) {
    return std::nullopt;
  }
  return text(id);
}

size_t ValueStore::memory_bytes() const {
  return nodes_.capacity() * sizeof(Node) + whole_.capacity() * sizeof(Value) + by_hash_.capacity() * sizeof(uint32_t) +
         integers_.size() * 32 + text_bytes_;
}

}  // namespace consim::checkers::lin
