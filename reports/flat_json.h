// A fast reader for the JSON lines consim writes itself: one flat object per line, with no
// whitespace, ASCII text and integers that fit an int64. A trace holds hundreds of thousands of
// such lines per simulated minute; nlohmann's DOM parser spends about 20,000 instructions on each,
// this reader a few hundred, and it allocates nothing.
//
// It decides no error. A line it does not take (whitespace, a nested value, a fraction, a \u
// escape, a byte outside ASCII, a name given twice, anything malformed) makes it return false,
// and the caller parses the line with nlohmann as before: that parser accepts or rejects it, and
// words the problem. So both readers agree on every line the fast one takes, which
// flat_json_test checks against nlohmann on generated and mutated lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace consim::reports {

struct FlatValue {
  enum class Type : uint8_t { kNull, kBool, kInt, kString };
  Type type = Type::kNull;
  bool flag = false;      // kBool
  int64_t integer = 0;    // kInt
  std::string_view text;  // kString: the characters between the quotes, escapes not yet decoded
  bool escaped = false;   // kString: text holds at least one backslash escape

  // The string's value, escapes decoded. Only for kString.
  std::string decoded() const;
};

struct FlatMember {
  std::string_view name;  // never escaped: a name with an escape is not taken
  FlatValue value;
};

// Reads `line` as one flat object into `members` (cleared first), in the line's order, and
// returns true; or returns false when the line is anything else (see above). The members point
// into `line`, which must outlive them.
bool scan_flat_object(std::string_view line, std::vector<FlatMember>* members);

}  // namespace consim::reports
