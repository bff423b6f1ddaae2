#include "sim/trace.h"

#include <bit>
#include <cstdio>
#include <cstring>
#include <ostream>

#include "base/assert.h"

namespace consim::sim {

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
