// Strict reading of JSON documents for the scenario loader (internal: included by scenario.cc only,
// so that users of consim::harness need not see nlohmann-json).
//
// Every reader knows the path of the value it reads ("faults[2].partition[0][1]") and throws a
// ReadError carrying that path and the problem ("must be an integer in [1, 9], got 2.5"). The
// loader catches it once, at its boundary, and turns it into a ScenarioError: validation is a
// straight line of reads instead of a check after every one.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace consim::harness::strict_json {

using Json = nlohmann::json;

struct ReadError {
  std::string path;     // "workload.clients"; empty for the document as a whole
  std::string problem;  // "must be an integer in [0, 1000], got -1"
};

[[noreturn]] void fail(std::string path, std::string problem);

// Parses one JSON document. A syntax error is a ReadError naming the line, column and byte; an
// object that names a field twice is one too (JSON parsers disagree on which value wins).
Json parse(std::string_view text);

std::string child_path(std::string_view parent, std::string_view key);  // "workload" + "clients"
std::string index_path(std::string_view parent, size_t index);          // "faults" + 2 -> "faults[2]"

// For "got ..." in messages: 2.5, "text" (quoted, shortened), true, null, an array, an object.
std::string describe(const Json& value);
// 3, 0.25, 1e+308: integral values print without a fraction.
std::string number_text(double value);
// A JSON-quoted, shortened copy of `text`, safe to print whatever it holds.
std::string in_quotes(std::string_view text);
std::string join(std::span<const std::string_view> items, std::string_view separator = ", ");

// An interval of numbers; each end closed unless marked open.
struct Range {
  double min = 0;
  double max = 0;
  bool min_open = false;
  bool max_open = false;

  bool contains(double value) const;
  std::string text() const;  // "[0, 1]", "(0, 86400000]"
};

// Each returns the value or throws a ReadError naming `path`, what was expected and what was got.
double read_number(const Json& value, const std::string& path, Range range);                    // an integer or a float
uint64_t read_integer(const Json& value, const std::string& path, uint64_t min, uint64_t max);  // no fraction
bool read_bool(const Json& value, const std::string& path);
const std::string& read_string(const Json& value, const std::string& path);
std::string read_choice(const Json& value, const std::string& path, std::span<const std::string_view> choices);
// `example` shows the expected shape in the message ("[\"n1\", \"leader\"]").
const Json::array_t& read_array(const Json& value, const std::string& path, std::string_view example);

// Reads the fields of one JSON object. The constructor rejects a value that is not an object and
// any field not in `known`, so a misspelt field is reported as such (with a suggestion) rather
// than silently taking its default. Absent fields read as nullopt.
class ObjectReader {
 public:
  ObjectReader(const Json& value, std::string path, std::vector<std::string_view> known);

  // The field's value, or nullptr when absent. `key` must be one of `known`.
  const Json* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // The field's value; absent is an error that says what the field is (`what`).
  const Json& required(std::string_view key, std::string_view what) const;

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return child_path(path_, key); }
  [[noreturn]] void fail_at(std::string_view key, std::string problem) const;

  std::optional<double> number(std::string_view key, Range range) const;
  std::optional<uint64_t> integer(std::string_view key, uint64_t min, uint64_t max) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<std::string> string(std::string_view key) const;
  std::optional<std::string> choice(std::string_view key, std::span<const std::string_view> choices) const;

 private:
  const Json& value_;
  std::string path_;
  std::vector<std::string_view> known_;
};

}  // namespace consim::harness::strict_json
