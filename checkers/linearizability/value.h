// Values in client histories: what an operation wrote, expected or read.
//
// Histories come from consim's clients (JSON) and from Jepsen (EDN), so a value is the small
// common subset of both: null (nil, "absent"), a 64-bit integer, a string, or a list of values
// (a cas carries [expected, new]). Keywords from EDN are kept as strings with their colon.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace consim::checkers::lin {

// A string behind one pointer: a history holds two values per operation and most values are
// integers, so an empty string costs 8 bytes instead of a std::string's 32 (a 100k-operation
// history is about 8 MB smaller). Reads like a const std::string.
class Text {
 public:
  Text() = default;
  Text(std::string text) : text_(text.empty() ? nullptr : std::make_unique<std::string>(std::move(text))) {}
  Text(const char* text) : Text(std::string(text)) {}
  Text(const Text& other) : text_(other.text_ ? std::make_unique<std::string>(*other.text_) : nullptr) {}
  Text(Text&&) noexcept = default;
  Text& operator=(const Text& other) {
    if (this != &other) {
      text_ = other.text_ ? std::make_unique<std::string>(*other.text_) : nullptr;
    }
    return *this;
  }
  Text& operator=(Text&&) noexcept = default;
  ~Text() = default;

  const std::string& str() const { return text_ ? *text_ : empty_string(); }
  operator const std::string&() const { return str(); }
  operator std::string_view() const { return str(); }
  bool empty() const { return !text_; }
  size_t size() const { return str().size(); }
  char front() const { return str().front(); }
  const char* c_str() const { return str().c_str(); }
  std::string substr(size_t pos, size_t count = std::string::npos) const { return str().substr(pos, count); }
  bool starts_with(std::string_view prefix) const { return str().starts_with(prefix); }
  auto begin() const { return str().begin(); }
  auto end() const { return str().end(); }

  friend bool operator==(const Text& a, const Text& b) { return a.str() == b.str(); }
  friend std::string operator+(const Text& a, const Text& b) { return a.str() + b.str(); }
  friend std::string operator+(const Text& a, const char* b) { return a.str() + b; }
  friend std::string operator+(const Text& a, const std::string& b) { return a.str() + b; }
  friend std::string operator+(const char* a, const Text& b) { return a + b.str(); }
  friend std::string operator+(const std::string& a, const Text& b) { return a + b.str(); }

 private:
  static const std::string& empty_string() {
    static const std::string empty;
    return empty;
  }
  std::unique_ptr<std::string> text_;  // null when empty
};

struct Value;

// A list of values behind one pointer (null when empty), for the same reason as Text.
class List {
 public:
  List() = default;
  explicit List(std::vector<Value> items);
  List(const List& other);
  List(List&&) noexcept = default;
  List& operator=(const List& other);
  List& operator=(List&&) noexcept = default;
  ~List();

  size_t size() const;
  bool empty() const { return !items_; }
  const Value& operator[](size_t i) const;
  const Value* begin() const;
  const Value* end() const;

  friend bool operator==(const List& a, const List& b);

 private:
  std::unique_ptr<std::vector<Value>> items_;
};

struct Value {
  enum class Kind : uint8_t { null, integer, string, list };

  Kind kind = Kind::null;
  int64_t integer = 0;
  Text text;
  List items;

  static Value null_value() { return {}; }
  static Value of(int64_t number) { return {Kind::integer, number, {}, {}}; }
  static Value of(std::string string) { return {Kind::string, 0, Text(std::move(string)), {}}; }
  static Value list(std::vector<Value> values) { return {Kind::list, 0, {}, List(std::move(values))}; }

  bool is_null() const { return kind == Kind::null; }
  bool is_list_of(size_t size) const { return kind == Kind::list && items.size() == size; }

  friend bool operator==(const Value& a, const Value& b) = default;

  // EDN-like rendering: nil, 3, "x", [1 2]. Also the canonical key for interning.
  std::string to_string() const;
};

inline List::List(std::vector<Value> items)
    : items_(items.empty() ? nullptr : std::make_unique<std::vector<Value>>(std::move(items))) {}
inline List::List(const List& other)
    : items_(other.items_ ? std::make_unique<std::vector<Value>>(*other.items_) : nullptr) {}
inline List& List::operator=(const List& other) {
  if (this != &other) {
    items_ = other.items_ ? std::make_unique<std::vector<Value>>(*other.items_) : nullptr;
  }
  return *this;
}
inline List::~List() = default;
inline size_t List::size() const { return items_ ? items_->size() : 0; }
inline const Value& List::operator[](size_t i) const { return (*items_)[i]; }
inline const Value* List::begin() const { return items_ ? items_->data() : nullptr; }
inline const Value* List::end() const { return items_ ? items_->data() + items_->size() : nullptr; }
inline bool operator==(const List& a, const List& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a[i] == b[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace consim::checkers::lin
