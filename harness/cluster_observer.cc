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
  return {"raft.state", "raft.vote_answer", "raft.config", "raft.conf_change_refused", "zab.state", "fault.",
          "host.crash", "host.restart",     "host.pause"};
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
  if (kind == "zab.state") {
    on_zab_state(node, record);
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
  if (kind == "raft.config" || kind == "raft.conf_change_refused") {
    on_membership(node, record);
    return;
  }
  if (kind == "host.crash_point") {
    const std::string* step = record.string_field("step");
    narrate(record.time,
            name + " reached its crash point (before the " + (step != nullptr ? *step : "?") + " step of a Ready)");
    return;
  }
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

// Membership as the leader sees it: every node reports each configuration it applies, the
// leader's report is the one worth a line.
void ClusterObserver::on_membership(uint32_t node, const sim::TraceRecord& record) {
  const std::string name = "n" + std::to_string(node);
  if (record.kind == "raft.conf_change_refused") {
    const std::string* change = record.string_field("change");
    const std::string* reason = record.string_field("reason");
    narrate(record.time, name + " refused the membership change " + (change != nullptr ? *change : "?") + " (" +
                             (reason != nullptr ? *reason : "?") + ")");
  } else if (const std::string* voters = record.string_field("voters");
             voters != nullptr && nodes_[node - 1].role == "leader" && *voters != nodes_[node - 1].config) {
    // "voters=n1,n2 outgoing= learners=n3" -> "voters=n1,n2 learners=n3": empty parts left out.
    std::string text;
    size_t start = 0;
    while (start <= voters->size()) {
      const size_t end = std::min(voters->find(' ', start), voters->size());
      const std::string part = voters->substr(start, end - start);
      if (!part.empty() && part.back() != '=') {
        text += (text.empty() ? "" : " ") + part;
      }
      start = end + 1;
    }
    nodes_[node - 1].config = *voters;
    narrate(record.time, name + " applied a new configuration: " + text);
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

void ClusterObserver::on_zab_state(uint32_t node, const sim::TraceRecord& record) {
  const std::string* state = record.string_field("state");
  const std::string* phase = record.string_field("phase");
  const int64_t* epoch = record.int_field("epoch");
  const std::string* leader = record.string_field("leader");
  const int64_t* round = record.int_field("round");
  if (state == nullptr || phase == nullptr || epoch == nullptr || leader == nullptr || round == nullptr) {
    return;
  }
  NodeView& view = nodes_[node - 1];
  const std::string role = *state == "leading" && *phase == "broadcast" ? "leader" : *state;
  const uint64_t new_epoch = static_cast<uint64_t>(*epoch);
  const bool was_leading = view.role == "leader" || view.role == "leading";
  const std::string name = "n" + std::to_string(node);
  const std::string epoch_text = std::to_string(new_epoch);
  if (role != view.role) {
    if (role == "looking") {
      const uint64_t new_round = static_cast<uint64_t>(*round);
      if (new_round > max_round_) {
        max_round_ = new_round;
        ++elections_;
      }
      narrate(record.time, name + (was_leading ? " stepped down and" : "") + " is looking for a leader (round " +
                               std::to_string(new_round) + ", epoch " + epoch_text + ")");
    } else if (role == "leading") {
      narrate(record.time,
              name + " won the election of round " + std::to_string(*round) + "; synchronizing with its followers");
    } else if (role == "leader") {
      const std::string observers = zab_learners(name, "observing");
      narrate(record.time, name + " became leader of epoch " + epoch_text + ", followed by " + name +
                               zab_learners(name, "following") +
                               (observers.empty() ? "" : "; observed by" + observers.substr(1)));
    } else if (was_leading) {
      narrate(record.time, name + " stepped down (now " + role + " in epoch " + epoch_text + ")");
    } else if (const uint32_t leader_node = established_leader(*leader);
               leader_node != 0 && (role == "following" || role == "observing")) {
      // Joining a leader that already serves (after a restart or a heal): no election happens.
      narrate(record.time, name + " joined the established leader " + *leader + " of epoch " +
                               std::to_string(nodes_[leader_node - 1].term) + " (" + role + ")");
    }
  }
  view.role = role;
  view.term = new_epoch;
  view.phase = *phase;
  view.leader = *leader;
  max_term_ = std::max(max_term_, new_epoch);
  update_leader(record.time);
}

std::string ClusterObserver::zab_learners(const std::string& leader, std::string_view state) const {
  std::string learners;
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].up && nodes_[i].role == state && nodes_[i].leader == leader) {
      learners += ", n" + std::to_string(i + 1);
    }
  }
  return learners;
}

uint32_t ClusterObserver::established_leader(const std::string& leader) const {
  if (leader.size() < 2 || leader.size() > 4 || leader[0] != 'n' ||
      leader.find_first_not_of("0123456789", 1) != std::string::npos) {
    return 0;
  }
  const uint32_t node = static_cast<uint32_t>(std::stoul(leader.substr(1)));
  const bool serving = node >= 1 && node <= nodes_.size() && nodes_[node - 1].up && nodes_[node - 1].role == "leader";
  return serving ? node : 0;
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
