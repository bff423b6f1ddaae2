#include "sim/trace.h"

#include <cstdio>
#include <ostream>

#include "sim/rng.h"

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

void Trace::emit(SimTime time, TraceEvent event) {
  TraceRecord& record = event.record_;
  record.time = time;
  line_.clear();
  append_canonical_json(record, line_);
  line_.push_back('\n');
  digest_ = fnv1a64(line_, digest_);
  ++count_;
  if (out_ != nullptr) {
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
