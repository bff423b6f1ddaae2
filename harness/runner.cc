#include "harness/runner.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <typeinfo>

#include "base/assert.h"
#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/history_parse.h"
#include "harness/client.h"
#include "harness/client_gateway.h"
#include "harness/cluster_observer.h"
#include "harness/exactly_once.h"
#include "harness/fault_injector.h"
#include "harness/history_recorder.h"
#include "harness/node_host.h"
#include "harness/protocol_binding.h"
#include "harness/run_summary.h"
#include "harness/scenario_params.h"
#include "harness/service_binding.h"
#include "harness/workload.h"
#include "sim/simulator.h"
#include "sim/world.h"

namespace consim::harness {
namespace {

// How long an expiry proposed to a leader that still leads waits before it is proposed again.
constexpr Duration kExpiryRetry = Duration::seconds(1);

sim::DiskParams disk_params(const DiskSpec& spec) {
  sim::DiskParams params;
  if (spec.sync_ms_min) params.sync_latency_min = scenario_ms(*spec.sync_ms_min);
  if (spec.sync_ms_max) params.sync_latency_max = scenario_ms(*spec.sync_ms_max);
  if (params.sync_latency_max < params.sync_latency_min) {
    params.sync_latency_max = params.sync_latency_min;
  }
  if (spec.torn_write_probability) params.torn_write_probability = *spec.torn_write_probability;
  if (spec.lying_sync) params.lying_sync = *spec.lying_sync;
  return params;
}

std::unique_ptr<ServiceBinding> binding_for(const std::string& service) {
  if (service == "znode") {
    return make_znode_binding();
  }
  CONSIM_ASSERT(service == "kv");
  return make_kv_binding();
}

// One run of one scenario with one seed.
class ScenarioRun {
 public:
  ScenarioRun(const Scenario& scenario, const RunOptions& options, uint64_t seed, std::ostream* trace_out);
  void run();
  RunReport report(const std::string& trace_note);

 private:
  void build_world();
  void schedule_faults();
  // Runs events up to `until`, or until the invariants fail, or `done` holds; false if stopped
  // by a violation.
  bool run_until(SimTime until, const std::function<bool()>& done = nullptr);
  void report_progress();
  void liveness_phase();
  // The leader's periodic duties the service leaves to the harness: proposing the expiry of
  // sessions (and leases) whose deadline passed by the leader's clock.
  void housekeeping();
  NodeHost* host(uint32_t node);
  uint32_t leader();
  CheckOutcome check_invariants();
  // The history held to `consistency`, reported as check `name` ("linearizability", "sequential").
  CheckOutcome check_history(const std::string& name, checkers::lin::Consistency consistency);
  const checkers::lin::History& checked_history();
  RunMetrics metrics() const;

  const Scenario& scenario_;
  RunOptions options_;
  uint64_t seed_;
  sim::Simulator sim_;
  std::unique_ptr<ProtocolBinding> protocol_;
  std::unique_ptr<ServiceBinding> binding_;
  std::unique_ptr<InvariantChecker> invariants_;
  ClusterObserver observer_;
  HistoryRecorder history_;
  std::optional<checkers::lin::History> checked_history_;  // taken from history_ for the checks
  std::unique_ptr<Workload> workload_;
  ClientSetup client_setup_;
  std::unique_ptr<sim::World> world_;
  std::unique_ptr<ClientGateway> gateway_;
  std::unique_ptr<FaultInjector> faults_;
  bool violated_ = false;
  uint64_t violation_event_ = 0;
  CheckOutcome liveness_{"liveness", "skipped", ""};
  SimTime workload_end_;
  SimTime next_progress_;
  uint64_t next_housekeeping_request_ = 1;
  uint64_t next_membership_request_ = 1;
  std::set<uint64_t> expiries_recorded_;  // leases or sessions whose expiry is in the history
  // The expiries proposed and not yet applied by the leader: which leader took each, and when.
  // One proposal per leader is enough (it commits, or that leader loses its log's tail); a new
  // leader, or a long wait, proposes again.
  struct ProposedExpiry {
    uint32_t leader = 0;
    SimTime at;
  };
  std::map<uint64_t, ProposedExpiry> expiries_proposed_;
  uint64_t next_expiry_process_ = 1'000'000'000;  // far above any client's process ids
};

ScenarioRun::ScenarioRun(const Scenario& scenario, const RunOptions& options, uint64_t seed, std::ostream* trace_out)
    : scenario_(scenario),
      options_(options),
      seed_(seed),
      sim_(seed),
      protocol_(make_protocol_binding(scenario)),
      binding_(binding_for(scenario.service)),
      invariants_(protocol_->make_invariants()),
      observer_(scenario.nodes, options.explain),
      history_(options.keep_history_text || !options.out_dir.empty()) {
  if (trace_out != nullptr) {
    sim_.trace().stream_to(trace_out);
  }
  if (scenario_.checks_enabled("invariants")) {
    sim_.trace().subscribe(
        [this](const sim::TraceRecord& record) {
          invariants_->observe(record);
          if (!violated_ && !invariants_->ok()) {
            violated_ = true;
            violation_event_ = sim_.events_processed();
          }
        },
        protocol_->invariant_kinds());
  }
  sim_.trace().subscribe([this](const sim::TraceRecord& record) { observer_.observe(record); },
                         ClusterObserver::kinds());
  // Crash points that wait for a kind of record see it (only the kinds they wait for).
  std::vector<std::string> awaited;
  for (const Fault& fault : scenario_.faults) {
    const auto* point = std::get_if<CrashPointFault>(&fault.action);
    if (point != nullptr && !point->after_event.empty() &&
        std::find(awaited.begin(), awaited.end(), point->after_event) == awaited.end()) {
      awaited.push_back(point->after_event);
    }
  }
  if (!awaited.empty()) {
    sim_.trace().subscribe([this](const sim::TraceRecord& record) { faults_->observe(record); }, awaited);
  }
  build_world();
}

void ScenarioRun::build_world() {
  const uint32_t nodes = scenario_.nodes;
  const uint32_t clients = scenario_.workload.clients;
  workload_ = std::make_unique<Workload>(scenario_.workload, scenario_.service, sim_.rng("workload"));
  workload_end_ = SimTime::zero() + scenario_ms(scenario_.duration_ms);
  client_setup_.workload = workload_.get();
  client_setup_.history = &history_;
  client_setup_.sim = &sim_;
  client_setup_.nodes = nodes;
  client_setup_.clients = std::max<uint32_t>(clients, 1);
  const ClientReads reads = protocol_->client_reads();
  client_setup_.read_mode = reads.read_mode;
  client_setup_.any_server = reads.any_server;
  client_setup_.follow_leader_hints = reads.follow_leader_hints;
  client_setup_.timeout = scenario_ms(scenario_.workload.timeout_ms);
  client_setup_.stop_at = workload_end_;
  client_setup_.sessions = scenario_.service == "znode";
  client_setup_.session_timeout_ms = scenario_.workload.session_timeout_ms;

  NodeFactory make_node = protocol_->node_factory();
  const ServiceBinding* binding = binding_.get();
  ApplicationFactory make_application = [binding](protocols::NodeId) {
    return std::make_unique<ExactlyOnce>(binding->make_application());
  };
  const NodeHostOptions host_options = protocol_->host_options();

  sim::WorldConfig config;
  config.hosts = nodes + clients;
  config.link = apply_link_spec(sim::LinkParams{}, scenario_.network);
  config.disk = disk_params(scenario_.disk);
  world_ = std::make_unique<sim::World>(
      sim_, config,
      [this, make_node, make_application, host_options, nodes](sim::HostContext context,
                                                               const sim::DiskImage& recovered) {
        std::unique_ptr<sim::Process> process;
        if (context.self().index < nodes) {
          NodeHostHooks hooks;
          hooks.crash = [this](sim::HostId crashed) { world_->crash(crashed); };
          hooks.crash_point = [this](protocols::NodeId node, std::string_view step) {
            return faults_->crash_point(node.value, step);
          };
          hooks.crash_point_armed = faults_->crash_points_armed();
          gateway_->wire(hooks);
          process = std::make_unique<NodeHost>(context, recovered, make_node, make_application, hooks, host_options);
        } else {
          process = std::make_unique<ClientProcess>(context, context.self().index - nodes, &client_setup_);
        }
        return process;
      });
  gateway_ = std::make_unique<ClientGateway>(*world_, *binding_, nodes);
  faults_ = std::make_unique<FaultInjector>(*world_, nodes, sim_.rng("faults"), [this] { return leader(); });
  faults_->set_membership_changer([this](uint32_t at, MembershipFault::Change change, uint32_t target) {
    const protocols::RequestId id{uint64_t{1} << 61 | next_membership_request_++};
    world_->inject(sim::HostId{at - 1}, [this, id, change, target](sim::Process& process) {
      static_cast<NodeHost&>(process).with_node(
          [&](protocols::Node& node) { protocol_->change_membership(node, id, change, protocols::NodeId{target}); });
    });
  });
}

NodeHost* ScenarioRun::host(uint32_t node) {
  sim::Process* process = world_->process(sim::HostId{node - 1});
  return process != nullptr && typeid(*process) == typeid(NodeHost) ? static_cast<NodeHost*>(process) : nullptr;
}

// The live node that believes it leads in the highest term or epoch (the nodes' own view, as a
// fault injector targeting "the leader" would see it); a ZAB leader counts once it serves.
uint32_t ScenarioRun::leader() {
  uint32_t best = 0;
  uint64_t best_term = 0;
  for (uint32_t node = 1; node <= scenario_.nodes; ++node) {
    NodeHost* server = host(node);
    if (server == nullptr || world_->state(sim::HostId{node - 1}) != sim::HostState::kUp) {
      continue;
    }
    const std::optional<uint64_t> term = protocol_->leading_term(server->node());
    if (term.has_value() && (best == 0 || *term > best_term)) {
      best = node;
      best_term = *term;
    }
  }
  return best;
}

void ScenarioRun::schedule_faults() {
  for (const Fault& fault : scenario_.faults) {
    sim_.schedule_at(SimTime::zero() + scenario_ms(fault.at_ms),
                     [this, action = fault.action] { faults_->apply(action); });
  }
}

bool ScenarioRun::run_until(SimTime until, const std::function<bool()>& done) {
  while (!violated_) {
    if (done && done()) {
      return true;
    }
    if (sim_.next_event_time() > until) {
      sim_.run_until(until);
      return true;
    }
    sim_.step();
    if (options_.progress != nullptr && sim_.now() >= next_progress_) {
      report_progress();
    }
  }
  return false;
}

// Progress reads the simulated clock only: it schedules nothing, so a run with it has the same
// events, trace and summary as a run without.
void ScenarioRun::report_progress() {
  const int64_t step_ns = std::max<int64_t>(workload_end_.ns / 20, 1);
  const int64_t percent = std::min<int64_t>(100, sim_.now().ns * 100 / std::max<int64_t>(workload_end_.ns, 1));
  *options_.progress << "\rconsim run: " << percent << "% of " << static_cast<int64_t>(scenario_.duration_ms / 1000)
                     << " s simulated, " << history_.counts().ok << " operations ok" << std::flush;
  next_progress_ = SimTime{(sim_.now().ns / step_ns + 1) * step_ns};
}

void ScenarioRun::housekeeping() {
  sim_.schedule_after(Duration::millis(100), [this] { housekeeping(); });
  const uint32_t node = leader();
  if (node == 0) {
    return;
  }
  NodeHost* server = host(node);
  const auto& app = static_cast<const ExactlyOnce&>(server->application()).inner();
  std::vector<Expiry> expiries = binding_->expiry_commands(app, server->local_now().ns);
  // Forget the expiries that took effect (or were overtaken by a keep-alive): those no longer due.
  std::erase_if(expiries_proposed_, [&](const auto& entry) {
    return std::none_of(expiries.begin(), expiries.end(),
                        [&](const Expiry& expiry) { return expiry.target == entry.first; });
  });
  for (Expiry& expiry : expiries) {
    // Proposing it again at every round while it waits to commit would feed a slow log faster
    // than it commits, and sessions expire faster still as their keep-alives queue behind.
    const auto proposed = expiries_proposed_.find(expiry.target);
    if (proposed != expiries_proposed_.end() && proposed->second.leader == node &&
        sim_.now() - proposed->second.at < kExpiryRetry) {
      continue;
    }
    expiries_proposed_[expiry.target] = ProposedExpiry{node, sim_.now()};
    // What the expiry may delete goes into the history once, as operations of processes of
    // their own that never complete: the checker may place them anywhere from now on, or not
    // at all (the expiry may lose a race with a keep-alive, or never commit).
    if (expiries_recorded_.insert(expiry.target).second) {
      for (const ClientOp& effect : expiry.effects) {
        history_.possible(next_expiry_process_++, effect, sim_.now());
      }
    }
    protocols::ClientRequest request;
    request.id = protocols::RequestId{uint64_t{1} << 62 | next_housekeeping_request_++};
    request.command = std::move(expiry.command);
    world_->inject(sim::HostId{node - 1},
                   [request](sim::Process& process) { static_cast<NodeHost&>(process).submit(request); });
  }
}

void ScenarioRun::run() {
  world_->start_all();
  schedule_faults();
  if (client_setup_.sessions) {
    sim_.schedule_after(Duration::millis(100), [this] { housekeeping(); });
  }
  if (!run_until(workload_end_)) {
    return;
  }
  if (scenario_.checks_enabled("liveness")) {
    liveness_phase();
  }
  // Let operations still in flight finish or time out, so the history ends settled.
  const SimTime drain_end = sim_.now() + scenario_ms(scenario_.workload.timeout_ms) + Duration::millis(1);
  run_until(drain_end);
  if (options_.progress != nullptr) {
    *options_.progress << "\r" << std::string(72, ' ') << "\r" << std::flush;
  }
}

void ScenarioRun::liveness_phase() {
  const SimTime healed_at = sim_.now();
  observer_.narrate(healed_at, "workload stopped; healing every fault to check liveness");
  faults_->heal_all();
  const SimTime leader_deadline = healed_at + scenario_ms(scenario_.liveness.leader_within_ms);
  uint32_t leader_node = 0;
  if (!run_until(leader_deadline, [&] { return (leader_node = leader()) != 0; })) {
    return;
  }
  if (leader_node == 0) {
    liveness_ = {"liveness", "fail",
                 "no leader within " + std::to_string(static_cast<int64_t>(scenario_.liveness.leader_within_ms)) +
                     " ms of the final heal"};
    return;
  }
  const SimTime leader_at = sim_.now();
  observer_.narrate(leader_at, "liveness: n" + std::to_string(leader_node) + " leads; probing with a write");
  const SimTime commit_deadline = leader_at + scenario_ms(scenario_.liveness.commit_within_ms);
  ClientOp probe;
  probe.f = scenario_.service == "znode" ? "set" : "write";
  probe.key = scenario_.service == "znode" ? "/probe" : "probe";
  probe.value = 0;
  // Every attempt stays in the running: on slow disks a write takes longer to commit than the
  // interval between attempts, and only waiting for the newest would never see one finish.
  std::vector<uint64_t> requests;
  const auto committed = [&] {
    return std::any_of(requests.begin(), requests.end(),
                       [&](uint64_t request) { return gateway_->probe_outcome(request) != nullptr; });
  };
  SimTime retry_at = leader_at;
  const bool ran = run_until(commit_deadline, [&] {
    if (committed()) {
      return true;
    }
    if (sim_.now() >= retry_at) {  // (re)submit to whoever leads now
      retry_at = sim_.now() + Duration::millis(100);
      if (const uint32_t node = leader(); node != 0) {
        requests.push_back(gateway_->submit_probe(*host(node), probe));
      }
    }
    return false;
  });
  if (!ran) {
    return;
  }
  if (!committed()) {
    liveness_ = {"liveness", "fail",
                 "a leader was elected " + std::to_string((leader_at - healed_at).ns / 1'000'000) +
                     " ms after the final heal, but no write committed within " +
                     std::to_string(static_cast<int64_t>(scenario_.liveness.commit_within_ms)) + " ms"};
    return;
  }
  liveness_ = {"liveness", "pass",
               "leader " + std::to_string((leader_at - healed_at).ns / 1'000'000) +
                   " ms after the final heal; probe write committed " +
                   std::to_string((sim_.now() - leader_at).ns / 1'000'000) + " ms later"};
  observer_.narrate(sim_.now(), "liveness: the probe write committed");
}

CheckOutcome ScenarioRun::check_invariants() {
  if (!scenario_.checks_enabled("invariants")) {
    return {"invariants", "skipped", ""};
  }
  invariants_->finish();
  if (invariants_->ok()) {
    return {"invariants", "pass", std::to_string(invariants_->records_observed()) + " records checked"};
  }
  return {
      "invariants", "fail",
      "seed=" + std::to_string(seed_) + " event=" + std::to_string(violation_event_) + ": " + invariants_->violation()};
}

const checkers::lin::History& ScenarioRun::checked_history() {
  if (!checked_history_.has_value()) {
    // The recorder joined the events as it wrote them, exactly as parse_history would read its
    // JSONL (tests/harness/history_recorder_test.cc holds it to that): no text is parsed here.
    CONSIM_ASSERT_MSG(!history_.problem().has_value(), history_.problem()->c_str());
    checked_history_ = std::move(history_).take_history();
  }
  return *checked_history_;
}

CheckOutcome ScenarioRun::check_history(const std::string& name, checkers::lin::Consistency consistency) {
  if (!scenario_.checks_enabled(name)) {
    return {name, "skipped", ""};
  }
  namespace lin = checkers::lin;
  const lin::History& history = checked_history();
  const std::unique_ptr<lin::Model> model = lin::make_model(binding_->model());
  if (const std::optional<std::string> problem = lin::validate_history(history, *model)) {
    CONSIM_ASSERT(false);  // the workload only issues operations the model knows
  }
  lin::CheckOptions check_options;
  check_options.step_limit = options_.check_step_limit;
  check_options.consistency = consistency;
  const lin::CheckResult result = lin::check(history, *model, check_options);
  const std::string operations = std::to_string(history.operations.size()) + " operations";
  const std::string level = consistency == lin::Consistency::linearizable
                                ? "linearizable"
                                : "consistent (linearizable writes, sequentially consistent reads)";
  switch (result.verdict) {
    case lin::Verdict::linearizable:
      return {name, "pass", operations + ", " + level};
    case lin::Verdict::unknown:
      return {name, "unknown", operations + ": " + result.reason};
    case lin::Verdict::not_linearizable:
      break;
  }
  std::string detail = operations + ", not " + level;
  if (result.counterexample.has_value()) {
    const lin::Operation& op = history.operations[result.counterexample->operation];
    detail += ": key " + result.counterexample->key + ", line " + std::to_string(op.invoke_line) +
              " cannot be placed after any " +
              (consistency == lin::Consistency::linearizable ? "linearizable" : "consistent") + " prefix (state " +
              result.counterexample->state + ")";
  }
  return {name, "fail", detail};
}

}  // namespace

namespace {

double percentile_ms(std::vector<int64_t> values_ns, double q) {
  if (values_ns.empty()) {
    return 0;
  }
  std::sort(values_ns.begin(), values_ns.end());
  // Nearest rank: the smallest value with at least q of the values at or below it.
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values_ns.size())));
  return static_cast<double>(values_ns[std::clamp<size_t>(rank, 1, values_ns.size()) - 1]) / 1e6;
}

// Rounds to microseconds of precision, so that summaries print short, stable numbers.
double round3(double value) { return std::round(value * 1000.0) / 1000.0; }

}  // namespace

RunMetrics ScenarioRun::metrics() const {
  RunMetrics m;
  m.simulated_s = static_cast<double>(sim_.now().ns) / 1e9;
  m.events = sim_.events_processed();
  const HistoryCounts& counts = history_.counts();
  m.invoked = counts.invoked;
  m.ok = counts.ok;
  m.fail = counts.fail;
  m.info = counts.info;
  m.pending = counts.invoked - counts.ok - counts.fail - counts.info;
  m.committed_ops = counts.writes_ok;
  m.ok_reads = counts.reads_ok;
  m.stale_reads = counts.stale_reads;
  const double workload_s = std::min(static_cast<double>(workload_end_.ns), static_cast<double>(sim_.now().ns)) / 1e9;
  m.throughput_ops_per_s = workload_s > 0 ? round3(static_cast<double>(counts.ok) / workload_s) : 0;
  m.latency_ms_p50 = round3(percentile_ms(history_.latencies_ns(), 0.50));
  m.latency_ms_p90 = round3(percentile_ms(history_.latencies_ns(), 0.90));
  m.latency_ms_p99 = round3(percentile_ms(history_.latencies_ns(), 0.99));
  m.latency_ms_max = round3(percentile_ms(history_.latencies_ns(), 1.0));
  for (const auto& [kind, traffic] : world_->network().stats().sent_by_kind) {
    if (kind != "ClientCall" && kind != "ClientAnswer") {
      m.messages += traffic.messages;
      m.bytes += traffic.bytes;
    }
  }
  if (m.committed_ops > 0) {
    m.messages_per_committed_op = round3(static_cast<double>(m.messages) / static_cast<double>(m.committed_ops));
    m.bytes_per_committed_op = round3(static_cast<double>(m.bytes) / static_cast<double>(m.committed_ops));
  }
  m.elections = observer_.elections();
  m.leader_changes = observer_.leader_changes();
  m.terms = observer_.max_term();
  m.time_without_leader_ms = round3(static_cast<double>(observer_.time_without_leader().ns) / 1e6);
  m.faults = faults_->applied();
  m.crashes = observer_.crashes();
  for (uint32_t node = 1; node <= scenario_.nodes; ++node) {
    m.fsyncs += world_->disk(sim::HostId{node - 1}).stats().syncs;
  }
  return m;
}

RunReport ScenarioRun::report(const std::string& trace_note) {
  observer_.finish(sim_.now());
  RunReport report;
  report.scenario = scenario_.name;
  report.seed = seed_;
  report.checks.push_back(check_invariants());
  report.checks.push_back(violated_ ? CheckOutcome{"linearizability", "skipped", "the run stopped at a violation"}
                                    : check_history("linearizability", checkers::lin::Consistency::linearizable));
  if (scenario_.checks_enabled("sequential")) {
    // ZooKeeper's own promise for plain (local) reads (checkers/linearizability/checker.h).
    report.checks.push_back(violated_ ? CheckOutcome{"sequential", "skipped", "the run stopped at a violation"}
                                      : check_history("sequential", checkers::lin::Consistency::zookeeper));
  }
  report.checks.push_back(violated_ && scenario_.checks_enabled("liveness")
                              ? CheckOutcome{"liveness", "skipped", "the run stopped at a violation"}
                              : liveness_);
  report.verdict = "pass";
  for (const CheckOutcome& check : report.checks) {
    if (check.status == "fail" || check.status == "unknown") {
      report.verdict = "fail";
    }
  }
  report.metrics = metrics();
  report.digest = sim::format_digest(sim_.trace().digest());
  report.history_jsonl = history_.jsonl();
  judge_expectation(scenario_, report);
  report.summary_json = summary_json(scenario_, report, options_.version, trace_note);
  return report;
}

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  const uint64_t seed = options.seed.value_or(scenario.seed);
  namespace fs = std::filesystem;
  std::ofstream trace_file;
  fs::path out;
  if (!options.out_dir.empty()) {
    out = options.out_dir;
    std::error_code error;
    fs::create_directories(out, error);
    if (error) {
      return {std::nullopt, "--out " + options.out_dir + ": cannot create the directory: " + error.message()};
    }
    // Written under temporary names and renamed at the end: nothing is left half-written.
    trace_file.open(out / "trace.jsonl.partial", std::ios::binary | std::ios::trunc);
    if (!trace_file) {
      return {std::nullopt, "--out " + options.out_dir + ": cannot write trace.jsonl"};
    }
  }
  ScenarioRun run(scenario, options, seed, out.empty() ? nullptr : &trace_file);
  run.run();
  RunReport report = run.report(out.empty() ? "" : "trace.jsonl");
  if (!out.empty()) {
    trace_file.close();
    const std::pair<const char*, const std::string*> files[] = {{"history.jsonl", &report.history_jsonl},
                                                                {"summary.json", &report.summary_json}};
    for (const auto& [name, text] : files) {
      std::ofstream file(out / (std::string(name) + ".partial"), std::ios::binary | std::ios::trunc);
      file << *text;
      file.close();
      if (!file) {
        return {std::nullopt, "--out " + options.out_dir + ": cannot write " + name};
      }
    }
    std::error_code error;
    for (const char* name : {"trace.jsonl", "history.jsonl", "summary.json"}) {
      fs::rename(out / (std::string(name) + ".partial"), out / name, error);
      if (error) {
        return {std::nullopt, "--out " + options.out_dir + ": cannot write " + name + ": " + error.message()};
      }
    }
  }
  return {std::move(report), ""};
}

}  // namespace consim::harness
