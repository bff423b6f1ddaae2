#include "sim/trace.h"

#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ostream>

#include "base/assert.h"

namespace consim::sim {

namespace {

// Writers into a buffer known to be large enough (see the bounds): no capacity check per
// character. Traces stream hundreds of thousands of lines per simulated minute.

// Room for `text` as a JSON string literal: quotes, and at most 6 characters per byte (\u001f).
size_t json_string_bound(std::string_view text) { return 2 + 6 * text.size(); }
constexpr size_t kIntegerBound = 20;  // -9223372036854775808

char* write_escape(unsigned char c, char* p) {
  const char* short_form = nullptr;
  switch (c) {
    case '"':
      short_form = "\\\"";
      break;
    case '\\':
      short_form = "\\\\";
      break;
    case '\n':
      short_form = "\\n";
      break;
    case '\t':
      short_form = "\\t";
      break;
    case '\r':
      short_form = "\\r";
      break;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
      std::memcpy(p, escaped, sizeof escaped);
      return p + sizeof escaped;
    }
  }
  p[0] = short_form[0];
  p[1] = short_form[1];
  return p + 2;
}

char* write_json_string(std::string_view text, char* p) {
  *p++ = '"';
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != '"' && c != '\\') {
      *p++ = ch;
    } else {
      p = write_escape(c, p);
    }
  }
  *p++ = '"';
  return p;
}

char* write_integer(int64_t value, char* p) { return std::to_chars(p, p + kIntegerBound, value).ptr; }

char* write_literal(std::string_view text, char* p) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

size_t canonical_json_bound(const TraceRecord& record) {
  size_t bound = 32 + kIntegerBound + json_string_bound(record.kind);  // {"t":N,"node":,"kind":}
  if (record.node) {
    bound += json_string_bound(record.node->name());
  }
  for (const auto& [key, value] : record.fields) {
    bound += 2 + json_string_bound(key);  // , and :
    if (const auto* text = std::get_if<std::string>(&value)) {
      bound += json_string_bound(*text);
    } else {
      bound += kIntegerBound;  // an integer, or true or false
    }
  }
  return bound;
}

char* write_canonical_json(const TraceRecord& record, char* p) {
  p = write_literal("{\"t\":", p);
  p = write_integer(record.time.ns, p);
  if (record.node) {
    p = write_literal(",\"node\":", p);
    p = write_json_string(record.node->name(), p);
  }
  p = write_literal(",\"kind\":", p);
  p = write_json_string(record.kind, p);
  for (const auto& [key, value] : record.fields) {
    *p++ = ',';
    p = write_json_string(key, p);
    *p++ = ':';
    if (const auto* integer = std::get_if<int64_t>(&value)) {
      p = write_integer(*integer, p);
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      p = write_json_string(*text, p);
    } else {
      p = write_literal(std::get<bool>(value) ? "true" : "false", p);
    }
  }
  *p++ = '}';
  return p;
}

// Runs `write` on room for `bound` more characters at the end of `out`, then trims the rest.
template <typename Write>
void append_bounded(std::string& out, size_t bound, Write write) {
  const size_t start = out.size();
  out.resize(start + bound);
  const char* end = write(out.data() + start);
  out.resize(static_cast<size_t>(end - out.data()));
}

}  // namespace

void append_json_string(std::string_view text, std::string& out) {
  append_bounded(out, json_string_bound(text), [&](char* p) { return write_json_string(text, p); });
}

void append_canonical_json(const TraceRecord& record, std::string& out) {
  append_bounded(out, canonical_json_bound(record), [&](char* p) { return write_canonical_json(record, p); });
}

namespace {

// A record's node as the digest folds it: its index + 1, or 0 for none (DigestOnlyEvent's too).
uint64_t node_word(const std::optional<HostId>& node) { return node ? uint64_t{node->index} + 1 : 0; }

uint64_t fields_hash(const Fields& fields) {
  detail::Hasher hasher(detail::kEmptyFieldsHash);
  for (const auto& [key, value] : fields) {
    detail::fold_field(hasher, key, value);
  }
  return hasher.value();
}

}  // namespace

TraceEvent::TraceEvent(Name kind, Fields&& fields) {
  record_.kind = kind;
  record_.fields = std::move(fields);
  hash_ = detail::Hasher(fields_hash(record_.fields));
}

uint64_t fold_record(uint64_t digest, const TraceRecord& record) {
  return detail::fold_record(digest, record.time, node_word(record.node), record.kind, record.fields.size(),
                             fields_hash(record.fields));
}

uint64_t digest_of(const std::vector<TraceRecord>& records) {
  uint64_t digest = kEmptyTraceDigest;
  for (const TraceRecord& record : records) {
    digest = fold_record(digest, record);
  }
  return digest;
}

bool Trace::Subscription::matches(std::string_view kind) const {
  if (kinds.empty()) {
    return true;
  }
  for (const std::string& prefix : kinds) {
    if (kind.starts_with(prefix)) {
      return true;
    }
  }
  return false;
}

uint64_t Trace::interested_slow(const Name& kind) const {
  // Direct-mapped on the hash, linear probing; kinds are a few dozen, the table has 64 slots.
  // When it is full the answer is computed each time, never wrong.
  for (size_t probe = 0; probe < interest_.size(); ++probe) {
    Interest& slot = interest_[(kind.hash() + probe) % interest_.size()];
    if (slot.known && slot.kind_hash == kind.hash()) {
      return slot.subscribers;
    }
    if (!slot.known) {
      uint64_t mask = 0;
      for (size_t i = 0; i < subscribers_.size(); ++i) {
        if (subscribers_[i].matches(kind)) {
          mask |= uint64_t{1} << i;
        }
      }
      slot = Interest{kind.hash(), mask, true};
      return mask;
    }
  }
  uint64_t mask = 0;
  for (size_t i = 0; i < subscribers_.size(); ++i) {
    if (subscribers_[i].matches(kind)) {
      mask |= uint64_t{1} << i;
    }
  }
  return mask;
}

void Trace::emit(SimTime time, TraceEvent&& event) {
  TraceRecord& record = event.record_;
  record.time = time;
  digest_ = detail::fold_record(digest_, time, node_word(record.node), record.kind, record.fields.size(),
                                event.hash_.value());
  ++count_;
  if (out_ != nullptr) {
    line_.clear();
    append_canonical_json(record, line_);
    line_.push_back('\n');
    out_->write(line_.data(), static_cast<std::streamsize>(line_.size()));
  }
  const uint64_t interested_subscribers = interested(record.kind);
  for (size_t i = 0; i < subscribers_.size(); ++i) {
    if ((interested_subscribers >> i & 1) != 0) {
      subscribers_[i].subscriber(record);
    }
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
