#include "cli/check_command.h"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/history_parse.h"
#include "cli/app.h"

namespace consim::cli {
namespace {

namespace lin = checkers::lin;

// Prefixes longer than this are shortened to their last operations in the text report.
constexpr size_t kPrefixShown = 12;

std::optional<std::string> read_file(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return "cannot read " + path;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *text = buffer.str();
  return std::nullopt;
}

// The model a history needs when none is named: kv as soon as an operation is kv-only.
std::string choose_model(const lin::History& history) {
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

nlohmann::json result_json(const std::string& path, const lin::History& history, const std::string& model,
                           const lin::CheckResult& result, double elapsed_ms) {
  nlohmann::json json = {{"history", path},
                         {"format", history.format},
                         {"model", model},
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
  }
  return json;
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
}

void write_text(const std::string& path, const lin::History& history, const std::string& model,
                const lin::CheckResult& result, double elapsed_ms, std::ostream& out) {
  out << "history: " << path << " (" << history.format << ", " << history.operations.size() << " operations, model "
      << model << ", partitions: " << result.partitions.size() << ")\n";
  out << "verdict: " << lin::verdict_name(result.verdict) << "\n";
  if (!result.reason.empty()) {
    out << "reason: " << result.reason << "\n";
  }
  if (result.counterexample) {
    write_counterexample(history, *result.counterexample, out);
  }
  out << "steps: " << result.steps << ", " << elapsed_ms << " ms\n";
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
  check_options.time_limit_s = options.time_limit_s;
  check_options.memory_limit_bytes = options.memory_limit_mb << 20;
  const auto start = std::chrono::steady_clock::now();
  const lin::CheckResult result = lin::check(parsed.history, *model, check_options);
  const double elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (options.json) {
    out << result_json(options.history_path, parsed.history, model_name, result, elapsed_ms).dump(2) << "\n";
  } else {
    write_text(options.history_path, parsed.history, model_name, result, elapsed_ms, out);
  }
  return exit_code(result.verdict);
}

}  // namespace consim::cli
