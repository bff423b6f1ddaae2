#include "reports/run_files.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "reports/flat_json.h"

namespace consim::reports {
namespace {

// Ordered, so that checks and metrics keep the order summary.json gives them.
using Json = nlohmann::ordered_json;

// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string json_problem(const std::exception& error) {
  std::string message = error.what();
  if (message.starts_with("[json.exception.")) {
    const size_t end = message.find("] ");
    if (end != std::string::npos) {
      message.erase(0, end + 2);
    }
  }
  return message;
}

// The 1-based line holding byte `offset` (nlohmann counts bytes from 1) of `text`.
size_t line_of_byte(std::string_view text, size_t offset) {
  const size_t end = std::min(offset, text.size());
  size_t line = 1;
  for (size_t i = 0; i + 1 < end; ++i) {
    line += text[i] == '\n' ? 1 : 0;
  }
  return line;
}

std::string type_of(const Json& json) {
  switch (json.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a number";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    default:
      return "something else";
  }
}

std::optional<int64_t> as_int64(const Json& json) {
  if (json.is_number_integer() && !json.is_number_unsigned()) {
    return json.get<int64_t>();
  }
  if (json.is_number_unsigned() && json.get<uint64_t>() <= uint64_t{std::numeric_limits<int64_t>::max()}) {
    return static_cast<int64_t>(json.get<uint64_t>());
  }
  return std::nullopt;
}

FieldValue field_value(const Json& json) {
  switch (json.type()) {
    case Json::value_t::boolean:
      return json.get<bool>();
    case Json::value_t::number_integer:
      return json.get<int64_t>();
    case Json::value_t::number_unsigned:
      if (const std::optional<int64_t> value = as_int64(json)) {
        return *value;
      }
      return json.get<uint64_t>();
    case Json::value_t::number_float:
      return json.get<double>();
    case Json::value_t::string:
      return json.get<std::string>();
    case Json::value_t::null:
      return std::monostate{};
    default:
      return json.dump();
  }
}

// Where a line starts in its file.
struct LinePlace {
  uint64_t offset = 0;  // in bytes
  size_t line = 1;      // 1-based
};

// Reads a line-oriented file line by line from `from` until `done()` or the end, handing each
// non-blank line (without its line ending) and its place to `take`, which returns a problem or
// nothing.
template <typename Take, typename Done>
std::optional<ReadError> for_each_line(std::istream& in, const std::string& file, LinePlace from, Take take,
                                       Done done) {
  std::string line;
  size_t number = from.line - 1;
  uint64_t offset = from.offset;
  while (!done() && std::getline(in, line)) {
    const LinePlace place{offset, ++number};
    offset += line.size() + 1;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.find_first_not_of(" \t") == std::string::npos) {
      continue;
    }
    if (std::optional<std::string> problem = take(line, place)) {
      return ReadError{file, number, *problem};
    }
  }
  if (in.bad()) {
    return ReadError{file, number, "read failed"};
  }
  return std::nullopt;
}

template <typename Take>
std::optional<ReadError> for_each_line(std::istream& in, const std::string& file, Take take) {
  return for_each_line(in, file, LinePlace{}, take, [] { return false; });
}

std::optional<std::string> parse_line(const std::string& line, Json* json) {
  try {
    *json = Json::parse(line);
  } catch (const Json::parse_error& error) {
    return "not valid JSON: " + json_problem(error);
  }
  if (!json->is_object()) {
    return "expected a JSON object, got " + type_of(*json);
  }
  return std::nullopt;
}

std::optional<std::string> trace_record(const Json& json, size_t line, TraceRecord* record) {
  record->line = line;
  const auto t = json.find("t");
  if (t == json.end()) {
    return std::string("missing \"t\" (the time in nanoseconds)");
  }
  const std::optional<int64_t> t_ns = as_int64(*t);
  if (!t_ns || *t_ns < 0) {
    return "\"t\" must be a non-negative integer (nanoseconds), got " + t->dump();
  }
  record->t_ns = *t_ns;
  const auto kind = json.find("kind");
  if (kind == json.end() || !kind->is_string() || kind->get_ref<const std::string&>().empty()) {
    return std::string("missing \"kind\" (a non-empty string)");
  }
  record->kind = kind->get<std::string>();
  if (const auto node = json.find("node"); node != json.end()) {
    if (!node->is_string()) {
      return "\"node\" must be a string, got " + type_of(*node);
    }
    record->node = node->get<std::string>();
  }
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (it.key() != "t" && it.key() != "kind" && it.key() != "node") {
      record->fields.push_back({it.key(), field_value(it.value())});
    }
  }
  return std::nullopt;
}

// The parts of a trace line read by the fast path, when they are what trace_record demands.
struct FlatTraceLine {
  int64_t t_ns = 0;
  std::string_view kind;
  const FlatValue* node = nullptr;  // absent for records of the whole world
};

// True when a line scan_flat_object took is a valid trace record; false leaves the line to
// trace_record, which accepts it or words the problem.
bool read_flat_trace_line(const std::vector<FlatMember>& members, FlatTraceLine* flat) {
  bool has_t = false;
  for (const FlatMember& member : members) {
    const FlatValue& value = member.value;
    if (member.name == "t") {
      if (value.type != FlatValue::Type::kInt || value.integer < 0) {
        return false;
      }
      flat->t_ns = value.integer;
      has_t = true;
    } else if (member.name == "kind") {
      if (value.type != FlatValue::Type::kString || value.escaped || value.text.empty()) {
        return false;
      }
      flat->kind = value.text;
    } else if (member.name == "node") {
      if (value.type != FlatValue::Type::kString) {
        return false;
      }
      flat->node = &value;
    }
  }
  return has_t && !flat->kind.empty();
}

TraceRecord flat_trace_record(const std::vector<FlatMember>& members, const FlatTraceLine& flat, size_t line) {
  TraceRecord record;
  record.line = line;
  record.t_ns = flat.t_ns;
  record.kind = std::string(flat.kind);
  if (flat.node != nullptr) {
    record.node = flat.node->decoded();
  }
  record.fields.reserve(members.size());
  for (const FlatMember& member : members) {
    if (member.name == "t" || member.name == "kind" || member.name == "node") {
      continue;
    }
    TraceField field{std::string(member.name), {}};
    switch (member.value.type) {
      case FlatValue::Type::kNull:
        break;
      case FlatValue::Type::kBool:
        field.value = member.value.flag;
        break;
      case FlatValue::Type::kInt:
        field.value = member.value.integer;
        break;
      case FlatValue::Type::kString:
        field.value = member.value.decoded();
        break;
    }
    record.fields.push_back(std::move(field));
  }
  return record;
}

// Reads trace lines one at a time, checking that time never goes back: consim's own lines with
// the fast reader, any other with nlohmann.
class TraceLineReader {
 public:
  // `last_ns`: the time of the record before the first line read (-1 for none).
  explicit TraceLineReader(int64_t last_ns) : last_ns_(last_ns) {}

  // Reads one non-blank line, appending its record to `records` when `keep` wants it (or is
  // empty). A problem, or nothing.
  std::optional<std::string> read(const std::string& line, size_t number, const KeepRecord& keep,
                                  std::vector<TraceRecord>* records) {
    FlatTraceLine flat;
    if (scan_flat_object(line, &members_) && read_flat_trace_line(members_, &flat)) {
      return take(flat.t_ns, flat.kind, keep, records, [&] { return flat_trace_record(members_, flat, number); });
    }
    if (std::optional<std::string> problem = parse_line(line, &json_)) {
      return problem;
    }
    TraceRecord record;
    if (std::optional<std::string> problem = trace_record(json_, number, &record)) {
      return problem;
    }
    return take(record.t_ns, record.kind, keep, records, [&] { return std::move(record); });
  }

  int64_t last_ns() const { return last_ns_; }

 private:
  // Checks the order of a well-formed record's time, then keeps the record if it is wanted;
  // `make` builds it only then.
  template <typename Make>
  std::optional<std::string> take(int64_t t_ns, std::string_view kind, const KeepRecord& keep,
                                  std::vector<TraceRecord>* records, Make make) {
    if (t_ns < last_ns_) {
      return "time goes back: t=" + std::to_string(t_ns) + " after t=" + std::to_string(last_ns_);
    }
    last_ns_ = t_ns;
    if (!keep || keep(kind, t_ns)) {
      records->push_back(make());
    }
    return std::nullopt;
  }

  int64_t last_ns_;
  Json json_;
  std::vector<FlatMember> members_;
};

std::optional<std::string> history_record(const Json& json, size_t line, HistoryRecord* record) {
  record->line = line;
  const auto process = json.find("process");
  if (process == json.end() || !as_int64(*process)) {
    return std::string("\"process\" must be an integer");
  }
  record->process = *as_int64(*process);
  const auto type = json.find("type");
  if (type == json.end() || !type->is_string()) {
    return std::string("missing \"type\" (invoke, ok, fail or info)");
  }
  record->type = type->get<std::string>();
  if (record->type != "invoke" && record->type != "ok" && record->type != "fail" && record->type != "info") {
    return "unknown type \"" + record->type + "\" (expected invoke, ok, fail or info)";
  }
  const auto f = json.find("f");
  if (f == json.end() || !f->is_string()) {
    return std::string("\"f\" must be a string (the operation)");
  }
  record->f = f->get<std::string>();
  const auto time = json.find("time_ns");
  if (time == json.end() || !as_int64(*time) || *as_int64(*time) < 0) {
    return std::string("\"time_ns\" must be a non-negative integer");
  }
  record->time_ns = *as_int64(*time);
  if (const auto key = json.find("key"); key != json.end() && !key->is_null()) {
    record->key = key->is_string() ? key->get<std::string>() : key->dump();
  }
  const auto value = json.find("value");
  record->value_json = value == json.end() ? "null" : value->dump();
  for (const auto& [name, target] : {std::pair{"error", &record->error}, std::pair{"node", &record->node}}) {
    if (const auto it = json.find(name); it != json.end() && !it->is_null()) {
      *target = it->is_string() ? it->get<std::string>() : it->dump();
    }
  }
  return std::nullopt;
}

std::optional<ReadError> read_text(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return ReadError{path, 0, std::string("cannot read: ") + std::strerror(errno)};
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    return ReadError{path, 0, "read failed"};
  }
  *text = buffer.str();
  return std::nullopt;
}

std::string summary_string(const Json& json, const char* name) {
  const auto it = json.find(name);
  return it != json.end() && it->is_string() ? it->get<std::string>() : "";
}

void flatten_metrics(const Json& json, const std::string& prefix, std::vector<MetricSummary>* metrics) {
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string name = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object()) {
      flatten_metrics(*it, name, metrics);
    } else {
      metrics->push_back({name, it->is_string() ? it->get<std::string>() : it->dump()});
    }
  }
}

std::optional<std::string> summary_checks(const Json& json, RunSummary* summary) {
  const auto checks = json.find("checks");
  if (checks == json.end() || !checks->is_object()) {
    return std::string("missing \"checks\" (an object of check name to status and detail)");
  }
  for (auto it = checks->begin(); it != checks->end(); ++it) {
    if (!it->is_object() || !it->contains("status") || !(*it)["status"].is_string()) {
      return "check \"" + it.key() + "\" must be an object with a string \"status\"";
    }
    const auto detail = it->find("detail");
    summary->checks.push_back({it.key(), (*it)["status"].get<std::string>(),
                               detail != it->end() && detail->is_string() ? detail->get<std::string>() : ""});
  }
  return std::nullopt;
}

std::optional<std::string> summary_fields(const Json& json, RunSummary* summary) {
  const auto nodes = json.find("nodes");
  if (nodes == json.end() || !as_int64(*nodes) || *as_int64(*nodes) < 1 || *as_int64(*nodes) > 1000) {
    return std::string("\"nodes\" must be an integer from 1 to 1000 (the number of servers)");
  }
  summary->nodes = static_cast<uint32_t>(*as_int64(*nodes));
  const auto verdict = json.find("verdict");
  if (verdict == json.end() || !verdict->is_string()) {
    return std::string("missing \"verdict\" (a string)");
  }
  summary->verdict = verdict->get<std::string>();
  if (std::optional<std::string> problem = summary_checks(json, summary)) {
    return problem;
  }
  summary->consim_version = summary_string(json, "consim_version");
  summary->scenario = summary_string(json, "scenario");
  summary->description = summary_string(json, "description");
  summary->file = summary_string(json, "file");
  summary->protocol = summary_string(json, "protocol");
  summary->service = summary_string(json, "service");
  summary->read_mode = summary_string(json, "read_mode");
  summary->trace_digest = summary_string(json, "trace_digest");
  if (const auto seed = json.find("seed"); seed != json.end() && seed->is_number_unsigned()) {
    summary->seed = seed->get<uint64_t>();
  }
  if (const auto duration = json.find("duration_ms"); duration != json.end() && duration->is_number()) {
    summary->duration_ms = duration->get<double>();
  }
  if (const auto bugs = json.find("bugs"); bugs != json.end() && bugs->is_array()) {
    for (const Json& bug : *bugs) {
      summary->bugs.push_back(bug.is_string() ? bug.get<std::string>() : bug.dump());
    }
  }
  if (const auto expect = json.find("expect"); expect != json.end() && expect->is_object()) {
    summary->expect_verdict = summary_string(*expect, "verdict");
    summary->expect_detail = summary_string(*expect, "detail");
    summary->expect_held = !expect->contains("held") || (*expect)["held"] != Json(false);
  }
  if (const auto metrics = json.find("metrics"); metrics != json.end() && metrics->is_object()) {
    flatten_metrics(*metrics, "", &summary->metrics);
  }
  return std::nullopt;
}

}  // namespace

std::string ReadError::describe() const {
  return file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + problem;
}

const FieldValue* TraceRecord::field(std::string_view name) const {
  for (const TraceField& f : fields) {
    if (f.name == name) {
      return &f.value;
    }
  }
  return nullptr;
}

std::string TraceRecord::text(std::string_view name) const {
  const FieldValue* value = field(name);
  if (value == nullptr) {
    return "";
  }
  if (const auto* s = std::get_if<std::string>(value)) {
    return *s;
  }
  if (const auto* i = std::get_if<int64_t>(value)) {
    return std::to_string(*i);
  }
  if (const auto* u = std::get_if<uint64_t>(value)) {
    return std::to_string(*u);
  }
  if (const auto* b = std::get_if<bool>(value)) {
    return *b ? "true" : "false";
  }
  if (const auto* d = std::get_if<double>(value)) {
    return Json(*d).dump();
  }
  return "";
}

std::optional<int64_t> TraceRecord::integer(std::string_view name) const {
  const FieldValue* value = field(name);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (const auto* i = std::get_if<int64_t>(value)) {
    return *i;
  }
  return std::nullopt;
}

bool TraceRecord::flag(std::string_view name) const {
  const FieldValue* value = field(name);
  const bool* b = value == nullptr ? nullptr : std::get_if<bool>(value);
  return b != nullptr && *b;
}

uint32_t node_number(std::string_view name) {
  if (name.size() < 2 || name.size() > 8 || name[0] != 'n' || name[1] == '0') {
    return 0;
  }
  uint32_t number = 0;
  for (size_t i = 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') {
      return 0;
    }
    number = number * 10 + static_cast<uint32_t>(name[i] - '0');
  }
  return number;
}

std::variant<RunSummary, ReadError> parse_summary(std::string_view text, const std::string& file) {
  Json json;
  try {
    json = Json::parse(text);
  } catch (const Json::parse_error& error) {
    return ReadError{file, line_of_byte(text, error.byte), "not valid JSON: " + json_problem(error)};
  }
  if (!json.is_object()) {
    return ReadError{file, 0, "expected a JSON object, got " + type_of(json)};
  }
  RunSummary summary;
  if (std::optional<std::string> problem = summary_fields(json, &summary)) {
    return ReadError{file, 0, *problem};
  }
  return summary;
}

std::optional<ReadError> parse_trace(std::istream& in, const std::string& file, const ReadOptions& options,
                                     std::vector<TraceRecord>* records, int64_t* end_ns,
                                     std::vector<TraceMark>* marks) {
  TraceLineReader reader(-1);
  size_t lines = 0;
  std::optional<ReadError> error =
      for_each_line(in, file, [&](const std::string& line, const LinePlace& place) -> std::optional<std::string> {
        if (marks != nullptr && lines++ % kTraceMarkLines == 0) {
          marks->push_back({reader.last_ns(), place.offset, place.line});
        }
        return reader.read(line, place.line, options.keep_record, records);
      });
  if (error) {
    records->clear();
    if (marks != nullptr) {
      marks->clear();
    }
  } else if (end_ns != nullptr) {
    *end_ns = std::max<int64_t>(reader.last_ns(), 0);
  }
  return error;
}

std::optional<ReadError> parse_history(std::istream& in, const std::string& file, std::vector<HistoryRecord>* records) {
  Json json;
  std::optional<ReadError> error =
      for_each_line(in, file, [&](const std::string& line, const LinePlace& place) -> std::optional<std::string> {
        if (std::optional<std::string> problem = parse_line(line, &json)) {
          return problem;
        }
        HistoryRecord record;
        if (std::optional<std::string> problem = history_record(json, place.line, &record)) {
          return problem;
        }
        records->push_back(std::move(record));
        return std::nullopt;
      });
  if (error) {
    records->clear();
  }
  return error;
}

std::optional<ReadError> read_trace_window(const RunFiles& files, int64_t from_ns, int64_t to_ns,
                                           const ReadOptions& options, std::vector<TraceRecord>* records) {
  const std::string path = (std::filesystem::path(files.dir) / "trace.jsonl").string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return ReadError{path, 0, std::string("cannot read: ") + std::strerror(errno)};
  }
  // The last mark before which every record is earlier than the window.
  TraceMark from;
  for (const TraceMark& mark : files.trace_marks) {
    if (mark.t_ns >= from_ns) {
      break;
    }
    from = mark;
  }
  in.seekg(static_cast<std::streamoff>(from.offset));
  TraceLineReader reader(from.t_ns);
  const KeepRecord keep = [&](std::string_view kind, int64_t t_ns) {
    return t_ns >= from_ns && t_ns <= to_ns && (!options.keep_record || options.keep_record(kind, t_ns));
  };
  const size_t kept_before = records->size();
  std::optional<ReadError> error = for_each_line(
      in, path, LinePlace{from.offset, from.line},
      [&](const std::string& line, const LinePlace& place) { return reader.read(line, place.line, keep, records); },
      [&] { return reader.last_ns() > to_ns; });
  if (error) {
    records->resize(kept_before);
  }
  return error;
}

std::variant<RunFiles, ReadError> read_run_dir(const std::string& dir, const ReadOptions& options) {
  namespace fs = std::filesystem;
  std::error_code code;
  if (!fs::is_directory(dir, code)) {
    return ReadError{dir, 0, fs::exists(dir, code) ? "not a directory" : "no such directory"};
  }
  RunFiles files;
  files.dir = dir;
  const std::string summary_path = (fs::path(dir) / "summary.json").string();
  std::string text;
  if (std::optional<ReadError> error = read_text(summary_path, &text)) {
    return *error;
  }
  std::variant<RunSummary, ReadError> summary = parse_summary(text, summary_path);
  if (auto* error = std::get_if<ReadError>(&summary)) {
    return *error;
  }
  files.summary = std::move(std::get<RunSummary>(summary));
  const std::pair<const char*, bool> jsonl[] = {{"trace.jsonl", true}, {"history.jsonl", false}};
  for (const auto& [name, is_trace] : jsonl) {
    const std::string path = (fs::path(dir) / name).string();
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return ReadError{path, 0, std::string("cannot read: ") + std::strerror(errno)};
    }
    std::optional<ReadError> error =
        is_trace ? parse_trace(in, path, options, &files.trace, &files.trace_end_ns, &files.trace_marks)
                 : parse_history(in, path, &files.history);
    if (error) {
      return *error;
    }
  }
  return files;
}

}  // namespace consim::reports
