#include "checkers/linearizability/value.h"

namespace consim::checkers::lin {

namespace {

void append_quoted(std::string& out, const std::string& text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
}

void append_value(std::string& out, const Value& value) {
  switch (value.kind) {
    case Value::Kind::null:
      out += "nil";
      return;
    case Value::Kind::integer:
      out += std::to_string(value.integer);
      return;
    case Value::Kind::string:
      append_quoted(out, value.text);
      return;
    case Value::Kind::list:
      out += '[';
      for (size_t i = 0; i < value.items.size(); ++i) {
        if (i != 0) {
          out += ' ';
        }
        append_value(out, value.items[i]);
      }
      out += ']';
      return;
  }
}

}  // namespace

std::string Value::to_string() const {
  std::string out;
  append_value(out, *this);
  return out;
}

}  // namespace consim::checkers::lin
