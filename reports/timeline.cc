#include "reports/timeline.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

namespace consim::reports {
namespace {

// Builds each server's state spans: a new span starts whenever what the server says about itself
// changes; a crash opens a "down" span until the restart.
class StateTracker {
 public:
  explicit StateTracker(uint32_t servers) : open_(servers), closed_(servers) {}

  void set(uint32_t server, int64_t t_ns, StateSpan state) {
    std::optional<StateSpan>& open = open_[server - 1];
    if (open && open->role == state.role && open->phase == state.phase && open->term == state.term &&
        open->leader == state.leader) {
      return;
    }
    close(server, t_ns);
    state.from_ns = t_ns;
    open = std::move(state);
  }

  // A span that ends as it starts is dropped, except at the end of the run: a run stopped by a
  // violation ends right where a server took its last state (often the point of the story).
  void close(uint32_t server, int64_t t_ns, bool keep_empty = false) {
    std::optional<StateSpan>& open = open_[server - 1];
    if (open) {
      open->to_ns = t_ns;
      if (open->to_ns > open->from_ns || keep_empty) {
        closed_[server - 1].push_back(*open);
      }
      open.reset();
    }
  }

  const std::optional<StateSpan>& current(uint32_t server) const { return open_[server - 1]; }

  std::vector<std::vector<StateSpan>> finish(int64_t end_ns) {
    for (uint32_t server = 1; server <= open_.size(); ++server) {
      close(server, end_ns, true);
    }
    return std::move(closed_);
  }

 private:
  std::vector<std::optional<StateSpan>> open_;
  std::vector<std::vector<StateSpan>> closed_;
};

std::vector<uint32_t> server_list(const std::string& names, uint32_t servers) {
  std::vector<uint32_t> list;
  size_t start = 0;
  while (start <= names.size()) {
    size_t end = names.find_first_of(",|", start);
    end = end == std::string::npos ? names.size() : end;
    const uint32_t number = node_number(std::string_view(names).substr(start, end - start));
    if (number >= 1 && number <= servers && std::find(list.begin(), list.end(), number) == list.end()) {
      list.push_back(number);
    }
    start = end + 1;
  }
  std::sort(list.begin(), list.end());
  return list;
}

class FaultTracker {
 public:
  FaultTracker(uint32_t servers, std::vector<FaultSpan>* faults) : servers_(servers), faults_(faults) {}

  void observe(const TraceRecord& record, uint32_t server) {
    const std::string& kind = record.kind;
    if (kind == "fault.partition") {
      close_connectivity(record.t_ns);
      const std::string detail = record.text("detail");
      open(record.t_ns, "partition", "partition " + detail, server_list(record.text("nodes"), servers_));
    } else if (kind == "fault.cut") {
      std::string to = record.text("detail");
      to = to.starts_with("to ") ? to.substr(3) : to;
      open(record.t_ns, "cut", "cut " + record.text("nodes") + " \u2192 " + to,
           server_list(record.text("nodes") + "," + to, servers_));
    } else if (kind == "fault.heal") {
      close_connectivity(record.t_ns);
      instant(record, "heal", "heal");
    } else if (kind == "host.crash" && server != 0 && !record.flag("ignored")) {
      open(record.t_ns, "crash", record.node + " crashed", {server});
    } else if (kind == "host.restart" && server != 0 && !record.flag("ignored")) {
      close_where(record.t_ns, [&](const FaultSpan& f) { return f.kind == "crash" && f.servers[0] == server; });
    } else if (kind == "host.pause" && server != 0 && !record.flag("ignored")) {
      const int64_t for_ns = record.integer("for_ns").value_or(0);
      faults_->push_back({"pause",
                          record.node + " paused " + format_ms(for_ns) + " ms",
                          {server},
                          record.t_ns,
                          record.t_ns + std::max<int64_t>(for_ns, 0),
                          true});
    } else if (kind.starts_with("fault.") && kind != "fault.crash" && kind != "fault.restart" &&
               kind != "fault.pause") {
      const std::string name = kind.substr(6);
      const std::string nodes = record.text("nodes");
      const std::string detail = record.text("detail");
      instant(record, name, name + (nodes.empty() ? "" : " " + nodes) + (detail.empty() ? "" : ": " + detail));
    }
  }

  void finish(int64_t end_ns) {
    for (const size_t index : open_) {
      (*faults_)[index].to_ns = end_ns;
    }
    open_.clear();
    std::stable_sort(faults_->begin(), faults_->end(),
                     [](const FaultSpan& a, const FaultSpan& b) { return a.from_ns < b.from_ns; });
  }

 private:
  void open(int64_t t_ns, const std::string& kind, std::string label, std::vector<uint32_t> servers) {
    open_.push_back(faults_->size());
    faults_->push_back({kind, std::move(label), std::move(servers), t_ns, t_ns, true});
  }

  void instant(const TraceRecord& record, const std::string& kind, std::string label) {
    faults_->push_back(
        {kind, std::move(label), server_list(record.text("nodes"), servers_), record.t_ns, record.t_ns, false});
  }

  // A partition replaces the partitions and cuts in force; a heal removes them.
  void close_connectivity(int64_t t_ns) {
    close_where(t_ns, [](const FaultSpan& f) { return f.kind == "partition" || f.kind == "cut"; });
  }

  template <typename Match>
  void close_where(int64_t t_ns, Match match) {
    std::vector<size_t> still_open;
    for (const size_t index : open_) {
      FaultSpan& fault = (*faults_)[index];
      if (match(fault)) {
        fault.to_ns = t_ns;
      } else {
        still_open.push_back(index);
      }
    }
    open_ = std::move(still_open);
  }

  uint32_t servers_;
  std::vector<FaultSpan>* faults_;
  std::vector<size_t> open_;  // indexes into faults_
};

std::string leader_name(const TraceRecord& record) {
  if (const std::optional<int64_t> number = record.integer("leader")) {
    return *number > 0 ? "n" + std::to_string(*number) : "";
  }
  return record.text("leader");
}

struct ZabCommit {
  uint32_t server;
  int64_t t_ns;
  int64_t zxid;
};

void add_commit(std::vector<CommitPoint>& points, int64_t t_ns, int64_t value, std::string label) {
  if (!points.empty() && points.back().value == value) {
    return;
  }
  if (!points.empty() && points.back().t_ns == t_ns) {
    points.back() = {t_ns, value, std::move(label)};
    return;
  }
  points.push_back({t_ns, value, std::move(label)});
}

// ZAB commits are plotted by the rank of their zxid among every zxid the run committed, so that
// an epoch change (a jump of 2^32 in the zxid) does not flatten the chart.
void rank_zab_commits(const std::vector<ZabCommit>& commits, int counter_bits, RunTimeline* timeline) {
  std::set<int64_t> zxids;
  for (const ZabCommit& commit : commits) {
    zxids.insert(commit.zxid);
  }
  const std::vector<int64_t> sorted(zxids.begin(), zxids.end());
  const int64_t mask = (int64_t{1} << counter_bits) - 1;
  for (const ZabCommit& commit : commits) {
    const int64_t rank = std::lower_bound(sorted.begin(), sorted.end(), commit.zxid) - sorted.begin() + 1;
    const std::string label = "zxid " + std::to_string(commit.zxid >> counter_bits) + ":" +
                              std::to_string(commit.zxid & mask) + " (#" + std::to_string(rank) + ")";
    add_commit(timeline->commits[commit.server - 1], commit.t_ns, rank, label);
    timeline->commit_max = std::max(timeline->commit_max, rank);
  }
}

void observe_state(const TraceRecord& record, uint32_t server, StateTracker& states, RunTimeline* timeline) {
  if (record.kind == "raft.state") {
    const std::string role = record.text("role");
    const int64_t term = record.integer("term").value_or(0);
    const std::optional<StateSpan>& before = states.current(server);
    if (role == "leader" && (!before || before->role != "leader" || before->term != term)) {
      timeline->leader_changes.push_back({record.t_ns, server, term});
    }
    states.set(server, record.t_ns, {0, 0, role, "", term, leader_name(record)});
  } else if (record.kind == "zab.state") {
    states.set(
        server, record.t_ns,
        {0, 0, record.text("state"), record.text("phase"), record.integer("epoch").value_or(0), leader_name(record)});
  } else if (record.kind == "zab.established") {
    timeline->leader_changes.push_back({record.t_ns, server, record.integer("epoch").value_or(0)});
  } else if (record.kind == "host.crash" && !record.flag("ignored")) {
    states.set(server, record.t_ns, {0, 0, "down", "", 0, ""});
  } else if (record.kind == "host.restart" && !record.flag("ignored")) {
    states.close(server, record.t_ns);
  }
}

void build_states(const RunFiles& files, RunTimeline* timeline) {
  StateTracker states(timeline->servers);
  FaultTracker faults(timeline->servers, &timeline->faults);
  std::vector<ZabCommit> zab_commits;
  int counter_bits = 32;
  for (const TraceRecord& record : files.trace) {
    uint32_t server = node_number(record.node);
    server = server <= timeline->servers ? server : 0;
    faults.observe(record, server);
    if (server == 0) {
      continue;
    }
    observe_state(record, server, states, timeline);
    if (record.kind == "raft.commit" || (record.kind == "raft.start" && record.integer("commit"))) {
      const int64_t index = record.integer(record.kind == "raft.commit" ? "index" : "commit").value_or(0);
      add_commit(timeline->commits[server - 1], record.t_ns, index, "commit index " + std::to_string(index));
      timeline->commit_max = std::max(timeline->commit_max, index);
    } else if (record.kind == "zab.commit" && record.integer("zxid")) {
      zab_commits.push_back({server, record.t_ns, *record.integer("zxid")});
    } else if (record.kind == "zab.start" && record.integer("counter_bits")) {
      counter_bits = static_cast<int>(std::clamp<int64_t>(*record.integer("counter_bits"), 1, 62));
    }
  }
  rank_zab_commits(zab_commits, counter_bits, timeline);
  timeline->states = states.finish(timeline->end_ns);
  faults.finish(timeline->end_ns);
}

void build_operations(const RunFiles& files, RunTimeline* timeline) {
  std::map<int64_t, size_t> open;  // process -> its operation awaiting completion
  for (const HistoryRecord& record : files.history) {
    if (record.type == "invoke") {
      open[record.process] = timeline->operations.size();
      timeline->operations.push_back({record.process, record.f, record.key, record.value_json, "", "pending", "", "",
                                      record.time_ns, timeline->end_ns, record.line, 0});
      continue;
    }
    const auto it = open.find(record.process);
    if (it == open.end()) {
      continue;  // a completion without an invocation: consim check reports such histories
    }
    OperationSpan& op = timeline->operations[it->second];
    op.outcome = record.type;
    op.result_json = record.value_json;
    op.error = record.error;
    op.node = record.node;
    op.complete_ns = std::max(record.time_ns, op.invoke_ns);
    op.complete_line = record.line;
    open.erase(it);
  }
}

std::optional<Violation> find_violation(const RunSummary& summary) {
  for (const CheckSummary& check : summary.checks) {
    if (check.name != "invariants" || check.status != "fail") {
      continue;
    }
    // The invariant checker says where: "... at record 2199 (t=2638447932ns): ...".
    const size_t at = check.detail.find("(t=");
    if (at == std::string::npos) {
      return std::nullopt;
    }
    int64_t t_ns = 0;
    size_t i = at + 3;
    for (; i < check.detail.size() && check.detail[i] >= '0' && check.detail[i] <= '9' && t_ns < (int64_t{1} << 58);
         ++i) {
      t_ns = t_ns * 10 + (check.detail[i] - '0');
    }
    if (i == at + 3 || check.detail.compare(i, 3, "ns)") != 0) {
      return std::nullopt;
    }
    return Violation{t_ns, check.detail};
  }
  return std::nullopt;
}

}  // namespace

std::string format_ms(int64_t t_ns) {
  // By hand rather than with snprintf: a long run's report formats millions of times.
  char buffer[32];
  char* p = buffer;
  if (t_ns < 0) {
    *p++ = '-';
  }
  const uint64_t magnitude = t_ns < 0 ? 0 - static_cast<uint64_t>(t_ns) : static_cast<uint64_t>(t_ns);
  p = std::to_chars(p, buffer + sizeof buffer, magnitude / 1'000'000).ptr;
  const uint64_t micros = magnitude % 1'000'000 / 1'000;
  *p++ = '.';
  *p++ = static_cast<char>('0' + micros / 100);
  *p++ = static_cast<char>('0' + micros / 10 % 10);
  *p++ = static_cast<char>('0' + micros % 10);
  return std::string(buffer, p);
}

bool report_kind(std::string_view kind) {
  return kind.starts_with("net.") || kind.starts_with("fault.") || kind.starts_with("host.") || kind == "raft.state" ||
         kind == "raft.commit" || kind == "raft.start" || kind == "zab.state" || kind == "zab.commit" ||
         kind == "zab.start" || kind == "zab.established";
}

RunTimeline build_timeline(const RunFiles& files) {
  RunTimeline timeline;
  timeline.servers = files.summary.nodes;
  timeline.protocol = files.summary.protocol;
  timeline.states.resize(timeline.servers);
  timeline.commits.resize(timeline.servers);
  timeline.end_ns = files.trace_end_ns;  // the trace's end, though its last records may be filtered out
  if (!files.trace.empty()) {
    timeline.end_ns = std::max(timeline.end_ns, files.trace.back().t_ns);
  }
  for (const HistoryRecord& record : files.history) {
    timeline.end_ns = std::max(timeline.end_ns, record.time_ns);
  }
  if (timeline.protocol.empty()) {
    for (const TraceRecord& record : files.trace) {
      if (record.kind.starts_with("raft.") || record.kind.starts_with("zab.")) {
        timeline.protocol = record.kind.substr(0, record.kind.find('.'));
        break;
      }
    }
  }
  build_states(files, &timeline);
  build_operations(files, &timeline);
  timeline.violation = find_violation(files.summary);
  return timeline;
}

}  // namespace consim::reports
