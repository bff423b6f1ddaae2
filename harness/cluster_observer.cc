#include "harness/cluster_observer.h"

#include <cstdio>
#include <ostream>

#include "base/assert.h"
#include "harness/fault_injector.h"

namespace consim::harness {

std::string format_time(SimTime at) {
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%03llds", static_cast<long long>(at.ns / 1'000'000'000),
                static_cast<long long>(at.ns / 1'000'000 % 1000));
  return text;
}

ClusterObserver::ClusterObserver(uint32_t nodes, std::ostream* narration) : narration_(narration), nodes_(nodes) {}

std::vector<std::string> ClusterObserver::kinds() {
  return {"raft.state", "raft.vote_answer", "fault.", "host.crash", "host.restart", "host.pause"};
}

void ClusterObserver::narrate(SimTime at, const std::string& line) {
  if (narration_ != nullptr) {
    *narration_ << "t=" << format_time(at) << " " << line << "\n";
  }
}

uint32_t ClusterObserver::leader() const { return leader_; }

void ClusterObserver::observe(const sim::TraceRecord& record) {
  const std::string_view kind = record.kind.text();
  if (kind.starts_with("fault.")) {
    const std::string* nodes = record.string_field("nodes");
    const std::string* detail = record.string_field("detail");
    std::string line = "fault: " + std::string(kind.substr(6));
    if (nodes != nullptr && !nodes->empty()) {
      line += " " + *nodes;
    }
    if (detail != nullptr && !detail->empty()) {
      line += " (" + *detail + ")";
    }
    narrate(record.time, line);
    return;
  }
  if (!record.node.has_value() || record.node->index >= nodes_.size()) {
    return;  // a client host
  }
  const uint32_t node = record.node->index + 1;
  if (kind == "raft.state") {
    on_state(node, record);
    return;
  }
  if (kind == "raft.vote_answer") {
    const bool* granted = record.bool_field("granted");
    const bool* pre_vote = record.bool_field("pre_vote");
    const int64_t* term = record.int_field("term");
    const std::string* to = record.string_field("to");
    if (granted != nullptr && *granted && pre_vote != nullptr && !*pre_vote && term != nullptr && to != nullptr &&
        to->size() > 1) {
      votes_[{static_cast<uint64_t>(*term), static_cast<uint32_t>(std::stoul(to->substr(1)))}].insert(node);
    }
    return;
  }
  if (record.fields.size() == 1 && record.bool_field("ignored") != nullptr) {
    return;
  }
  const std::string name = "n" + std::to_string(node);
  if (kind == "host.crash") {
    ++crashes_;
    nodes_[node - 1].up = false;
    nodes_[node - 1].role = "down";
    narrate(record.time, name + " crashed");
    update_leader(record.time);
  } else if (kind == "host.restart") {
    nodes_[node - 1].up = true;
    nodes_[node - 1].role = "follower";
    narrate(record.time, name + " restarted from its disk");
  } else if (kind == "host.pause") {
    narrate(record.time, name + " paused");
  }
}

void ClusterObserver::on_state(uint32_t node, const sim::TraceRecord& record) {
  const std::string* role = record.string_field("role");
  const int64_t* term = record.int_field("term");
  if (role == nullptr || term == nullptr) {
    return;
  }
  NodeView& view = nodes_[node - 1];
  const uint64_t new_term = static_cast<uint64_t>(*term);
  if (*role == view.role && new_term == view.term) {
    return;  // most raft.state records only report a longer log
  }
  const std::string name = "n" + std::to_string(node);
  {
    if (*role == "candidate") {
      ++elections_;
      narrate(record.time, name + " started an election for term " + std::to_string(new_term));
    } else if (*role == "leader") {
      std::string voters;
      const auto it = votes_.find({new_term, node});
      for (uint32_t voter : it == votes_.end() ? std::set<uint32_t>{} : it->second) {
        voters += ", n" + std::to_string(voter);
      }
      narrate(record.time,
              name + " became leader of term " + std::to_string(new_term) + " with votes from " + name + voters);
    } else if (view.role == "leader") {
      narrate(record.time, name + " stepped down (now " + *role + " in term " + std::to_string(new_term) + ")");
    }
  }
  view.role = *role;
  view.term = new_term;
  max_term_ = std::max(max_term_, new_term);
  // Votes of terms long past are never asked for again.
  votes_.erase(votes_.begin(), votes_.lower_bound({new_term > 2 ? new_term - 2 : 0, 0}));
  update_leader(record.time);
}

void ClusterObserver::update_leader(SimTime at) {
  uint32_t leader = 0;
  uint64_t leader_term = 0;
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].up && nodes_[i].role == "leader" && (leader == 0 || nodes_[i].term > leader_term)) {
      leader = i + 1;
      leader_term = nodes_[i].term;
    }
  }
  if (leader != 0 && (leader != leader_ || leader_term != leader_term_)) {
    ++leader_changes_;
  }
  if (leader == 0 && !leaderless_) {
    leaderless_ = true;
    leaderless_since_ = at;
  } else if (leader != 0 && leaderless_) {
    leaderless_ = false;
    without_leader_ += at - leaderless_since_;
  }
  leader_ = leader;
  leader_term_ = leader_term;
}

void ClusterObserver::finish(SimTime end) {
  if (leaderless_) {
    without_leader_ += end - leaderless_since_;
    leaderless_since_ = end;
  }
}

}  // namespace consim::harness
