#include "harness/run_summary.h"

#include <nlohmann/json.hpp>
#include <sstream>

namespace consim::harness {

void judge_expectation(const Scenario& scenario, RunReport& report) {
  const Expectation& expect = scenario.expect;
  report.expect_held = true;
  report.expect_detail.clear();
  if (expect.verdict == "pass") {
    if (report.verdict != "pass") {
      report.expect_held = false;
      report.expect_detail = "expected every check to pass";
    }
    return;
  }
  // A teaching scenario that must show a violation: the named check (any, if none) failed.
  bool matched = false;
  for (const CheckOutcome& check : report.checks) {
    if (check.status != "fail" || (!expect.check.empty() && check.name != expect.check)) {
      continue;
    }
    if (!expect.invariant.empty() && check.detail.find(expect.invariant) == std::string::npos) {
      continue;
    }
    matched = true;
  }
  if (!matched) {
    report.expect_held = false;
    report.expect_detail = "expected " + (expect.check.empty() ? std::string("a check") : expect.check) +
                           (expect.invariant.empty() ? "" : " (" + expect.invariant + ")") + " to fail";
  }
}

std::string summary_json(const Scenario& scenario, const RunReport& report, const std::string& version,
                         const std::string& trace_file) {
  nlohmann::ordered_json summary;
  summary["consim_version"] = version;
  summary["scenario"] = scenario.name;
  summary["description"] = scenario.description;
  summary["file"] = scenario.file;
  summary["protocol"] = scenario.protocol;
  summary["service"] = scenario.service;
  summary["nodes"] = scenario.nodes;
  summary["seed"] = report.seed;
  summary["duration_ms"] = scenario.duration_ms;
  summary["read_mode"] = scenario.read_mode();
  summary["bugs"] = scenario.bugs;
  summary["verdict"] = report.verdict;
  nlohmann::ordered_json checks = nlohmann::ordered_json::object();
  for (const CheckOutcome& check : report.checks) {
    checks[check.name] = {{"status", check.status}, {"detail", check.detail}};
  }
  summary["checks"] = checks;
  summary["expect"] = {{"verdict", scenario.expect.verdict},
                       {"check", scenario.expect.check},
                       {"invariant", scenario.expect.invariant},
                       {"held", report.expect_held},
                       {"detail", report.expect_detail}};
  const RunMetrics& m = report.metrics;
  summary["metrics"] = {
      {"simulated_s", m.simulated_s},
      {"events", m.events},
      {"operations",
       {{"invoked", m.invoked}, {"ok", m.ok}, {"fail", m.fail}, {"info", m.info}, {"pending", m.pending}}},
      {"committed_ops", m.committed_ops},
      {"ok_reads", m.ok_reads},
      {"stale_reads", m.stale_reads},
      {"throughput_ops_per_s", m.throughput_ops_per_s},
      {"latency_ms",
       {{"p50", m.latency_ms_p50}, {"p90", m.latency_ms_p90}, {"p99", m.latency_ms_p99}, {"max", m.latency_ms_max}}},
      {"messages", m.messages},
      {"bytes", m.bytes},
      {"messages_per_committed_op", m.messages_per_committed_op},
      {"bytes_per_committed_op", m.bytes_per_committed_op},
      {"fsyncs", m.fsyncs},
      {"elections", m.elections},
      {"leader_changes", m.leader_changes},
      {"max_term", m.terms},
      {"time_without_leader_ms", m.time_without_leader_ms},
      {"faults", m.faults},
      {"crashes", m.crashes},
  };
  summary["trace_digest"] = report.digest;
  summary["files"] = {{"trace", trace_file}, {"history", trace_file.empty() ? "" : "history.jsonl"}};
  return summary.dump(2) + "\n";
}

std::string format_report(const RunReport& report) {
  std::ostringstream out;
  out << "scenario " << report.scenario << ", seed " << report.seed << ": " << report.verdict << "\n";
  for (const CheckOutcome& check : report.checks) {
    out << "  " << check.name << ": " << check.status;
    if (!check.detail.empty()) {
      out << " — " << check.detail;
    }
    out << "\n";
  }
  const RunMetrics& m = report.metrics;
  out << "  operations: " << m.invoked << " invoked, " << m.ok << " ok, " << m.fail << " fail, " << m.info << " info; "
      << m.committed_ops << " writes committed; " << m.stale_reads << " stale reads\n";
  out << "  latency ms p50/p99/max: " << m.latency_ms_p50 << " / " << m.latency_ms_p99 << " / " << m.latency_ms_max
      << "; throughput " << m.throughput_ops_per_s << " ops/s\n";
  out << "  elections " << m.elections << ", leader changes " << m.leader_changes << ", without a leader "
      << m.time_without_leader_ms << " ms; " << m.messages_per_committed_op << " messages per committed write\n";
  out << "  trace digest " << report.digest << "\n";
  out << (report.expect_held ? "expectation held" : "EXPECTATION FAILED: " + report.expect_detail) << "\n";
  return out.str();
}

}  // namespace consim::harness
