#include "base/fields.h"

#include <mutex>
#include <ostream>
#include <set>

#include "base/field_hash.h"

namespace consim {

Name Name::intern(std::string_view text) {
  // A node-based set keeps every string where it is; names are few (kinds and keys), so the
  // set never grows large. The mutex only matters when several simulations parse at once.
  static std::mutex mutex;
  static std::set<std::string, std::less<>> names;
  const std::lock_guard<std::mutex> lock(mutex);
  auto it = names.find(text);
  if (it == names.end()) {
    it = names.emplace(text).first;
  }
  return Name(std::string_view(*it), hash_of(text));
}

std::ostream& operator<<(std::ostream& out, const Name& name) { return out << name.text(); }

void Hasher::add_words(const char* data, size_t count) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    add(load_word(data + i, 8));
  }
  if (i < count) {
    add(load_word(data + i, count - i));
  }
}

void fold_field(Hasher& hasher, const Name& key, const FieldValue& value) {
  if (const auto* integer = std::get_if<int64_t>(&value)) {
    fold_field(hasher, key, *integer);
  } else if (const auto* text = std::get_if<std::string>(&value)) {
    fold_field(hasher, key, std::string_view(*text));
  } else {
    fold_field(hasher, key, std::get<bool>(value));
  }
}

namespace {
constexpr size_t kPoolLimit = 64;
thread_local std::vector<Fields> field_pool;
}  // namespace

Fields acquire_fields() {
  if (field_pool.empty()) {
    Fields fields;
    fields.reserve(8);
    return fields;
  }
  Fields fields = std::move(field_pool.back());
  field_pool.pop_back();
  return fields;
}

void recycle_fields(Fields&& fields) {
  if (field_pool.size() < kPoolLimit) {
    // Moved before it is cleared: clearing writes where the vector ends, and moving it at once
    // after would read that back before the write completed (a stall on every record).
    field_pool.push_back(std::move(fields));
    field_pool.back().clear();
  }
}

}  // namespace consim
