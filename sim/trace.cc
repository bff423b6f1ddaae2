#include "sim/trace.h"

#include <bit>
#include <cstdio>
#include <cstring>
#include <ostream>

namespace consim::sim {
namespace {

template <typename T>
const T* find_field(const TraceRecord& record, std::string_view key) {
  for (const auto& [name, value] : record.fields) {
    if (name == key) {
      return std::get_if<T>(&value);
    }
  }
  return nullptr;
}

}  // namespace

const int64_t* TraceRecord::int_field(std::string_view key) const { return find_field<int64_t>(*this, key); }
const std::string* TraceRecord::string_field(std::string_view key) const { return find_field<std::string>(*this, key); }
const bool* TraceRecord::bool_field(std::string_view key) const { return find_field<bool>(*this, key); }

void append_json_string(std::string_view text, std::string& out) {
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void append_canonical_json(const TraceRecord& record, std::string& out) {
  out += "{\"t\":";
  out += std::to_string(record.time.ns);
  if (record.node) {
    out += ",\"node\":";
    append_json_string(record.node->name(), out);
  }
  out += ",\"kind\":";
  append_json_string(record.kind, out);
  for (const auto& [key, value] : record.fields) {
    out.push_back(',');
    append_json_string(key, out);
    out.push_back(':');
    if (const auto* integer = std::get_if<int64_t>(&value)) {
      out += std::to_string(*integer);
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      append_json_string(*text, out);
    } else {
      out += std::get<bool>(value) ? "true" : "false";
    }
  }
  out.push_back('}');
}

namespace detail {
namespace {
constexpr size_t kPoolLimit = 64;
thread_local std::vector<TraceFields> field_pool;
}  // namespace

TraceFields acquire_fields() {
  if (field_pool.empty()) {
    TraceFields fields;
    fields.reserve(8);
    return fields;
  }
  TraceFields fields = std::move(field_pool.back());
  field_pool.pop_back();
  return fields;
}

void release_fields(TraceFields&& fields) {
  if (field_pool.size() < kPoolLimit) {
    fields.clear();
    field_pool.push_back(std::move(fields));
  }
}
}  // namespace detail

namespace {

// A streaming 64-bit hash over integers: xor in, multiply, xor-shift (the murmur3 finalizer's
// shape). Not cryptographic; it only has to make accidental collisions between runs unlikely.
class Hasher {
 public:
  explicit Hasher(uint64_t state) : state_(state) {}
  void add(uint64_t value) {
    state_ ^= value;
    state_ *= 0xff51afd7ed558ccdULL;
    state_ ^= state_ >> 32;
  }
  void add(std::string_view bytes) {
    add(static_cast<uint64_t>(bytes.size()));
    size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
      add(load(bytes.data() + i, 8));
    }
    if (i < bytes.size()) {
      add(load(bytes.data() + i, bytes.size() - i));
    }
  }
  uint64_t value() const { return state_; }

 private:
  // The bytes read as a little-endian word, whatever the machine.
  static uint64_t load(const char* data, size_t count) {
    uint64_t word = 0;
    std::memcpy(&word, data, count);
    if constexpr (std::endian::native == std::endian::big) {
      word = __builtin_bswap64(word);
    }
    return word;
  }
  uint64_t state_;
};

}  // namespace

uint64_t fold_record(uint64_t digest, const TraceRecord& record) {
  Hasher hasher(digest);
  hasher.add(static_cast<uint64_t>(record.time.ns));
  hasher.add(record.node ? static_cast<uint64_t>(record.node->index) + 1 : 0);
  hasher.add(std::string_view(record.kind));
  hasher.add(static_cast<uint64_t>(record.fields.size()));
  for (const auto& [key, value] : record.fields) {
    hasher.add(std::string_view(key));
    hasher.add(static_cast<uint64_t>(value.index()));
    if (const auto* integer = std::get_if<int64_t>(&value)) {
      hasher.add(static_cast<uint64_t>(*integer));
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      hasher.add(std::string_view(*text));
    } else {
      hasher.add(static_cast<uint64_t>(std::get<bool>(value) ? 1 : 0));
    }
  }
  return hasher.value();
}

uint64_t digest_of(const std::vector<TraceRecord>& records) {
  uint64_t digest = kEmptyTraceDigest;
  for (const TraceRecord& record : records) {
    digest = fold_record(digest, record);
  }
  return digest;
}

void Trace::emit(SimTime time, TraceEvent event) {
  TraceRecord& record = event.record_;
  record.time = time;
  digest_ = fold_record(digest_, record);
  ++count_;
  if (out_ != nullptr) {
    line_.clear();
    append_canonical_json(record, line_);
    line_.push_back('\n');
    out_->write(line_.data(), static_cast<std::streamsize>(line_.size()));
  }
  for (const Subscriber& subscriber : subscribers_) {
    subscriber(record);
  }
  if (keep_) {
    kept_.push_back(std::move(record));
  }
}

std::string format_digest(uint64_t digest) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(digest));
  return text;
}

}  // namespace consim::sim
