#include "harness/strict_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <utility>

#include "base/assert.h"

namespace consim::harness::strict_json {
namespace {

// Quoted values and field names in messages are cut to this many bytes: a message stays one
// readable line whatever the input holds.
constexpr size_t kShownBytes = 48;
// nlohmann's own syntax messages quote what the lexer last read, which can be a long token.
constexpr size_t kShownSyntaxBytes = 160;

std::string shorten(std::string_view text, size_t limit) {
  if (text.size() <= limit) {
    return std::string(text);
  }
  size_t cut = limit;
  // Never cut a UTF-8 sequence in two: back up to the byte that starts a character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return std::string(text.substr(0, cut)) + "...";
}

// Levenshtein distance, for "did you mean" suggestions between short field names.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A field name as it appears in a path: as written when it is a plain name, quoted otherwise (so that
// a key holding a dot, a quote or a newline cannot garble the message).
std::string path_key(std::string_view key) {
  const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  return plain ? shorten(key, kShownBytes) : in_quotes(key);
}

std::string unknown_field_problem(std::string_view key, const std::vector<std::string_view>& known) {
  std::string problem = "unknown field";
  if (key.size() <= 64) {
    const auto closest = std::min_element(known.begin(), known.end(), [&](std::string_view a, std::string_view b) {
      return edit_distance(key, a) < edit_distance(key, b);
    });
    if (closest != known.end() && edit_distance(key, *closest) <= 2) {
      problem += ", did you mean \"" + std::string(*closest) + "\"?";
    }
  }
  return problem + " (known: " + join(known) + ")";
}

// Finds the first object that names a field twice, while the parser runs: nlohmann keeps only the
// last value, so the duplicate is invisible afterwards. Tracks the path of containers being read.
class DuplicateFinder {
 public:
  bool on_event(Json::parse_event_t event, const Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        frames_.push_back(Frame{event == Json::parse_event_t::object_start, {}, {}, 0});
        break;
      case Json::parse_event_t::key:
        on_key(parsed.get_ref<const std::string&>());
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        frames_.pop_back();
        element_done();
        break;
      case Json::parse_event_t::value:
        element_done();
        break;
    }
    return true;
  }
  const std::optional<std::string>& duplicate_path() const { return duplicate_path_; }

 private:
  struct Frame {
    bool object;
    std::set<std::string, std::less<>> keys;
    std::string key;  // objects: the field being read
    size_t index;     // arrays: the element being read
  };

  void on_key(const std::string& key) {
    CONSIM_ASSERT(!frames_.empty());
    Frame& frame = frames_.back();
    CONSIM_ASSERT(frame.object);
    if (!frame.keys.insert(key).second && !duplicate_path_) {
      std::string path;
      for (size_t i = 0; i + 1 < frames_.size(); ++i) {
        path = frames_[i].object ? child_path(path, path_key(frames_[i].key)) : index_path(path, frames_[i].index);
      }
      duplicate_path_ = child_path(path, path_key(key));
    }
    frame.key = key;
  }
  void element_done() {
    if (!frames_.empty() && !frames_.back().object) {
      ++frames_.back().index;
    }
  }

  std::vector<Frame> frames_;
  std::optional<std::string> duplicate_path_;
};

// nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 3, column 7: ";
// the location is reported separately, so keep what follows.
std::string syntax_detail(const std::string& what) {
  size_t start = what.find("] ");
  start = start == std::string::npos ? 0 : start + 2;
  const size_t located = what.find("parse error at ", start);
  if (located != std::string::npos) {
    const size_t colon = what.find(": ", located);
    start = colon == std::string::npos ? start : colon + 2;
  }
  return shorten(std::string_view(what).substr(start), kShownSyntaxBytes);
}

std::string location(std::string_view text, size_t byte) {
  // nlohmann counts bytes from 1 up to the one it could not accept (one past the end at EOF).
  const size_t consumed = std::min(byte == 0 ? 0 : byte - 1, text.size());
  const std::string_view before = text.substr(0, consumed);
  const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  const size_t line_start = before.rfind('\n');
  const size_t column = consumed - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + " (byte " + std::to_string(byte) + ")";
}

}  // namespace

void fail(std::string path, std::string problem) { throw ReadError{std::move(path), std::move(problem)}; }

Json parse(std::string_view text) {
  DuplicateFinder finder;
  Json root;
  try {
    root = Json::parse(text, [&finder](int /*depth*/, Json::parse_event_t event, Json& parsed) {
      return finder.on_event(event, parsed);
    });
  } catch (const Json::parse_error& error) {
    fail("", "invalid JSON at " + location(text, error.byte) + ": " + syntax_detail(error.what()));
  } catch (const Json::exception& error) {
    // A number too large for a double ("1e400") is reported as out_of_range, without a position.
    fail("", "invalid JSON: " + syntax_detail(error.what()));
  }
  if (finder.duplicate_path()) {
    fail(*finder.duplicate_path(), "field appears twice in the same object (JSON readers disagree on which wins)");
  }
  return root;
}

std::string child_path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
}

std::string index_path(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string describe(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
      return std::to_string(value.get<int64_t>());
    case Json::value_t::number_unsigned:
      return std::to_string(value.get<uint64_t>());
    case Json::value_t::number_float:
      return value.dump();  // as written in kind: 3.0 stays a float, so "must be an integer, got 3.0" reads right
    case Json::value_t::string:
      return in_quotes(value.get_ref<const std::string&>());
    case Json::value_t::array:
      return value.empty() ? "an empty array" : "an array";
    case Json::value_t::object:
      return value.empty() ? "an empty object" : "an object";
    case Json::value_t::binary:
    case Json::value_t::discarded:
      break;
  }
  return "an unexpected value";
}

std::string number_text(double value) {
  if (std::isfinite(value) && value == std::trunc(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  return Json(value).dump();
}

std::string in_quotes(std::string_view text) {
  return Json(shorten(text, kShownBytes)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string join(std::span<const std::string_view> items, std::string_view separator) {
  std::string text;
  for (const std::string_view item : items) {
    if (!text.empty()) {
      text += separator;
    }
    text += item;
  }
  return text;
}

bool Range::contains(double value) const {
  const bool above_min = min_open ? value > min : value >= min;
  const bool below_max = max_open ? value < max : value <= max;
  return above_min && below_max;
}

std::string Range::text() const {
  return (min_open ? "(" : "[") + number_text(min) + ", " + number_text(max) + (max_open ? ")" : "]");
}

double read_number(const Json& value, const std::string& path, Range range) {
  if (!value.is_number()) {
    fail(path, "must be a number in " + range.text() + ", got " + describe(value));
  }
  // Adding zero turns -0 into 0, so that a value prints and compares the same however written.
  const double number = value.get<double>() + 0.0;
  if (!range.contains(number)) {
    fail(path, "must be a number in " + range.text() + ", got " + describe(value));
  }
  return number;
}

uint64_t read_integer(const Json& value, const std::string& path, uint64_t min, uint64_t max) {
  CONSIM_ASSERT(min <= max);
  const auto problem = [&] {
    return "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " + describe(value);
  };
  // Non-negative integers parse as unsigned; a negative one is below every allowed minimum.
  if (!value.is_number_unsigned()) {
    fail(path, problem());
  }
  const uint64_t number = value.get<uint64_t>();
  if (number < min || number > max) {
    fail(path, problem());
  }
  return number;
}

bool read_bool(const Json& value, const std::string& path) {
  if (!value.is_boolean()) {
    fail(path, "must be true or false, got " + describe(value));
  }
  return value.get<bool>();
}

const std::string& read_string(const Json& value, const std::string& path) {
  if (!value.is_string()) {
    fail(path, "must be a string, got " + describe(value));
  }
  return value.get_ref<const std::string&>();
}

std::string read_choice(const Json& value, const std::string& path, std::span<const std::string_view> choices) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (std::find(choices.begin(), choices.end(), text) != choices.end()) {
      return text;
    }
  }
  fail(path, "must be one of " + join(choices) + "; got " + describe(value));
}

const Json::array_t& read_array(const Json& value, const std::string& path, std::string_view example) {
  if (!value.is_array()) {
    fail(path, "must be an array (" + std::string(example) + "), got " + describe(value));
  }
  return value.get_ref<const Json::array_t&>();
}

ObjectReader::ObjectReader(const Json& value, std::string path, std::vector<std::string_view> known)
    : value_(value), path_(std::move(path)), known_(std::move(known)) {
  if (!value_.is_object()) {
    fail(path_,
         (path_.empty() ? "a scenario must be a JSON object, got " : "must be an object, got ") + describe(value_));
  }
  // Objects iterate in key order, so the field reported first does not depend on the file's order.
  for (const auto& [key, field] : value_.items()) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
      fail(child_path(path_, path_key(key)), unknown_field_problem(key, known_));
    }
  }
}

const Json* ObjectReader::find(std::string_view key) const {
  CONSIM_ASSERT_MSG(std::find(known_.begin(), known_.end(), key) != known_.end(),
                    "field " + std::string(key) + " read but not declared known");
  const auto it = value_.find(std::string(key));
  return it == value_.end() ? nullptr : &*it;
}

const Json& ObjectReader::required(std::string_view key, std::string_view what) const {
  const Json* value = find(key);
  if (value == nullptr) {
    fail_at(key, "required field is missing (" + std::string(what) + ")");
  }
  return *value;
}

void ObjectReader::fail_at(std::string_view key, std::string problem) const { fail(path_of(key), std::move(problem)); }

std::optional<double> ObjectReader::number(std::string_view key, Range range) const {
  const Json* value = find(key);
  return value == nullptr ? std::nullopt : std::optional(read_number(*value, path_of(key), range));
}

std::optional<uint64_t> ObjectReader::integer(std::string_view key, uint64_t min, uint64_t max) const {
  const Json* value = find(key);
  return value == nullptr ? std::nullopt : std::optional(read_integer(*value, path_of(key), min, max));
}

std::optional<bool> ObjectReader::boolean(std::string_view key) const {
  const Json* value = find(key);
  return value == nullptr ? std::nullopt : std::optional(read_bool(*value, path_of(key)));
}

std::optional<std::string> ObjectReader::string(std::string_view key) const {
  const Json* value = find(key);
  return value == nullptr ? std::nullopt : std::optional(read_string(*value, path_of(key)));
}

std::optional<std::string> ObjectReader::choice(std::string_view key, std::span<const std::string_view> choices) const {
  const Json* value = find(key);
  return value == nullptr ? std::nullopt : std::optional(read_choice(*value, path_of(key), choices));
}

}  // namespace consim::harness::strict_json
