#include "cli/check_command.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/history_parse.h"
#include "checkers/linearizability/html.h"
#include "cli/app.h"

namespace consim::cli {
namespace {

namespace lin = checkers::lin;

// Prefixes longer than this are shortened to their last operations in the text report.
constexpr size_t kPrefixShown = 12;

// Reads the whole file into one buffer of its size (a stream buffer and its copy would hold it
// twice: on a long history, more than the check itself).
std::optional<std::string> read_file(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    return "cannot read " + path;
  }
  const std::streamoff size = in.tellg();
  in.seekg(0);
  if (size <= 0 || !in) {
    // Not a regular file (a pipe, /dev/stdin): read it as a stream.
    in.clear();
    std::ostringstream buffer;
    buffer << in.rdbuf();
    *text = buffer.str();
    return std::nullopt;
  }
  text->resize(static_cast<size_t>(size));
  if (!in.read(text->data(), size)) {
    return "cannot read " + path;
  }
  return std::nullopt;
}

// The model a history needs when none is named: znode as soon as an operation is znode-only,
// else kv as soon as one is kv-only.
std::string choose_model(const lin::History& history) {
  for (const lin::Operation& op : history.operations) {
    if (op.f == "create" || op.f == "set" || op.f == "exists" || op.f == "children" || op.f == "sync_get") {
      return "znode";
    }
  }
  for (const lin::Operation& op : history.operations) {
    if (op.f == "get" || op.f == "put" || op.f == "delete" || op.f == "append") {
      return "kv";
    }
  }
  return "register";
}

std::optional<std::string> initial_value(const CheckCommandOptions& options, const lin::History& history,
                                         const std::string& model, lin::Value* initial) {
  if (options.initial_json.empty()) {
    // Porcupine's EDN kv histories read "" for an absent key.
    *initial = model == "kv" && history.format == "jepsen-edn" ? lin::Value::of(std::string()) : lin::Value();
    return std::nullopt;
  }
  const nlohmann::json json = nlohmann::json::parse(options.initial_json, nullptr, false);
  if (json.is_null() && options.initial_json != "null") {
    return "--initial: not a JSON value: " + options.initial_json;
  }
  if (json.is_number_integer()) {
    *initial = lin::Value::of(json.get<int64_t>());
  } else if (json.is_string()) {
    *initial = lin::Value::of(json.get<std::string>());
  } else if (!json.is_null()) {
    return "--initial: expected null, an integer or a string, got " + options.initial_json;
  }
  return std::nullopt;
}

nlohmann::json operation_json(const lin::History& history, size_t index) {
  const lin::Operation& op = history.operations[index];
  return {{"index", index},
          {"process", op.process},
          {"f", op.f},
          {"key", op.key},
          {"value", op.input.to_string()},
          {"output", op.output.to_string()},
          {"status", lin::status_name(op.status)},
          {"line", op.invoke_line}};
}

void add_reachable_json(const lin::ReachableStates& reachable, nlohmann::json& counterexample) {
  nlohmann::json states = nlohmann::json::array();
  for (const lin::ReachableState& state : reachable.shown) {
    states.push_back({{"state", state.state}, {"operation_legal", state.operation_legal}});
  }
  counterexample["reachable_states"] = states;
  counterexample["reachable_states_found"] = reachable.found;
  counterexample["reachable_states_exhaustive"] = reachable.exhaustive;
}

nlohmann::json result_json(const std::string& path, const lin::History& history, const std::string& model,
                           lin::Consistency consistency, const lin::CheckResult& result, double elapsed_ms) {
  nlohmann::json json = {{"history", path},
                         {"format", history.format},
                         {"model", model},
                         {"consistency", lin::consistency_name(consistency)},
                         {"operations", history.operations.size()},
                         {"verdict", lin::verdict_name(result.verdict)},
                         {"steps", result.steps},
                         {"elapsed_ms", elapsed_ms},
                         {"partitions", nlohmann::json::array()}};
  for (const lin::PartitionReport& partition : result.partitions) {
    json["partitions"].push_back({{"key", partition.key},
                                  {"operations", partition.operations},
                                  {"verdict", lin::verdict_name(partition.verdict)},
                                  {"steps", partition.steps},
                                  {"memo_entries", partition.memo_entries}});
  }
  if (!result.reason.empty()) {
    json["reason"] = result.reason;
  }
  if (const auto& counterexample = result.counterexample) {
    nlohmann::json prefix = nlohmann::json::array();
    for (const size_t index : counterexample->longest_prefix) {
      prefix.push_back(operation_json(history, index));
    }
    json["counterexample"] = {{"key", counterexample->key},
                              {"operation", operation_json(history, counterexample->operation)},
                              {"longest_prefix", prefix},
                              {"state_after_prefix", counterexample->state}};
    if (const auto& reachable = counterexample->reachable) {
      add_reachable_json(*reachable, json["counterexample"]);
    }
  }
  return json;
}

// The states in which the blocking operation could have been the next to take effect.
void write_reachable(const lin::ReachableStates& reachable, std::ostream& out) {
  out << "states reachable just before it: " << reachable.found << (reachable.exhaustive ? "" : " or more");
  if (reachable.found == 0) {
    out << " (no partial linearization places every operation that completed before it was invoked)";
  }
  out << "\n";
  for (const lin::ReachableState& state : reachable.shown) {
    out << "  " << state.state
        << (state.operation_legal ? "  (it can take effect here, but the rest cannot be linearized after it)" : "")
        << "\n";
  }
  if (reachable.found > reachable.shown.size()) {
    out << "  ... and " << reachable.found - reachable.shown.size() << " more\n";
  }
  if (!reachable.exhaustive) {
    out << "  (the exploration stopped at its bound after " << reachable.steps << " model steps: there may be more)\n";
  }
}

void write_counterexample(const lin::History& history, const lin::Counterexample& counterexample, std::ostream& out) {
  out << "partition: " << (counterexample.key.empty() ? "(the whole history)" : "key \"" + counterexample.key + "\"")
      << "\n";
  out << "cannot linearize: " << history.operations[counterexample.operation].describe() << "\n";
  const std::vector<size_t>& prefix = counterexample.longest_prefix;
  out << "longest linearizable prefix: " << prefix.size() << " operations\n";
  const size_t first = prefix.size() > kPrefixShown ? prefix.size() - kPrefixShown : 0;
  if (first > 0) {
    out << "  ... " << first << " earlier operations\n";
  }
  for (size_t i = first; i < prefix.size(); ++i) {
    out << "  " << i + 1 << ". " << history.operations[prefix[i]].describe() << "\n";
  }
  out << "state after the prefix: " << counterexample.state << "\n";
  if (counterexample.reachable) {
    write_reachable(*counterexample.reachable, out);
  }
}

void write_text(const std::string& path, const lin::History& history, const std::string& model,
                lin::Consistency consistency, const lin::CheckResult& result, double elapsed_ms, std::ostream& out) {
  out << "history: " << path << " (" << history.format << ", " << history.operations.size() << " operations, model "
      << model << ", partitions: " << result.partitions.size() << ")\n";
  if (consistency != lin::Consistency::linearizable) {
    out << "consistency: " << lin::consistency_name(consistency) << " (the verdict is at this level)\n";
  }
  out << "verdict: " << lin::verdict_name(result.verdict) << "\n";
  if (!result.reason.empty()) {
    out << "reason: " << result.reason << "\n";
  }
  if (result.counterexample) {
    write_counterexample(history, *result.counterexample, out);
  }
  out << "steps: " << result.steps << ", " << elapsed_ms << " ms\n";
}

// The timeline goes to a temporary file renamed into place at the end, so that a failure never
// leaves half a report under the requested name.
std::optional<std::string> open_html(const std::string& path, std::ofstream& file) {
  if (path.empty()) {
    return std::nullopt;
  }
  file.open(path + ".tmp", std::ios::binary | std::ios::trunc);
  if (!file) {
    return "cannot write --html " + path + ": " + std::strerror(errno);
  }
  return std::nullopt;
}

std::optional<std::string> finish_html(const CheckCommandOptions& options, const lin::History& history,
                                       const std::string& model, lin::Consistency consistency,
                                       const lin::CheckResult& result, std::ofstream& file) {
  if (options.html_path.empty()) {
    return std::nullopt;
  }
  lin::TimelineOptions timeline;
  timeline.title = options.history_path;
  timeline.model = model;
  if (consistency != lin::Consistency::linearizable) {
    timeline.model += std::string(", consistency ") + lin::consistency_name(consistency);
  }
  file << lin::timeline_html(history, result, timeline);
  file.close();
  const std::string temp = options.html_path + ".tmp";
  std::error_code error;
  if (!file) {
    std::filesystem::remove(temp, error);
    return "failed writing --html " + options.html_path;
  }
  std::filesystem::rename(temp, options.html_path, error);
  if (error) {
    std::filesystem::remove(temp, error);
    return "cannot write --html " + options.html_path + ": " + error.message();
  }
  return std::nullopt;
}

int exit_code(lin::Verdict verdict) {
  switch (verdict) {
    case lin::Verdict::linearizable:
      return kExitOk;
    case lin::Verdict::not_linearizable:
      return kExitCheckFailed;
    case lin::Verdict::unknown:
      return kExitUnknown;
  }
  return kExitUnknown;
}

}  // namespace

int run_check(const CheckCommandOptions& options, std::ostream& out, std::ostream& err) {
  const std::string where = "consim check: " + options.history_path + ": ";
  std::string text;
  if (std::optional<std::string> problem = read_file(options.history_path, &text)) {
    err << "consim check: " << *problem << "\n";
    return kExitUsage;
  }
  const std::optional<lin::Consistency> consistency = lin::consistency_from_name(options.consistency);
  if (!consistency) {
    err << "consim check: unknown --consistency " << options.consistency
        << " (expected linearizable, sequential or zookeeper)\n";
    return kExitUsage;
  }
  const std::optional<lin::Format> format = lin::format_from_name(options.format);
  if (!format) {
    err << "consim check: unknown --format " << options.format << "\n";
    return kExitUsage;
  }
  const lin::ParsedHistory parsed = lin::parse_history(text, *format);
  if (parsed.error) {
    err << where << parsed.error->describe() << "\n";
    return kExitUsage;
  }
  std::string().swap(text);  // the history holds everything from here on
  const std::string model_name = options.model == "auto" ? choose_model(parsed.history) : options.model;
  lin::Value initial;
  if (std::optional<std::string> problem = initial_value(options, parsed.history, model_name, &initial)) {
    err << "consim check: " << *problem << "\n";
    return kExitUsage;
  }
  const std::unique_ptr<lin::Model> model = lin::make_model(model_name, initial);
  if (!model) {
    err << "consim check: unknown --model " << model_name << "\n";
    return kExitUsage;
  }
  if (std::optional<std::string> problem = lin::validate_history(parsed.history, *model)) {
    err << where << *problem << "\n";
    return kExitUsage;
  }
  lin::CheckOptions check_options;
  check_options.consistency = *consistency;
  check_options.time_limit_s = options.time_limit_s;
  check_options.memory_limit_bytes = options.memory_limit_mb << 20;
  std::ofstream html;  // opened before the check, so that an unwritable path fails at once
  if (std::optional<std::string> problem = open_html(options.html_path, html)) {
    err << "consim check: " << *problem << "\n";
    return kExitUsage;
  }
  const auto start = std::chrono::steady_clock::now();
  const lin::CheckResult result = lin::check(parsed.history, *model, check_options);
  const double elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (std::optional<std::string> problem =
          finish_html(options, parsed.history, model_name, *consistency, result, html)) {
    err << "consim check: " << *problem << "\n";
    return kExitUsage;
  }
  if (options.json) {
    out << result_json(options.history_path, parsed.history, model_name, *consistency, result, elapsed_ms).dump(2)
        << "\n";
  } else {
    write_text(options.history_path, parsed.history, model_name, *consistency, result, elapsed_ms, out);
  }
  return exit_code(result.verdict);
}

}  // namespace consim::cli
