#include "harness/history_recorder.h"

#include <algorithm>
#include <optional>

#include "base/assert.h"
#include "sim/trace.h"

namespace consim::harness {
namespace {

// Keys are the workload's own ("k3", "/k3"), but escape anyway: the file is an interface.
void append_string(std::string& out, std::string_view text) { sim::append_json_string(text, out); }

void append_number(std::string& out, std::optional<int64_t> value) {
  out += value.has_value() ? std::to_string(*value) : "null";
}

}  // namespace

void HistoryRecorder::begin(uint64_t process, std::string_view type, const ClientOp& op) {
  CONSIM_ASSERT(keep_text_);
  text_ += "{\"process\":";
  text_ += std::to_string(process);
  text_ += ",\"type\":\"";
  text_ += type;
  text_ += "\",\"f\":";
  append_string(text_, op.f);
  text_ += ",\"key\":";
  append_string(text_, op.key);
}

void HistoryRecorder::end(SimTime at) {
  text_ += ",\"time_ns\":";
  text_ += std::to_string(at.ns);
  text_ += "}\n";
}

namespace {

// The invocation's value: what is written, [expected, new] for a cas, null for a read.
void append_op_value(std::string& out, const ClientOp& op) {
  out += ",\"value\":";
  if (op.f == "cas") {
    out += '[';
    append_number(out, op.expected);
    out += ',';
    append_number(out, op.value);
    out += ']';
  } else if (op.is_read()) {
    out += "null";
  } else {
    append_number(out, op.value);
  }
  if (op.version.has_value()) {
    out += ",\"version\":";
    out += std::to_string(*op.version);
  }
  if (op.ephemeral) {
    out += ",\"ephemeral\":true";
  }
}

// An ok completion's value. kv: what a read returned, otherwise the invocation's value. znode,
// as checkers/linearizability/znode_model.h reads it: get gives [data, version], exists the
// version (null: absent), set [data, new version]; the checker then holds the versions to the
// model's count of sets, not just the data.
void append_ok_value(std::string& out, const ClientOp& op, const OpOutcome& outcome) {
  const bool versioned = (op.f == "get" || op.f == "set") && outcome.version.has_value();
  if (op.f == "exists") {
    out += ",\"value\":";
    append_number(out, outcome.version);
  } else if (versioned) {
    out += ",\"value\":[";
    append_number(out, op.f == "get" ? outcome.value : op.value);
    out += ',';
    append_number(out, outcome.version);
    out += ']';
    if (op.version.has_value()) {
      out += ",\"version\":";
      out += std::to_string(*op.version);
    }
  } else if (op.is_read()) {
    out += ",\"value\":";
    append_number(out, outcome.value);
  } else {
    append_op_value(out, op);
  }
}

using checkers::lin::Value;

Value number_value(std::optional<int64_t> value) { return value.has_value() ? Value::of(*value) : Value::null_value(); }

// append_op_value's value, as the checker holds it.
Value op_value(const ClientOp& op) {
  if (op.f == "cas") {
    return Value::list({number_value(op.expected), number_value(op.value)});
  }
  if (op.is_read()) {
    return Value::null_value();
  }
  return number_value(op.value);
}

// append_ok_value's value, as the checker holds it.
Value ok_value(const ClientOp& op, const OpOutcome& outcome) {
  const bool versioned = (op.f == "get" || op.f == "set") && outcome.version.has_value();
  if (op.f == "exists") {
    return number_value(outcome.version);
  }
  if (versioned) {
    return Value::list({number_value(op.f == "get" ? outcome.value : op.value), number_value(outcome.version)});
  }
  if (op.is_read()) {
    return number_value(outcome.value);
  }
  return op_value(op);
}

}  // namespace

void HistoryRecorder::add_event(uint64_t process, std::string type, const ClientOp& op, checkers::lin::Value value,
                                std::string error, SimTime at) {
  // Opening a session is the client's business: the checker's models know no such operation.
  CONSIM_ASSERT(op.f != "open_session");
  checkers::lin::HistoryEvent event;
  event.process = static_cast<int64_t>(process);
  event.type = std::move(type);
  event.f = op.f;
  event.key = op.key;
  event.value = std::move(value);
  event.time_ns = at.ns;
  if (event.type == "invoke") {
    event.version = op.version;
  }
  event.error = std::move(error);
  std::optional<std::string> problem = builder_.add(++lines_, std::move(event));
  if (problem.has_value() && !problem_.has_value()) {
    problem_ = "line " + std::to_string(lines_) + ": " + *problem;
  }
}

void HistoryRecorder::invoke(uint64_t process, const ClientOp& op, SimTime at) {
  if (keep_text_) {
    begin(process, "invoke", op);
    append_op_value(text_, op);
    end(at);
  }
  add_event(process, "invoke", op, op_value(op), "", at);
  ++counts_.invoked;
}

void HistoryRecorder::possible(uint64_t process, const ClientOp& op, SimTime at) {
  if (keep_text_) {
    begin(process, "invoke", op);
    append_op_value(text_, op);
    end(at);
  }
  add_event(process, "invoke", op, op_value(op), "", at);
}

void HistoryRecorder::complete(uint64_t process, const ClientOp& op, const OpOutcome& outcome, SimTime invoked,
                               SimTime at, std::string_view server) {
  CONSIM_ASSERT(invoked <= at);
  if (keep_text_) {
    begin(process, outcome.ok ? "ok" : "fail", op);
    if (outcome.ok) {
      append_ok_value(text_, op, outcome);
    } else {
      append_op_value(text_, op);
      text_ += ",\"error\":";
      append_string(text_, outcome.error);
    }
    text_ += ",\"node\":";
    append_string(text_, server);
    end(at);
  }
  add_event(process, outcome.ok ? "ok" : "fail", op, outcome.ok ? ok_value(op, outcome) : op_value(op),
            outcome.ok ? "" : outcome.error, at);
  if (outcome.ok) {
    ++counts_.ok;
    latencies_ns_.push_back((at - invoked).ns);
    if (op.is_read()) {
      ++counts_.reads_ok;
      if (stale(op, outcome, invoked)) {
        ++counts_.stale_reads;
      }
    } else {
      ++counts_.writes_ok;
      write_completions_ns_.push_back(at.ns);
      Acknowledged& acked = acknowledged_[op.key];
      acked.completed_ns.push_back(at.ns);
      acked.max_revision.push_back(acked.max_revision.empty() ? outcome.revision
                                                              : std::max(acked.max_revision.back(), outcome.revision));
    }
  } else {
    ++counts_.fail;
  }
}

bool HistoryRecorder::stale(const ClientOp& op, const OpOutcome& outcome, SimTime invoked) const {
  const auto it = acknowledged_.find(op.key);
  if (it == acknowledged_.end()) {
    return false;
  }
  const std::vector<int64_t>& completed = it->second.completed_ns;
  const auto before = std::lower_bound(completed.begin(), completed.end(), invoked.ns);
  if (before == completed.begin()) {
    return false;
  }
  const size_t last = static_cast<size_t>(before - completed.begin()) - 1;
  return it->second.max_revision[last] > outcome.revision;
}

void HistoryRecorder::info(uint64_t process, const ClientOp& op, std::string_view error, SimTime at) {
  if (keep_text_) {
    begin(process, "info", op);
    append_op_value(text_, op);
    text_ += ",\"error\":";
    append_string(text_, error);
    end(at);
  }
  add_event(process, "info", op, op_value(op), std::string(error), at);
  ++counts_.info;
}

}  // namespace consim::harness
