#include "checkers/linearizability/edn.h"

#include <cctype>
#include <charconv>

namespace consim::checkers::lin::edn {
namespace {

constexpr int kMaxDepth = 16;

// Commas are whitespace in EDN.
void skip_space(std::string_view text, size_t* pos) {
  while (*pos < text.size() && (std::isspace(static_cast<unsigned char>(text[*pos])) != 0 || text[*pos] == ',')) {
    ++*pos;
  }
}

bool is_symbol_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("-_.*+!?/<>=#'").find(c) != std::string_view::npos;
}

bool read_string(std::string_view text, size_t* pos, Value* out, std::string* error) {
  std::string result;
  for (++*pos; *pos < text.size(); ++*pos) {
    char c = text[*pos];
    if (c == '"') {
      ++*pos;
      *out = Value::of(std::move(result));
      return true;
    }
    if (c == '\\') {
      if (++*pos == text.size()) {
        break;
      }
      c = text[*pos];
      c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
    }
    result += c;
  }
  *error = "unterminated string";
  return false;
}

bool read_atom(std::string_view text, size_t* pos, Value* out, std::string* error) {
  const size_t start = *pos;
  if (text[*pos] == ':') {
    ++*pos;
  }
  while (*pos < text.size() && is_symbol_char(text[*pos])) {
    ++*pos;
  }
  const std::string_view atom = text.substr(start, *pos - start);
  if (atom.empty() || atom == ":") {
    *error = std::string("unexpected character '") + text[start] + "'";
    return false;
  }
  if (atom == "nil") {
    *out = Value::null_value();
    return true;
  }
  if (atom.front() == ':' || atom == "true" || atom == "false") {
    *out = Value::of(std::string(atom));
    return true;
  }
  int64_t number = 0;
  const char* last = atom.data() + atom.size();
  const auto parsed = std::from_chars(atom.data() + (atom.front() == '+' ? 1 : 0), last, number);
  if (parsed.ec != std::errc() || parsed.ptr != last) {
    *error =
        "unsupported value '" + std::string(atom) + "' (expected nil, an integer, a string, a keyword or a vector)";
    return false;
  }
  *out = Value::of(number);
  return true;
}

bool read_any(std::string_view text, size_t* pos, Value* out, std::string* error, int depth);

bool read_sequence(std::string_view text, size_t* pos, Value* out, std::string* error, int depth) {
  const char close = text[*pos] == '[' ? ']' : ')';
  ++*pos;
  std::vector<Value> items;
  while (true) {
    skip_space(text, pos);
    if (*pos == text.size()) {
      *error = std::string("unterminated vector (missing '") + close + "')";
      return false;
    }
    if (text[*pos] == close) {
      ++*pos;
      *out = Value::list(std::move(items));
      return true;
    }
    Value item;
    if (!read_any(text, pos, &item, error, depth + 1)) {
      return false;
    }
    items.push_back(std::move(item));
  }
}

bool read_any(std::string_view text, size_t* pos, Value* out, std::string* error, int depth) {
  skip_space(text, pos);
  if (*pos == text.size()) {
    *error = "value missing (truncated line?)";
    return false;
  }
  if (depth > kMaxDepth) {
    *error = "values nested more than " + std::to_string(kMaxDepth) + " deep";
    return false;
  }
  const char c = text[*pos];
  if (c == '"') {
    return read_string(text, pos, out, error);
  }
  if (c == '[' || c == '(') {
    return read_sequence(text, pos, out, error, depth);
  }
  if (c == '{') {
    *error = "nested maps are not supported as values";
    return false;
  }
  return read_atom(text, pos, out, error);
}

}  // namespace

bool is_keyword(const Value& value) {
  return value.kind == Value::Kind::string && !value.text.empty() && value.text.front() == ':';
}

bool read_value(std::string_view text, size_t* pos, Value* out, std::string* error) {
  return read_any(text, pos, out, error, 0);
}

bool read_map(std::string_view text, std::vector<std::pair<std::string, Value>>* out, std::string* error) {
  size_t pos = 0;
  skip_space(text, &pos);
  if (pos == text.size() || text[pos] != '{') {
    *error = "expected an EDN map starting with '{'";
    return false;
  }
  ++pos;
  while (true) {
    skip_space(text, &pos);
    if (pos == text.size()) {
      *error = "unterminated map (missing '}'; truncated line?)";
      return false;
    }
    if (text[pos] == '}') {
      break;
    }
    Value key;
    if (!read_value(text, &pos, &key, error)) {
      return false;
    }
    if (!is_keyword(key)) {
      *error = "map key " + key.to_string() + " is not a keyword";
      return false;
    }
    Value value;
    if (!read_value(text, &pos, &value, error)) {
      *error = "after " + key.text + ": " + *error;
      return false;
    }
    out->emplace_back(key.text.substr(1), std::move(value));
  }
  ++pos;
  skip_space(text, &pos);
  if (pos != text.size()) {
    *error = "unexpected text after the map";
    return false;
  }
  return true;
}

}  // namespace consim::checkers::lin::edn
