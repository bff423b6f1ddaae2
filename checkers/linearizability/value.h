// Values in client histories: what an operation wrote, expected or read.
//
// Histories come from consim's clients (JSON) and from Jepsen (EDN), so a value is the small
// common subset of both: null (nil, "absent"), a 64-bit integer, a string, or a list of values
// (a cas carries [expected, new]). Keywords from EDN are kept as strings with their colon.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace consim::checkers::lin {

struct Value {
  enum class Kind : uint8_t { null, integer, string, list };

  Kind kind = Kind::null;
  int64_t integer = 0;
  std::string text;
  std::vector<Value> items;

  static Value null_value() { return {}; }
  static Value of(int64_t number) { return {Kind::integer, number, {}, {}}; }
  static Value of(std::string string) { return {Kind::string, 0, std::move(string), {}}; }
  static Value list(std::vector<Value> values) { return {Kind::list, 0, {}, std::move(values)}; }

  bool is_null() const { return kind == Kind::null; }
  bool is_list_of(size_t size) const { return kind == Kind::list && items.size() == size; }

  friend bool operator==(const Value& a, const Value& b) = default;

  // EDN-like rendering: nil, 3, "x", [1 2]. Also the canonical key for interning.
  std::string to_string() const;
};

}  // namespace consim::checkers::lin
