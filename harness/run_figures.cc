#include "harness/run_figures.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

namespace consim::harness {
namespace {

using Json = nlohmann::json;

constexpr double kNsPerMs = 1e6;

// The election traffic of each protocol: votes and pre-votes (Raft), FLE notifications (ZAB).
const std::set<std::string> kElectionMessages = {"PreVote", "PreVoteResponse", "RequestVote", "RequestVoteResponse",
                                                 "Notification"};
// Operations that read (kv: read; znode: get, exists); every other completed operation wrote.
const std::set<std::string> kReads = {"read", "get", "exists"};

struct Failure {  // the first fault that took the serving leader away
  int64_t at = 0;
  std::string leader;
  uint64_t term = 0;
  std::optional<int64_t> detected;  // a node started an election
  std::optional<int64_t> elected;   // a successor (or the same node in a later term) won
  std::string successor;
  std::optional<int64_t> serving;  // the successor committed (Raft) or reached broadcast (ZAB)
};

struct Recovery {  // the first follower restarted by a fault
  int64_t at = 0;
  std::string node;
  int64_t leader_commit = 0;  // Raft: what the leader had committed when it restarted
  uint64_t bytes = 0;         // sent to it by the servers until it caught up
  uint64_t replies = 0;       // it sent to the servers meanwhile
  std::string mode;
  std::optional<int64_t> caught_up;
};

// The state a reader of the trace keeps, record by record.
class TraceReader {
 public:
  explicit TraceReader(uint32_t servers) : servers_(servers) {}

  void read(const Json& record);
  // The figures that come from the trace, given the ok writes' completion times (sorted).
  void finish(const std::vector<int64_t>& ok_writes, RunFigures& figures) const;

 private:
  bool server(const std::string& node) const;
  void became_leader(int64_t t, const std::string& node, uint64_t term);
  void started_election(int64_t t, const std::string& node);
  void on_fault(int64_t t, const std::string& kind, const Json& record);
  void on_send(int64_t t, const std::string& from, const Json& record);

  uint32_t servers_;
  std::map<std::string, std::string> role_;  // "leader" when it serves as leader
  std::string leader_;                       // the serving leader, or empty
  uint64_t leader_term_ = 0;
  std::vector<int64_t> elected_at_;  // every time a leader was elected
  uint64_t max_term_ = 0;
  uint64_t candidacies_ = 0;                          // Raft: campaigns (not pre-campaigns)
  std::set<std::pair<std::string, int64_t>> rounds_;  // ZAB: (node, FLE round) pairs voted in
  uint64_t election_messages_ = 0;
  std::optional<int64_t> last_heal_;
  int64_t leader_commit_ = 0;  // Raft: the highest index a leader committed
  std::optional<Failure> failure_;
  std::optional<Recovery> recovery_;
};

std::string text(const Json& record, const char* key) {
  const auto it = record.find(key);
  if (it == record.end()) {
    return {};
  }
  if (it->is_string()) {
    return it->get<std::string>();
  }
  if (it->is_number_integer()) {  // a node id given as a number
    return "n" + std::to_string(it->get<int64_t>());
  }
  return {};
}

int64_t integer(const Json& record, const char* key) {
  const auto it = record.find(key);
  return it != record.end() && it->is_number() ? it->get<int64_t>() : 0;
}

std::vector<std::string> split(const std::string& list, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(list);
  for (std::string part; std::getline(stream, part, separator);) {
    if (!part.empty()) {
      parts.push_back(part);
    }
  }
  return parts;
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

bool TraceReader::server(const std::string& node) const {
  if (node.size() < 2 || node[0] != 'n') {
    return false;
  }
  const int64_t number = std::atoll(node.c_str() + 1);
  return number >= 1 && number <= servers_;
}

void TraceReader::became_leader(int64_t t, const std::string& node, uint64_t term) {
  leader_ = node;
  leader_term_ = term;
  elected_at_.push_back(t);
  if (failure_ && !failure_->elected && t >= failure_->at && (node != failure_->leader || term > failure_->term)) {
    failure_->elected = t;
    failure_->successor = node;
  }
}

void TraceReader::started_election(int64_t t, const std::string& node) {
  if (failure_ && !failure_->detected && t >= failure_->at && node != failure_->leader) {
    failure_->detected = t;
  }
}

// The first crash, pause or minority partition of the serving leader is the failure whose
// recovery the comparison times; the first restart of a follower, the recovery it costs.
void TraceReader::on_fault(int64_t t, const std::string& kind, const Json& record) {
  const std::vector<std::string> struck = split(text(record, "nodes"), ',');
  const std::string detail = text(record, "detail");
  if (kind == "fault.heal") {
    last_heal_ = t;
    return;
  }
  if (kind == "fault.restart" && !recovery_ && detail != "final heal" && struck.size() == 1 && struck[0] != leader_) {
    recovery_ = Recovery{t, struck[0], leader_commit_, 0, 0, "", std::nullopt};
    return;
  }
  if (failure_ || leader_.empty() || !contains(struck, leader_)) {
    return;
  }
  bool lost = kind == "fault.crash" || kind == "fault.pause" || (kind == "fault.disk" && detail == "power loss");
  if (kind == "fault.partition") {  // "n1|n2,n3,n4": the leader's group is a minority
    for (const std::string& group : split(detail, '|')) {
      const std::vector<std::string> members = split(group, ',');
      lost = lost || (contains(members, leader_) && members.size() * 2 <= servers_);
    }
  }
  if (lost) {
    failure_ = Failure{t, leader_, leader_term_, std::nullopt, std::nullopt, "", std::nullopt};
  }
}

void TraceReader::on_send(int64_t t, const std::string& from, const Json& record) {
  const std::string to = text(record, "to");
  if (!server(from) || !server(to)) {
    return;  // client traffic
  }
  if (kElectionMessages.count(text(record, "msg")) != 0) {
    ++election_messages_;
  }
  if (recovery_ && !recovery_->caught_up && t >= recovery_->at) {
    if (to == recovery_->node) {
      recovery_->bytes += static_cast<uint64_t>(integer(record, "bytes"));
    } else if (from == recovery_->node) {
      ++recovery_->replies;
    }
  }
}

void TraceReader::read(const Json& record) {
  const int64_t t = integer(record, "t");
  const std::string kind = text(record, "kind");
  const std::string node = text(record, "node");
  if (kind == "net.send") {
    on_send(t, node, record);
  } else if (kind.rfind("fault.", 0) == 0) {
    on_fault(t, kind, record);
  } else if (kind == "host.crash" && node == leader_) {
    leader_.clear();
  } else if (kind == "raft.state") {
    const std::string role = text(record, "role");
    const auto term = static_cast<uint64_t>(integer(record, "term"));
    max_term_ = std::max(max_term_, term);
    const std::string before = role_[node];
    role_[node] = role;
    if (role == "leader" && before != "leader") {
      became_leader(t, node, term);
    } else if (role != "leader" && node == leader_) {
      leader_.clear();
    }
    if ((role == "candidate" || role == "pre_candidate") && before != role) {
      candidacies_ += role == "candidate" ? 1 : 0;
      started_election(t, node);
    }
  } else if (kind == "zab.state") {
    const std::string state = text(record, "state");
    const std::string phase = text(record, "phase");
    const auto epoch = static_cast<uint64_t>(integer(record, "epoch"));
    max_term_ = std::max(max_term_, epoch);
    const std::string serving = state == "leading" && phase == "broadcast" ? "leader" : state;
    const std::string before = role_[node];
    role_[node] = serving;
    if (state == "leading" && before != "leading" && before != "leader") {
      // Elected: discovery and synchronization follow before it serves.
      if (failure_ && !failure_->elected && t >= failure_->at && (node != failure_->leader || epoch > failure_->term)) {
        failure_->elected = t;
        failure_->successor = node;
      }
    }
    if (serving == "leader" && before != "leader") {
      became_leader(t, node, epoch);
      if (failure_ && failure_->successor == node && !failure_->serving) {
        failure_->serving = t;
      }
    } else if (serving != "leader" && node == leader_) {
      leader_.clear();
    }
    if (state == "looking" && before != "looking") {
      started_election(t, node);
    }
  } else if (kind == "zab.vote") {
    rounds_.insert({node, integer(record, "round")});
  } else if (kind == "zab.sync" && recovery_ && !recovery_->caught_up && text(record, "peer") == recovery_->node) {
    recovery_->mode = text(record, "mode");
  } else if (kind == "zab.serving" && recovery_ && !recovery_->caught_up && node == recovery_->node) {
    recovery_->caught_up = t;
  } else if (kind == "raft.send_snapshot" && recovery_ && !recovery_->caught_up &&
             text(record, "to") == recovery_->node) {
    recovery_->mode = "snapshot";
  } else if (kind == "raft.commit") {
    const int64_t index = integer(record, "index");
    const auto leader = record.find("leader");
    if (leader != record.end() && leader->is_boolean() && leader->get<bool>()) {
      leader_commit_ = std::max(leader_commit_, index);
      if (failure_ && failure_->elected && !failure_->serving && node == failure_->successor) {
        failure_->serving = t;
      }
    }
    if (recovery_ && !recovery_->caught_up && node == recovery_->node && t >= recovery_->at &&
        index >= recovery_->leader_commit) {
      recovery_->caught_up = t;
      if (recovery_->mode.empty()) {
        recovery_->mode = "append";
      }
    }
  }
}

std::optional<double> ms_between(std::optional<int64_t> from, std::optional<int64_t> to) {
  if (!from || !to || *to < *from) {
    return std::nullopt;
  }
  return static_cast<double>(*to - *from) / kNsPerMs;
}

void TraceReader::finish(const std::vector<int64_t>& ok_writes, RunFigures& figures) const {
  auto& v = figures.values;
  v["election_rounds"] = static_cast<double>(rounds_.empty() ? candidacies_ : rounds_.size());
  const double elections = static_cast<double>(elected_at_.size());
  v["election_messages_per_election"] =
      elections > 0 ? std::optional<double>(static_cast<double>(election_messages_) / elections) : std::nullopt;
  v["term_inflation"] =
      elections > 0 ? std::optional<double>(static_cast<double>(max_term_) / elections) : std::nullopt;
  if (last_heal_) {
    v["leader_changes_after_heal"] = static_cast<double>(
        std::count_if(elected_at_.begin(), elected_at_.end(), [&](int64_t t) { return t > *last_heal_; }));
  }
  if (failure_) {
    // The first write the new regime committed: answered once a successor was elected (an answer
    // right after the failure may be an old leader's commit still on its way to a follower).
    const auto first_write =
        std::lower_bound(ok_writes.begin(), ok_writes.end(), failure_->elected.value_or(failure_->at));
    const std::optional<int64_t> written =
        first_write == ok_writes.end() ? std::nullopt : std::optional<int64_t>(*first_write);
    v["failover_ms"] = ms_between(failure_->at, written);
    v["failover_detection_ms"] = ms_between(failure_->at, failure_->detected);
    v["failover_election_ms"] = ms_between(failure_->detected, failure_->elected);
    v["failover_sync_ms"] = ms_between(failure_->elected, failure_->serving);
  }
  if (recovery_ && recovery_->caught_up) {
    figures.recovery_mode = recovery_->mode;
    v["recovery_ms"] = ms_between(recovery_->at, recovery_->caught_up);
    v["recovery_bytes"] = static_cast<double>(recovery_->bytes);
    v["recovery_replies"] = static_cast<double>(recovery_->replies);
  }
}

// --- the files

std::optional<Json> read_json_file(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open";
    return std::nullopt;
  }
  Json json = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    *error = path + ": not a JSON object";
    return std::nullopt;
  }
  return json;
}

// Calls `each` with every line of a JSON Lines file, parsed; false (and `error`) on a bad line.
template <typename Each>
bool read_lines(const std::string& path, std::string* error, Each&& each) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open";
    return false;
  }
  uint64_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty()) {
      continue;
    }
    const Json record = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded() || !record.is_object()) {
      *error = path + ": line " + std::to_string(number) + ": not a JSON object";
      return false;
    }
    each(record);
  }
  return true;
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::optional<double> metric(const Json& summary, const char* key) {
  const auto metrics = summary.find("metrics");
  if (metrics == summary.end() || !metrics->is_object()) {
    return std::nullopt;
  }
  const auto it = metrics->find(key);
  return it != metrics->end() && it->is_number() ? std::optional<double>(it->get<double>()) : std::nullopt;
}

}  // namespace

const std::vector<FigureInfo>& figure_catalogue() {
  static const std::vector<FigureInfo> catalogue = {
      {"commit_latency_p50_ms", "Commit latency p50", "ms", "latency"},
      {"commit_latency_p99_ms", "Commit latency p99", "ms", "latency"},
      {"commit_latency_max_ms", "Commit latency max", "ms", "latency"},
      {"throughput_ops_per_s", "Throughput (ok operations)", "ops/s", "throughput"},
      {"messages_per_write", "Messages per committed write", "messages", "cost"},
      {"bytes_per_write", "Bytes per committed write", "bytes", "cost"},
      {"fsyncs_per_write", "Fsyncs per committed write", "fsyncs", "cost"},
      {"elections", "Elections", "elections", "elections"},
      {"election_rounds", "Election rounds (Raft campaigns, ZAB FLE rounds)", "rounds", "elections"},
      {"election_messages_per_election", "Election messages per elected leader", "messages", "elections"},
      {"term_inflation", "Terms (epochs) per elected leader", "terms", "elections"},
      {"failover_ms", "Leader failure to first committed write", "ms", "failover"},
      {"failover_detection_ms", "  detection (failure to first election)", "ms", "failover"},
      {"failover_election_ms", "  election (to a leader elected)", "ms", "failover"},
      {"failover_sync_ms", "  synchronization (to the leader serving)", "ms", "failover"},
      {"recovery_ms", "Restarted follower: time to catch up", "ms", "recovery"},
      {"recovery_bytes", "Restarted follower: bytes sent to it", "bytes", "recovery"},
      {"recovery_replies", "Restarted follower: round trips (its replies)", "messages", "recovery"},
      {"stale_reads", "Stale reads", "reads", "anomalies"},
      {"leader_changes_after_heal", "Leader changes after the last heal", "changes", "anomalies"},
  };
  return catalogue;
}

std::optional<RunFigures> figures_from_files(const std::string& dir, std::string* error) {
  const std::optional<Json> summary = read_json_file(dir + "/summary.json", error);
  if (!summary) {
    return std::nullopt;
  }
  RunFigures figures;
  for (const FigureInfo& info : figure_catalogue()) {
    figures.values[info.id] = std::nullopt;
  }
  figures.verdict = summary->value("verdict", "");
  const auto servers = summary->value("nodes", 0u);

  // history.jsonl: the latency of every completed write, and when the ok ones completed.
  std::map<int64_t, std::pair<int64_t, std::string>> invoked;  // process -> (time, f)
  std::vector<double> write_latencies_ms;
  std::vector<int64_t> ok_writes;
  const bool history_ok = read_lines(dir + "/history.jsonl", error, [&](const Json& op) {
    const int64_t process = integer(op, "process");
    const std::string type = text(op, "type");
    const int64_t t = integer(op, "time_ns");
    if (type == "invoke") {
      invoked[process] = {t, text(op, "f")};
      return;
    }
    const auto it = invoked.find(process);
    if (it == invoked.end()) {
      return;
    }
    if (type == "ok" && kReads.count(it->second.second) == 0) {
      write_latencies_ms.push_back(static_cast<double>(t - it->second.first) / kNsPerMs);
      ok_writes.push_back(t);
    }
    invoked.erase(it);
  });
  if (!history_ok) {
    return std::nullopt;
  }
  std::sort(ok_writes.begin(), ok_writes.end());

  TraceReader reader(servers);
  if (!read_lines(dir + "/trace.jsonl", error, [&](const Json& record) { reader.read(record); })) {
    return std::nullopt;
  }
  reader.finish(ok_writes, figures);

  auto& v = figures.values;
  if (!write_latencies_ms.empty()) {
    v["commit_latency_p50_ms"] = percentile(write_latencies_ms, 0.50);
    v["commit_latency_p99_ms"] = percentile(write_latencies_ms, 0.99);
    v["commit_latency_max_ms"] = *std::max_element(write_latencies_ms.begin(), write_latencies_ms.end());
  }
  v["throughput_ops_per_s"] = metric(*summary, "throughput_ops_per_s");
  v["messages_per_write"] = metric(*summary, "messages_per_committed_op");
  v["bytes_per_write"] = metric(*summary, "bytes_per_committed_op");
  const std::optional<double> fsyncs = metric(*summary, "fsyncs");
  const std::optional<double> committed = metric(*summary, "committed_ops");
  if (fsyncs && committed && *committed > 0) {
    v["fsyncs_per_write"] = *fsyncs / *committed;
  }
  v["elections"] = metric(*summary, "elections");
  v["stale_reads"] = metric(*summary, "stale_reads");
  return figures;
}

}  // namespace consim::harness
