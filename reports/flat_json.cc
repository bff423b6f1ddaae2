#include "reports/flat_json.h"

#include <limits>

namespace consim::reports {
namespace {

// Reads the characters of a string whose opening quote is at line[*at - 1]; leaves *at just past
// the closing quote. False for a control character, a byte outside ASCII, a \u escape, an
// unknown escape or a missing closing quote.
bool scan_string(std::string_view line, size_t* at, FlatValue* value) {
  const size_t start = *at;
  bool escaped = false;
  for (size_t i = start; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c == '"') {
      value->type = FlatValue::Type::kString;
      value->text = line.substr(start, i - start);
      value->escaped = escaped;
      *at = i + 1;
      return true;
    }
    if (c < 0x20 || c >= 0x80) {
      return false;
    }
    if (c == '\\') {
      if (i + 1 >= line.size()) {
        return false;
      }
      switch (line[i + 1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          escaped = true;
          ++i;
          break;
        default:
          return false;  // \u (left to nlohmann, which checks surrogates) or not an escape
      }
    }
  }
  return false;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// An integer as JSON writes it (no leading zero, no fraction or exponent) that fits an int64.
bool scan_integer(std::string_view line, size_t* at, FlatValue* value) {
  size_t i = *at;
  const bool negative = i < line.size() && line[i] == '-';
  if (negative) {
    ++i;
  }
  const size_t first = i;
  uint64_t magnitude = 0;
  while (i < line.size() && is_digit(line[i])) {
    if (i - first == 19) {
      return false;  // 20 digits or more: beyond any int64
    }
    magnitude = magnitude * 10 + static_cast<uint64_t>(line[i] - '0');
    ++i;
  }
  const size_t digits = i - first;
  if (digits == 0 || (digits > 1 && line[first] == '0')) {
    return false;
  }
  if (i < line.size() && (line[i] == '.' || line[i] == 'e' || line[i] == 'E')) {
    return false;  // a fraction or an exponent: nlohmann makes it a double
  }
  constexpr uint64_t kMax = uint64_t{std::numeric_limits<int64_t>::max()};
  if (magnitude > kMax + (negative ? 1 : 0)) {
    return false;  // nlohmann keeps a larger positive one as unsigned
  }
  value->type = FlatValue::Type::kInt;
  value->integer = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  *at = i;
  return true;
}

bool scan_word(std::string_view line, size_t* at, std::string_view word) {
  if (line.substr(*at, word.size()) != word) {
    return false;
  }
  *at += word.size();
  return true;
}

bool scan_value(std::string_view line, size_t* at, FlatValue* value) {
  if (*at >= line.size()) {
    return false;
  }
  *value = FlatValue{};
  switch (line[*at]) {
    case '"':
      ++*at;
      return scan_string(line, at, value);
    case 't':
      value->type = FlatValue::Type::kBool;
      value->flag = true;
      return scan_word(line, at, "true");
    case 'f':
      value->type = FlatValue::Type::kBool;
      return scan_word(line, at, "false");
    case 'n':
      return scan_word(line, at, "null");
    default:
      return scan_integer(line, at, value);
  }
}

}  // namespace

std::string FlatValue::decoded() const {
  if (!escaped) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    ++i;  // scan_string let only complete, known escapes through
    switch (text[i]) {
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      default:
        out.push_back(text[i]);  // " \ /
    }
  }
  return out;
}

bool scan_flat_object(std::string_view line, std::vector<FlatMember>* members) {
  members->clear();
  if (line.size() < 2 || line.front() != '{' || line.back() != '}') {
    return false;
  }
  size_t at = 1;
  if (line.size() == 2) {
    return true;  // {}
  }
  while (true) {
    FlatMember member;
    FlatValue name;
    if (line[at] != '"') {
      return false;
    }
    ++at;
    if (!scan_string(line, &at, &name) || name.escaped) {
      return false;
    }
    member.name = name.text;
    for (const FlatMember& earlier : *members) {
      if (earlier.name == member.name) {
        return false;  // parsers disagree on which value wins
      }
    }
    if (at >= line.size() || line[at] != ':') {
      return false;
    }
    ++at;
    if (!scan_value(line, &at, &member.value)) {
      return false;
    }
    members->push_back(member);
    if (at >= line.size()) {
      return false;
    }
    if (line[at] == '}') {
      return at + 1 == line.size();
    }
    if (line[at] != ',' || at + 1 >= line.size()) {
      return false;
    }
    ++at;
  }
}

}  // namespace consim::reports
