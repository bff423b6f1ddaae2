#include "checkers/linearizability/generate.h"

#include <algorithm>
#include <map>
#include <queue>
#include <utility>
#include <vector>

#include "base/assert.h"
#include "sim/rng.h"

namespace consim::checkers::lin {
namespace {

using sim::Rng;

// What the generator knows about an operation beyond the history: when it took effect.
struct Plan {
  int64_t lp_ns = 0;         // the linearization point, inside [invoke_ns, completion]
  bool takes_effect = true;  // false for a crashed operation that never happened
};

// One event of the history in the order to_jsonl writes it: (operation, is invocation).
using EventRef = std::pair<size_t, bool>;

std::vector<EventRef> event_order(const History& history) {
  std::vector<EventRef> events;
  events.reserve(2 * history.operations.size());
  std::vector<size_t> info;
  for (size_t i = 0; i < history.operations.size(); ++i) {
    const Operation& op = history.operations[i];
    events.emplace_back(i, true);
    if (op.status == Status::info) {
      info.push_back(i);
    } else if (op.status != Status::pending) {
      events.emplace_back(i, false);
    }
  }
  // Completions first at equal times: a client completes before it invokes its next operation.
  const auto time_of = [&history](const EventRef& e) {
    const Operation& op = history.operations[e.first];
    return e.second ? op.invoke_ns : op.complete_ns;
  };
  std::stable_sort(events.begin(), events.end(), [&time_of](const EventRef& a, const EventRef& b) {
    const int64_t ta = time_of(a);
    const int64_t tb = time_of(b);
    if (ta != tb) {
      return ta < tb;
    }
    return !a.second && b.second;
  });
  for (const size_t i : info) {
    events.emplace_back(i, false);
  }
  return events;
}

// Closed-loop clients: each starts its next operation a think time after its previous one
// completed. Returns the operations in invocation order with their times, process, f and key.
std::vector<Plan> schedule(const GeneratorOptions& options, Rng& rng, History& history) {
  using Ready = std::pair<int64_t, size_t>;  // (next invocation time, client slot)
  std::priority_queue<Ready, std::vector<Ready>, std::greater<>> clients;
  std::vector<int64_t> process_of(options.processes);
  for (size_t slot = 0; slot < options.processes; ++slot) {
    process_of[slot] = static_cast<int64_t>(slot);
    clients.emplace(rng.uniform_int(0, options.think_ns_max), slot);
  }
  int64_t next_process = static_cast<int64_t>(options.processes);
  std::vector<Plan> plans;
  plans.reserve(options.operations);
  history.operations.reserve(options.operations);
  while (history.operations.size() < options.operations) {
    const auto [invoke_ns, slot] = clients.top();
    clients.pop();
    Operation op;
    op.process = process_of[slot];
    op.invoke_ns = invoke_ns;
    const int64_t end_ns = invoke_ns + rng.uniform_int(1, options.latency_ns_max);
    Plan plan;
    plan.lp_ns = rng.uniform_int(invoke_ns, end_ns);
    const uint64_t pick = rng.uniform_u64(100);
    if (options.kv) {
      op.key = std::to_string(rng.uniform_u64(std::max<size_t>(options.keys, 1)));
      op.f = pick < 50 ? "get" : pick < 65 ? "put" : "append";
    } else {
      op.f = pick < 50 ? "read" : pick < 80 ? "write" : "cas";
    }
    if (rng.bernoulli(options.crash_fraction)) {
      op.status = Status::info;
      op.complete_ns = kNeverNs;
      plan.takes_effect = rng.bernoulli(0.5);
      process_of[slot] = next_process++;  // a crashed Jepsen client is replaced by a new process
    } else {
      op.status = Status::ok;
      op.complete_ns = end_ns;
    }
    clients.emplace(end_ns + rng.uniform_int(0, options.think_ns_max), slot);
    history.operations.push_back(std::move(op));
    plans.push_back(plan);
  }
  return plans;
}

// Applies every operation at its linearization point to one sequential object, choosing the
// written values as it goes, and records what each operation returned.
void execute(const GeneratorOptions& options, const std::vector<Plan>& plans, Rng& rng, History& history) {
  std::vector<size_t> by_lp(plans.size());
  for (size_t i = 0; i < by_lp.size(); ++i) {
    by_lp[i] = i;
  }
  std::stable_sort(by_lp.begin(), by_lp.end(),
                   [&plans](size_t a, size_t b) { return plans[a].lp_ns < plans[b].lp_ns; });
  Value current = Value::null_value();    // the register
  std::map<std::string, std::string> kv;  // absent keys read as ""
  const auto random_value = [&rng, &options] { return Value::of(rng.uniform_int(0, options.values - 1)); };
  for (const size_t i : by_lp) {
    Operation& op = history.operations[i];
    const bool effect = plans[i].takes_effect;
    const bool ok = op.status == Status::ok;
    if (op.f == "read") {
      op.output = ok ? current : Value::null_value();
    } else if (op.f == "write") {
      op.input = random_value();
      current = effect ? op.input : current;
      op.output = ok ? op.input : Value::null_value();
    } else if (op.f == "cas") {
      // Half of the compares name the current value, so that a fair share of them succeed.
      const Value expected = rng.bernoulli(0.5) && !current.is_null() ? current : random_value();
      op.input = Value::list({expected, random_value()});
      const bool swaps = expected == current;
      if (effect && swaps) {
        current = op.input.items[1];
      }
      if (ok) {
        op.status = swaps ? Status::ok : Status::fail;  // a failed compare is an observation
        op.output = op.input;
      }
    } else if (op.f == "get") {
      op.output = ok ? Value::of(kv[op.key]) : Value::null_value();
    } else {
      // put and append carry Porcupine-style unique strings: "x <process> <index> y".
      op.input = Value::of("x " + std::to_string(op.process) + " " + std::to_string(i) + " y");
      if (effect) {
        std::string& value = kv[op.key];
        value = op.f == "put" ? op.input.text.str() : value + op.input.text;
      }
      op.output = ok ? op.input : Value::null_value();
    }
  }
}

std::optional<size_t> inject_impossible_read(const GeneratorOptions& options, History& history) {
  const std::string_view read = options.kv ? "get" : "read";
  for (size_t i = history.operations.size() / 2; i < history.operations.size(); ++i) {
    Operation& op = history.operations[i];
    if (op.f == read && op.status == Status::ok) {
      // Registers hold values from [0, values); kv strings are made of "x p i y" pieces.
      op.output = options.kv ? Value::of(std::string("never written")) : Value::of(int64_t{-1});
      return i;
    }
  }
  return std::nullopt;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[(c >> 4) & 0xf];
      out += kHex[c & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

void append_json_value(std::string& out, const Value& value) {
  switch (value.kind) {
    case Value::Kind::null:
      out += "null";
      return;
    case Value::Kind::integer:
      out += std::to_string(value.integer);
      return;
    case Value::Kind::string:
      append_json_string(out, value.text);
      return;
    case Value::Kind::list:
      out += '[';
      for (size_t i = 0; i < value.items.size(); ++i) {
        out += i == 0 ? "" : ",";
        append_json_value(out, value.items[i]);
      }
      out += ']';
      return;
  }
}

}  // namespace

GeneratedHistory generate_history(const GeneratorOptions& options) {
  CONSIM_ASSERT(options.processes > 0);
  CONSIM_ASSERT(options.values > 0);
  CONSIM_ASSERT(options.latency_ns_max >= 1);
  CONSIM_ASSERT(options.think_ns_max >= 0);
  GeneratedHistory generated;
  generated.history.format = "generated";
  const Rng root(options.seed);
  Rng timing = root.fork("schedule");
  Rng values = root.fork("values");
  const std::vector<Plan> plans = schedule(options, timing, generated.history);
  execute(options, plans, values, generated.history);
  if (options.impossible_read) {
    generated.impossible_read = inject_impossible_read(options, generated.history);
  }
  // Report lines are those of to_jsonl's rendering of the history.
  const std::vector<EventRef> events = event_order(generated.history);
  for (size_t line = 0; line < events.size(); ++line) {
    Operation& op = generated.history.operations[events[line].first];
    (events[line].second ? op.invoke_line : op.complete_line) = line + 1;
  }
  return generated;
}

std::string to_jsonl(const History& history) {
  const std::vector<EventRef> events = event_order(history);
  int64_t last_ns = 0;
  std::string out;
  out.reserve(events.size() * 80);
  for (const auto& event : events) {
    const Operation& op = history.operations[event.first];
    const bool invoke = event.second;
    const int64_t time_ns = invoke ? op.invoke_ns : op.status == Status::info ? last_ns : op.complete_ns;
    last_ns = std::max(last_ns, time_ns);
    out += "{\"process\":" + std::to_string(op.process) + ",\"type\":\"";
    out += invoke ? "invoke" : status_name(op.status);
    out += "\",\"f\":";
    append_json_string(out, op.f);
    if (!op.key.empty()) {
      out += ",\"key\":";
      append_json_string(out, op.key);
    }
    const Value& value = invoke ? op.input : op.output;
    if (!value.is_null()) {
      out += ",\"value\":";
      append_json_value(out, value);
    }
    if (!invoke && !op.error.empty()) {
      out += ",\"error\":";
      append_json_string(out, op.error);
    }
    if (op.version != -1 && invoke) {
      out += ",\"version\":" + std::to_string(op.version);
    }
    out += ",\"time_ns\":" + std::to_string(time_ns) + "}\n";
  }
  return out;
}

}  // namespace consim::checkers::lin
