// JSON helpers for the services' encoders and decoders (internal: included by .cc files only,
// so users of consim::services need not see nlohmann-json).
//
// Objects keep their keys in insertion order, so an encoding reads in the order the code wrote
// it ({"f":"put","key":...}) and is the same text on every build.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace consim::services {

using Json = nlohmann::ordered_json;

// Parses `text` as one JSON value; on failure returns nullopt and sets `error`.
std::optional<Json> parse_json(std::string_view text, std::string& error);
// Compact, one line. Strings must be UTF-8: invalid bytes are replaced by U+FFFD, never thrown.
std::string dump_json(const Json& value);

// Reads the fields of one JSON object strictly: a missing required field, a field of the wrong
// type or out of range, and (at finish()) a field nobody asked for are errors. Only the first
// error is kept; after it every read returns its fallback.
class FieldReader {
 public:
  // `where` prefixes every message ("kv command", "znode command ops[2]").
  FieldReader(const Json& value, std::string where);

  std::string text(std::string_view key);
  std::string text_or(std::string_view key, std::string fallback);
  int64_t integer(std::string_view key);
  int64_t integer_or(std::string_view key, int64_t fallback);
  int32_t int32_or(std::string_view key, int32_t fallback);
  bool boolean_or(std::string_view key, bool fallback);
  // Any type; null when absent. The caller checks the type.
  const Json* member(std::string_view key);

  void fail(const std::string& message);
  bool failed() const { return !error_.empty(); }
  // The first error, or one naming a field no read asked for; empty when the object was valid.
  std::string finish();

 private:
  const Json* field(std::string_view key);
  std::optional<int64_t> number(std::string_view key, int64_t min, int64_t max);

  const Json& value_;
  std::string where_;
  std::vector<std::string> read_;
  std::string error_;
};

}  // namespace consim::services
