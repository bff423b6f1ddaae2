#include "checkers/linearizability/history_parse.h"

#include <charconv>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <variant>
#include <vector>

#include "checkers/linearizability/edn.h"

namespace consim::checkers::lin {

const char* format_name(Format format) {
  switch (format) {
    case Format::automatic:
      return "auto";
    case Format::jsonl:
      return "jsonl";
    case Format::jepsen_edn:
      return "jepsen-edn";
    case Format::jepsen_log:
      return "jepsen-log";
  }
  return "?";
}

std::optional<Format> format_from_name(std::string_view name) {
  for (const Format format : {Format::automatic, Format::jsonl, Format::jepsen_edn, Format::jepsen_log}) {
    if (name == format_name(format)) {
      return format;
    }
  }
  return std::nullopt;
}

std::string HistoryError::describe() const {
  return line == 0 ? message : "line " + std::to_string(line) + ": " + message;
}

namespace {

constexpr std::string_view kJepsenLogMarker = "jepsen.util - ";
constexpr int kMaxValueDepth = 16;

using Event = HistoryEvent;
using Builder = HistoryBuilder;
using LineOutcome = std::optional<std::string>;  // an error message, or nothing

}  // namespace

std::optional<std::string> HistoryBuilder::check_time(size_t line, const HistoryEvent& event) {
  if (!timed_) {
    timed_ = event.time_ns.has_value();
  }
  if (*timed_ != event.time_ns.has_value()) {
    return std::string(*timed_ ? "no time, but earlier events have one" : "a time, but earlier events have none") +
           " (times must be on every event or on none)";
  }
  const int64_t time = event.time_ns.value_or(static_cast<int64_t>(line));
  if (time < 0 || time == kNeverNs) {
    return "time " + std::to_string(time) + " is out of range";
  }
  if (time < last_time_) {
    return "time " + std::to_string(time) + " is earlier than the previous event's " + std::to_string(last_time_) +
           " (times must not decrease)";
  }
  last_time_ = time;
  return std::nullopt;
}

namespace {

// "process 3", for messages (built only when a rule is broken).
std::string who(const HistoryEvent& event) { return "process " + std::to_string(event.process); }

}  // namespace

std::optional<std::string> HistoryBuilder::add(size_t line, HistoryEvent event) {
  if (LineOutcome problem = check_time(line, event)) {
    return problem;
  }
  if (event.type != "invoke") {
    return complete(line, event);
  }
  if (const auto open = open_.find(event.process); open != open_.end()) {
    return "invoke for " + who(event) + ", whose operation from line " +
           std::to_string(history_.operations[open->second].invoke_line) + " has not completed";
  }
  if (event.f.empty()) {
    return "invoke without an operation name (f)";
  }
  Operation op;
  op.process = event.process;
  op.f = std::move(event.f);
  if (event.key.has_value()) {
    op.key = std::move(*event.key);
  }
  op.input = std::move(event.value);
  op.version = event.version.value_or(-1);
  op.invoke_ns = last_time_;
  op.invoke_line = line;
  open_.emplace(event.process, history_.operations.size());
  history_.operations.push_back(std::move(op));
  return std::nullopt;
}

std::optional<std::string> HistoryBuilder::complete(size_t line, HistoryEvent& event) {
  const auto open = open_.find(event.process);
  if (open == open_.end()) {
    return event.type + " for " + who(event) + ", which has no operation in progress (completion without invocation)";
  }
  Operation& op = history_.operations[open->second];
  if (!event.f.empty() && event.f != op.f) {
    return event.type + " " + event.f + " for " + who(event) + ", whose operation from line " +
           std::to_string(op.invoke_line) + " is " + op.f;
  }
  if (event.key && *event.key != op.key) {
    return event.type + " on key \"" + *event.key + "\" for " + who(event) + ", whose operation from line " +
           std::to_string(op.invoke_line) + " is on key \"" + op.key + "\"";
  }
  op.status = event.type == "ok" ? Status::ok : event.type == "fail" ? Status::fail : Status::info;
  op.output = std::move(event.value);
  op.error = std::move(event.error);
  op.complete_line = line;
  // An info operation may take effect until the end of the history: its interval stays open.
  op.complete_ns = op.status == Status::info ? kNeverNs : last_time_;
  open_.erase(open);
  return std::nullopt;
}

namespace {

LineOutcome check_type(const std::string& type) {
  if (type == "invoke" || type == "ok" || type == "fail" || type == "info") {
    return std::nullopt;
  }
  return "unknown type '" + type + "' (expected invoke, ok, fail or info)";
}

// --- consim JSONL -------------------------------------------------------------------------

LineOutcome value_from_json(const nlohmann::json& json, Value* out, int depth) {
  if (depth > kMaxValueDepth) {
    return "value nested more than " + std::to_string(kMaxValueDepth) + " deep";
  }
  if (json.is_null()) {
    *out = Value::null_value();
  } else if (json.is_boolean()) {
    *out = Value::of(std::string(json.get<bool>() ? "true" : "false"));  // as EDN's true and false
  } else if (json.is_number_integer()) {
    *out = Value::of(json.get<int64_t>());
  } else if (json.is_string()) {
    *out = Value::of(json.get<std::string>());
  } else if (json.is_array()) {
    std::vector<Value> items(json.size());
    for (size_t i = 0; i < json.size(); ++i) {
      if (LineOutcome problem = value_from_json(json[i], &items[i], depth + 1)) {
        return problem;
      }
    }
    *out = Value::list(std::move(items));
  } else {
    return "unsupported value " + json.dump() + " (expected null, an integer, a string or a list)";
  }
  return std::nullopt;
}

LineOutcome event_fields_from_json(const nlohmann::json& json, Event* event) {
  const auto string_field = [&json](const char* name, std::string* out) -> LineOutcome {
    if (json.contains(name)) {
      if (!json[name].is_string()) {
        return std::string("field '") + name + "' must be a string";
      }
      *out = json[name].get<std::string>();
    }
    return std::nullopt;
  };
  if (LineOutcome problem = string_field("f", &event->f)) {
    return problem;
  }
  if (LineOutcome problem = string_field("error", &event->error)) {
    return problem;
  }
  if (json.contains("key")) {
    const nlohmann::json& key = json["key"];
    if (!key.is_string() && !key.is_number_integer()) {
      return "field 'key' must be a string or an integer";
    }
    event->key = key.is_string() ? key.get<std::string>() : key.dump();
  }
  if (json.contains("time_ns")) {
    if (!json["time_ns"].is_number_integer()) {
      return "field 'time_ns' must be an integer";
    }
    event->time_ns = json["time_ns"].get<int64_t>();
  }
  if (json.contains("version")) {
    if (!json["version"].is_number_integer()) {
      return "field 'version' must be an integer (-1 for any version), got " + json["version"].dump();
    }
    event->version = json["version"].get<int64_t>();
  }
  if (json.contains("value")) {
    return value_from_json(json["value"], &event->value, 0);
  }
  return std::nullopt;
}

// The common shape of a history line, read without building a JSON document: a flat object
// whose values are integers, plain strings (no escapes, ASCII), null, booleans, or lists of
// those. Anything else, and anything the full reader would reject or report, returns nothing
// and the line goes to the full reader, so both paths give the same events and messages.
class FastLine {
 public:
  explicit FastLine(std::string_view line) : text_(line) {}

  std::optional<Event> read() {
    Event event;
    bool have_process = false;
    bool have_type = false;
    skip_spaces();
    if (!eat('{')) {
      return std::nullopt;
    }
    skip_spaces();
    if (eat('}')) {
      return std::nullopt;  // no process: the full reader says so
    }
    uint32_t seen = 0;
    while (true) {
      std::string_view key;
      if (!string_token(&key)) {
        return std::nullopt;
      }
      skip_spaces();
      if (!eat(':')) {
        return std::nullopt;
      }
      skip_spaces();
      Value value;
      if (!value_token(&value, 0)) {
        return std::nullopt;
      }
      const int field = field_index(key);
      if (field >= 0) {
        if ((seen >> field & 1) != 0) {
          return std::nullopt;  // a repeated field: the full reader's rule (the last wins) applies
        }
        seen |= 1u << field;
        if (!assign(field, std::move(value), &event, &have_process, &have_type)) {
          return std::nullopt;
        }
      }
      skip_spaces();
      if (eat(',')) {
        skip_spaces();
        continue;
      }
      if (!eat('}')) {
        return std::nullopt;
      }
      break;
    }
    skip_spaces();
    if (pos_ != text_.size() || !have_process || !have_type) {
      return std::nullopt;
    }
    if (check_type(event.type).has_value()) {
      return std::nullopt;
    }
    return event;
  }

 private:
  enum Field { kProcess, kType, kF, kError, kKey, kTime, kVersion, kValue };

  static int field_index(std::string_view key) {
    static constexpr std::string_view kNames[] = {"process", "type",    "f",       "error",
                                                  "key",     "time_ns", "version", "value"};
    for (size_t i = 0; i < std::size(kNames); ++i) {
      if (key == kNames[i]) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  static bool assign(int field, Value value, Event* event, bool* have_process, bool* have_type) {
    const bool integer = value.kind == Value::Kind::integer;
    const bool string = value.kind == Value::Kind::string;
    switch (field) {
      case kProcess:
        *have_process = integer;
        event->process = value.integer;
        return integer;
      case kType:
        *have_type = string;
        event->type = std::move(value.text);
        return string;
      case kF:
        event->f = std::move(value.text);
        return string;
      case kError:
        event->error = std::move(value.text);
        return string;
      case kKey:
        if (integer) {
          event->key = std::to_string(value.integer);
        } else {
          event->key = std::move(value.text);
        }
        return integer || string;
      case kTime:
        event->time_ns = value.integer;
        return integer;
      case kVersion:
        event->version = value.integer;
        return integer;
      default:
        event->value = std::move(value);
        return true;
    }
  }

  void skip_spaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // A string without escapes, control characters or non-ASCII bytes.
  bool string_token(std::string_view* out) {
    if (!eat('"')) {
      return false;
    }
    const size_t start = pos_;
    while (pos_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        *out = text_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (c == '\\' || c < 0x20 || c >= 0x80) {
        return false;
      }
      ++pos_;
    }
    return false;
  }
  // An integer as JSON writes it, no sign on zero, at most 18 digits (always fits int64).
  bool integer_token(int64_t* out) {
    const bool negative = eat('-');
    const size_t start = pos_;
    int64_t number = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      number = number * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    const size_t digits = pos_ - start;
    if (digits == 0 || digits > 18 || (digits > 1 && text_[start] == '0') || (negative && number == 0)) {
      return false;
    }
    if (pos_ < text_.size() && (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E')) {
      return false;
    }
    *out = negative ? -number : number;
    return true;
  }
  bool word(std::string_view w) {
    if (text_.substr(pos_, w.size()) == w) {
      pos_ += w.size();
      return true;
    }
    return false;
  }
  bool value_token(Value* out, int depth) {
    if (pos_ >= text_.size()) {
      return false;
    }
    const char c = text_[pos_];
    if (c == '"') {
      std::string_view text;
      if (!string_token(&text)) {
        return false;
      }
      *out = Value::of(std::string(text));
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      int64_t number = 0;
      if (!integer_token(&number)) {
        return false;
      }
      *out = Value::of(number);
      return true;
    }
    if (word("null")) {
      *out = Value::null_value();
      return true;
    }
    if (word("true")) {
      *out = Value::of(std::string("true"));  // as the full reader: EDN's true
      return true;
    }
    if (word("false")) {
      *out = Value::of(std::string("false"));
      return true;
    }
    if (c != '[' || depth > 0) {
      return false;  // objects and nested lists: the full reader
    }
    ++pos_;
    std::vector<Value> items;
    skip_spaces();
    if (eat(']')) {
      *out = Value::list(std::move(items));
      return true;
    }
    while (true) {
      skip_spaces();
      Value item;
      if (!value_token(&item, depth + 1)) {
        return false;
      }
      items.push_back(std::move(item));
      skip_spaces();
      if (eat(']')) {
        break;
      }
      if (!eat(',')) {
        return false;
      }
    }
    *out = Value::list(std::move(items));
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

LineOutcome parse_jsonl_line(std::string_view line, std::optional<Event>* out) {
  if (std::optional<Event> fast = FastLine(line).read()) {
    *out = std::move(fast);
    return std::nullopt;
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& error) {
    return std::string("not valid JSON (truncated line?): ") + error.what();
  }
  if (!json.is_object()) {
    return "expected a JSON object";
  }
  Event event;
  if (!json.contains("process") || !json["process"].is_number_integer()) {
    return "field 'process' is missing or not an integer";
  }
  event.process = json["process"].get<int64_t>();
  if (!json.contains("type") || !json["type"].is_string()) {
    return "field 'type' is missing or not a string";
  }
  event.type = json["type"].get<std::string>();
  if (LineOutcome problem = check_type(event.type)) {
    return problem;
  }
  if (LineOutcome problem = event_fields_from_json(json, &event)) {
    return problem;
  }
  *out = std::move(event);
  return std::nullopt;
}

// --- Jepsen EDN maps ----------------------------------------------------------------------

std::string keyword_name(const Value& value) { return edn::is_keyword(value) ? value.text.substr(1) : ""; }

LineOutcome event_from_edn_field(const std::string& name, Value value, Event* event) {
  if (name == "type" || name == "f") {
    std::string keyword = keyword_name(value);
    if (keyword.empty()) {
      return ":" + name + " must be a keyword, got " + value.to_string();
    }
    (name == "type" ? event->type : event->f) = std::move(keyword);
  } else if (name == "key") {
    if (value.kind != Value::Kind::string && value.kind != Value::Kind::integer) {
      return ":key must be a string or an integer, got " + value.to_string();
    }
    event->key = value.kind == Value::Kind::string ? value.text.str() : std::to_string(value.integer);
  } else if (name == "value") {
    event->value = std::move(value);
  } else if (name == "time") {
    if (value.kind != Value::Kind::integer) {
      return ":time must be an integer, got " + value.to_string();
    }
    event->time_ns = value.integer;
  } else if (name == "version") {
    if (value.kind != Value::Kind::integer) {
      return ":version must be an integer (-1 for any version), got " + value.to_string();
    }
    event->version = value.integer;
  } else if (name == "error") {
    event->error = value.kind == Value::Kind::string ? keyword_name(value) : value.to_string();
    if (event->error.empty()) {
      event->error = value.text;
    }
  }
  return std::nullopt;
}

LineOutcome parse_edn_line(std::string_view line, std::optional<Event>* out) {
  std::vector<std::pair<std::string, Value>> fields;
  std::string error;
  if (!edn::read_map(line, &fields, &error)) {
    return error;
  }
  Event event;
  bool has_process = false;
  for (auto& field : fields) {
    if (field.first == "process") {
      if (field.second.kind != Value::Kind::integer) {
        return std::nullopt;  // :nemesis and friends are not clients
      }
      event.process = field.second.integer;
      has_process = true;
    } else if (LineOutcome problem = event_from_edn_field(field.first, std::move(field.second), &event)) {
      return problem;
    }
  }
  if (!has_process) {
    return std::string(":process is missing");
  }
  if (event.type.empty()) {
    return std::string(":type is missing");
  }
  if (LineOutcome problem = check_type(event.type)) {
    return problem;
  }
  *out = std::move(event);
  return std::nullopt;
}

// --- Jepsen log lines ---------------------------------------------------------------------

std::vector<std::string_view> split_tabs(std::string_view text, size_t parts) {
  std::vector<std::string_view> fields;
  while (fields.size() + 1 < parts) {
    const size_t tab = text.find('\t');
    if (tab == std::string_view::npos) {
      break;
    }
    fields.push_back(text.substr(0, tab));
    text.remove_prefix(tab + 1);
  }
  fields.push_back(text);
  return fields;
}

LineOutcome parse_log_line(std::string_view line, std::optional<Event>* out) {
  const size_t marker = line.find(kJepsenLogMarker);
  if (marker == std::string_view::npos) {
    return std::nullopt;  // other log lines carry no events
  }
  const std::vector<std::string_view> fields = split_tabs(line.substr(marker + kJepsenLogMarker.size()), 4);
  if (fields.size() < 3) {
    return std::string("expected '<process>\\t:<type>\\t:<f>\\t<value>' (truncated line?)");
  }
  Event event;
  const auto parsed = std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), event.process);
  if (parsed.ec != std::errc() || parsed.ptr != fields[0].data() + fields[0].size()) {
    if (fields[0].starts_with(":")) {
      return std::nullopt;  // :nemesis
    }
    return "process '" + std::string(fields[0]) + "' is not an integer";
  }
  if (!fields[1].starts_with(":") || !fields[2].starts_with(":")) {
    return std::string("type and f must be keywords such as :invoke and :read");
  }
  event.type = std::string(fields[1].substr(1));
  event.f = std::string(fields[2].substr(1));
  if (LineOutcome problem = check_type(event.type)) {
    return problem;
  }
  if (fields.size() == 4) {
    std::string error;
    size_t pos = 0;
    if (!edn::read_value(fields[3], &pos, &event.value, &error)) {
      return "value: " + error;
    }
  }
  if (event.type == "fail" && event.value == Value::of(std::string(":timed-out"))) {
    event.type = "info";  // a timeout is not a definite failure
    event.error = "timed-out";
  }
  *out = std::move(event);
  return std::nullopt;
}

// --- detection and the driver ---------------------------------------------------------------

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return lines;
}

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t") == std::string_view::npos; }

std::variant<Format, HistoryError> detect(const std::vector<std::string_view>& lines) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (is_blank(lines[i])) {
      continue;
    }
    const std::string_view line = lines[i].substr(lines[i].find_first_not_of(" \t"));
    if (line.front() == '{') {
      const size_t next = line.find_first_not_of(" \t,", 1);
      return next != std::string_view::npos && line[next] == ':' ? Format::jepsen_edn : Format::jsonl;
    }
    if (line.find(kJepsenLogMarker) != std::string_view::npos) {
      return Format::jepsen_log;
    }
    return HistoryError{i + 1,
                        "cannot tell the history's format (expected a JSON object, an EDN map or a Jepsen "
                        "'jepsen.util - ' log line); use --format"};
  }
  return Format::jsonl;  // empty: nothing to check, in any format
}

}  // namespace

ParsedHistory parse_history(std::string_view text, Format format) {
  const std::vector<std::string_view> lines = split_lines(text);
  if (format == Format::automatic) {
    auto detected = detect(lines);
    if (const HistoryError* error = std::get_if<HistoryError>(&detected)) {
      return {History{}, *error};
    }
    format = std::get<Format>(detected);
  }
  const auto parse_line = format == Format::jsonl        ? parse_jsonl_line
                          : format == Format::jepsen_edn ? parse_edn_line
                                                         : parse_log_line;
  Builder builder;
  // One operation per invocation and completion pair, mostly: growing the vector past that
  // would hold two copies at once, the largest allocation of a long history's check.
  builder.reserve(lines.size() / 2 + 1);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (is_blank(lines[i])) {
      continue;
    }
    std::optional<Event> event;
    LineOutcome problem = parse_line(lines[i], &event);
    if (!problem && event) {
      problem = builder.add(i + 1, std::move(*event));
    }
    if (problem) {
      return {History{}, HistoryError{i + 1, *problem}};
    }
  }
  return {builder.finish(format), std::nullopt};
}

bool jsonl_line_takes_fast_path(std::string_view line) { return FastLine(line).read().has_value(); }

}  // namespace consim::checkers::lin
