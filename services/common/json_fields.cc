#include "services/common/json_fields.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace consim::services {

std::optional<Json> parse_json(std::string_view text, std::string& error) {
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    error = "not valid JSON";
    return std::nullopt;
  }
  return value;
}

std::string dump_json(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

FieldReader::FieldReader(const Json& value, std::string where) : value_(value), where_(std::move(where)) {
  if (!value_.is_object()) {
    fail("must be a JSON object");
  }
}

void FieldReader::fail(const std::string& message) {
  if (error_.empty()) {
    error_ = where_ + ": " + message;
  }
}

const Json* FieldReader::field(std::string_view key) {
  if (failed()) {
    return nullptr;
  }
  read_.emplace_back(key);
  const auto it = value_.find(key);
  return it == value_.end() ? nullptr : &*it;
}

std::string FieldReader::text(std::string_view key) {
  const Json* found = field(key);
  if (found == nullptr) {
    fail("missing field \"" + std::string(key) + "\"");
    return {};
  }
  if (!found->is_string()) {
    fail("field \"" + std::string(key) + "\" must be a string");
    return {};
  }
  return found->get<std::string>();
}

std::string FieldReader::text_or(std::string_view key, std::string fallback) {
  const Json* found = field(key);
  if (found == nullptr) {
    return fallback;
  }
  if (!found->is_string()) {
    fail("field \"" + std::string(key) + "\" must be a string");
    return fallback;
  }
  return found->get<std::string>();
}

std::optional<int64_t> FieldReader::number(std::string_view key, int64_t min, int64_t max) {
  const Json* found = field(key);
  if (found == nullptr) {
    return std::nullopt;
  }
  const std::string range = " in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!found->is_number_integer()) {
    fail("field \"" + std::string(key) + "\" must be an integer" + range);
    return std::nullopt;
  }
  if (found->is_number_unsigned()) {
    const auto value = found->get<uint64_t>();
    if (value > static_cast<uint64_t>(max)) {
      fail("field \"" + std::string(key) + "\" must be an integer" + range);
      return std::nullopt;
    }
    return static_cast<int64_t>(value);
  }
  const auto value = found->get<int64_t>();
  if (value < min || value > max) {
    fail("field \"" + std::string(key) + "\" must be an integer" + range);
    return std::nullopt;
  }
  return value;
}

int64_t FieldReader::integer(std::string_view key) {
  const bool was_failed = failed();
  const auto value = number(key, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  if (!value && !was_failed && !failed()) {
    fail("missing field \"" + std::string(key) + "\"");
  }
  return value.value_or(0);
}

int64_t FieldReader::integer_or(std::string_view key, int64_t fallback) {
  return number(key, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()).value_or(fallback);
}

int32_t FieldReader::int32_or(std::string_view key, int32_t fallback) {
  const auto value = number(key, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
  return value ? static_cast<int32_t>(*value) : fallback;
}

bool FieldReader::boolean_or(std::string_view key, bool fallback) {
  const Json* found = field(key);
  if (found == nullptr) {
    return fallback;
  }
  if (!found->is_boolean()) {
    fail("field \"" + std::string(key) + "\" must be true or false");
    return fallback;
  }
  return found->get<bool>();
}

const Json* FieldReader::member(std::string_view key) { return field(key); }

std::string FieldReader::finish() {
  if (failed()) {
    return error_;
  }
  for (const auto& item : value_.items()) {
    if (std::find(read_.begin(), read_.end(), item.key()) == read_.end()) {
      fail("unknown field \"" + item.key() + "\"");
      break;
    }
  }
  return error_;
}

}  // namespace consim::services
