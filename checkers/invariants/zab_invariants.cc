#include "checkers/invariants/zab_invariants.h"

#include <algorithm>
#include <utility>

#include "checkers/invariants/trace_fields.h"

namespace consim::checkers {

// ---------------------------------------------------------------------------------------------
// Input

void ZabInvariants::observe(const sim::TraceRecord& record) {
  now_index_ = observed_++;
  now_ = record.time;
  if (violation_.has_value() || !record.node.has_value()) {
    return;  // every zab.* and host.* record is stamped with its node
  }
  dispatch(*record.node, record);
}

void ZabInvariants::finish() {
  for (auto& [id, state] : nodes_) {
    if (!state.pending.empty() && ok()) {
      try_resolve(id, true);
    }
  }
}

void ZabInvariants::dispatch(sim::HostId id, const sim::TraceRecord& record) {
  using Handler = void (ZabInvariants::*)(sim::HostId, const sim::TraceRecord&);
  struct Route {
    Name kind;
    Handler handler;
  };
  // The busiest kinds first (a log, an ack, a commit and an apply per txn and node).
  static constexpr Route kRoutes[] = {
      {"zab.log", &ZabInvariants::on_log},
      {"zab.commit", &ZabInvariants::on_commit},
      {"zab.ack", &ZabInvariants::on_ack},
      {"zab.apply", &ZabInvariants::on_apply},
      {"zab.propose", &ZabInvariants::on_propose},
      {"zab.state", &ZabInvariants::on_state},
      {"zab.start", &ZabInvariants::on_start},
      {"zab.established", &ZabInvariants::on_established},
      {"zab.step_down", &ZabInvariants::on_step_down},
      {"zab.accepted_epoch", &ZabInvariants::on_accepted_epoch},
      {"zab.current_epoch", &ZabInvariants::on_current_epoch},
      {"zab.newleader", &ZabInvariants::on_newleader},
      {"zab.ack_newleader", &ZabInvariants::on_ack_newleader},
      {"zab.truncate", &ZabInvariants::on_truncate},
      {"zab.snapshot", &ZabInvariants::on_snapshot},
      {"zab.snap_install", &ZabInvariants::on_snap_install},
      {"zab.restore", &ZabInvariants::on_restore},
      {"zab.serving", &ZabInvariants::on_serving},
      {"host.crash", &ZabInvariants::on_crash},
      {"host.crash_point", &ZabInvariants::on_crash_point},
  };
  // A record of the node other than these three ends the Ready a pending commit came in.
  static constexpr Name kLog = "zab.log";
  static constexpr Name kCommit = "zab.commit";
  static constexpr Name kPropose = "zab.propose";
  const bool same_ready = same(record.kind, kLog) || same(record.kind, kCommit) || same(record.kind, kPropose);
  if (!same_ready) {
    if (const auto it = nodes_.find(id); it != nodes_.end() && !it->second.pending.empty()) {
      try_resolve(id, true);
      if (!ok()) {
        return;
      }
    }
  }
  for (const Route& route : kRoutes) {
    if (same(route.kind, record.kind)) {
      (this->*(route.handler))(id, record);
      return;
    }
  }
}

std::optional<ZxidChain> ZabInvariants::read_point(const sim::TraceRecord& record, const Name& zxid_key,
                                                   const Name& chain_key) {
  const std::optional<uint64_t> zxid = uint_field(record, zxid_key);
  const std::optional<uint64_t> chain = uint_field(record, chain_key);
  if (!zxid.has_value() || !chain.has_value()) {
    return std::nullopt;
  }
  return ZxidChain{*zxid, *chain};
}

void ZabInvariants::fail(std::string_view invariant, std::string message, std::vector<sim::HostId> nodes) {
  if (!violation_.has_value()) {
    violation_ = Violation{std::string(invariant), std::move(message), std::move(nodes), now_, now_index_};
  }
}

std::string ZabInvariants::zxid_text(uint64_t zxid) const {
  return "(" + std::to_string(epoch_of(zxid)) + "," + std::to_string(counter_of(zxid)) + ")";
}

std::string ZabInvariants::point_text(const ZxidChain& point) const {
  return zxid_text(point.zxid) + " (chain " + hex_hash(point.chain) + ")";
}

std::string ZabInvariants::last_text(const ZabLogMirror& log) const {
  const std::optional<ZxidChain> last = log.last();
  return last.has_value() ? zxid_text(last->zxid) : "an unknown point";
}

Holds ZabInvariants::holds(const ZabLogMirror& log, const ZxidChain& point) const {
  if (const std::optional<ZxidChain> mine = log.find(point.zxid); mine.has_value()) {
    return mine->chain == point.chain ? Holds::kYes : Holds::kNo;
  }
  const Holds by_zxid = log.holds_zxid(point.zxid);
  if (by_zxid != Holds::kUnknown) {
    return by_zxid;
  }
  // Below a snapshot that agrees with G, the history is G's: G decides.
  if (point.zxid < log.snapshot().zxid && committed_.check(log.snapshot()) == CommittedHistory::Match::kAgrees) {
    if (const ZxidChain* in_g = committed_.find(point.zxid); in_g != nullptr) {
      return in_g->chain == point.chain ? Holds::kYes : Holds::kNo;
    }
  }
  return Holds::kUnknown;
}

std::optional<ZxidChain> ZabInvariants::committed_held(const ZabLogMirror& log) const {
  std::optional<ZxidChain> held;
  log.for_each_in(0, committed_.last_zxid(), [&](const ZxidChain& point) {
    if (committed_.check(point) == CommittedHistory::Match::kAgrees) {
      held = point;
    }
    return true;
  });
  return held;
}

// ---------------------------------------------------------------------------------------------
// Leadership

void ZabInvariants::on_state(sim::HostId id, const sim::TraceRecord& record) {
  const std::string* state_name = record.string_field("state");
  const std::string* phase = record.string_field("phase");
  if (state_name == nullptr || phase == nullptr) {
    ++malformed_;
    return;
  }
  NodeState& state = node(id);
  state.role = *state_name;
  if (*phase != "broadcast" || *state_name == "looking") {
    state.serving = false;
  }
  if (*state_name != "leading") {
    state.established.reset();
  }
}

// A node leaving its role stops serving at once: the fast-forward of its uncommitted tail
// (zab.apply) follows, before the zab.state that starts the election.
void ZabInvariants::on_step_down(sim::HostId id, const sim::TraceRecord& /*record*/) {
  NodeState& state = node(id);
  state.serving = false;
  state.established.reset();
}

void ZabInvariants::on_established(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<uint64_t> epoch = uint_field(record, "epoch");
  if (!epoch.has_value()) {
    ++malformed_;
    return;
  }
  const auto [it, inserted] = leaders_by_epoch_.try_emplace(*epoch, id);
  // Leadership2 (Zab.tla): at most one server is ever established as leader of an epoch.
  if (!inserted && it->second != id) {
    fail("one_leader_per_epoch",
         id.name() + " established epoch " + std::to_string(*epoch) + ", already established by " + it->second.name(),
         {id, it->second});
    return;
  }
  node(id).established = *epoch;
  check_leader_complete(id, *epoch, "established epoch " + std::to_string(*epoch));
}

// LeaderLogCompleteness: a leader of epoch e holds every txn committed in the epochs before e. G's
// last such txn decides: its chain covers the rest.
bool ZabInvariants::check_leader_complete(sim::HostId id, uint64_t epoch, std::string_view what) {
  const ZxidChain* last = committed_.last_below(first_zxid_of(epoch));
  if (last == nullptr) {
    return true;
  }
  const ZabLogMirror& log = node(id).log;
  if (holds(log, *last) != Holds::kNo) {
    return true;
  }
  fail("primary_integrity",
       id.name() + " " + std::string(what) + " without committed " + point_text(*last) + ": its history ends at " +
           last_text(log),
       {id});
  return false;
}

// ---------------------------------------------------------------------------------------------
// Proposals and the log

void ZabInvariants::on_propose(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<uint64_t> zxid = uint_field(record, "zxid");
  const std::optional<uint64_t> digest = uint_field(record, "digest");
  if (!zxid.has_value() || !digest.has_value() || record.int_field("chain") == nullptr) {
    ++malformed_;
    return;
  }
  const auto [first, inserted] = proposals_.try_emplace(*zxid, Proposal{*digest, id});
  if (!inserted && first->second.digest != *digest) {
    std::vector<sim::HostId> involved{id};
    if (first->second.node != id) {
      involved.push_back(first->second.node);
    }
    fail("zxid_unique",
         id.name() + " proposed " + zxid_text(*zxid) + " with digest " + hex_hash(*digest) + " but " +
             first->second.node.name() + " proposed it with digest " + hex_hash(first->second.digest),
         std::move(involved));
    return;
  }
  const NodeState& state = node(id);
  const uint64_t epoch = epoch_of(*zxid);
  const uint64_t leader_epoch = state.established.value_or(state.current_epoch);
  const std::optional<uint64_t> field_epoch = uint_field(record, "epoch");
  std::string problem;
  if (state.role != "leading") {
    problem = " while " + (state.role.empty() ? std::string("down") : state.role);
  } else if (epoch != leader_epoch) {
    problem = " in its epoch " + std::to_string(leader_epoch);
  } else if (field_epoch.has_value() && *field_epoch != epoch) {
    problem = " as a proposal of epoch " + std::to_string(*field_epoch);
  }
  if (!problem.empty()) {
    fail("primary_order", id.name() + " proposed " + zxid_text(*zxid) + problem, {id});
    return;
  }
  // Zab §3 (local primary order) with ZooKeeper's counters: (e,1), (e,2), ... and never the
  // rollover value, which forces a new epoch (ZOOKEEPER-1277).
  uint64_t& last = last_counter_[epoch];
  const uint64_t counter = counter_of(*zxid);
  if (counter != last + 1 || counter == counter_mask()) {
    fail("primary_order",
         id.name() + " proposed " + zxid_text(*zxid) +
             (last == 0 ? " as the first proposal of epoch " + std::to_string(epoch)
                        : " after " + zxid_text(first_zxid_of(epoch) | last)) +
             (counter == counter_mask() ? ", at the counter's rollover value" : ""),
         {id});
    return;
  }
  last = counter;
  check_leader_complete(id, epoch, "proposed " + zxid_text(*zxid));
}

void ZabInvariants::on_log(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<ZxidChain> point = read_point(record, "zxid", "chain");
  if (!point.has_value()) {
    ++malformed_;
    return;
  }
  ZabLogMirror& log = node(id).log;
  const ZxidChain last = log.last_listed();
  if (point->zxid <= last.zxid) {
    fail("primary_order",
         id.name() + " logged " + zxid_text(point->zxid) + " after " + zxid_text(last.zxid) +
             ": a history's zxids must increase",
         {id});
    return;
  }
  log.append(*point);
  try_resolve(id, false);
}

// ---------------------------------------------------------------------------------------------
// Commits

void ZabInvariants::on_commit(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<ZxidChain> point = read_point(record, "zxid", "chain");
  const bool* held = record.bool_field("held");
  if (!point.has_value() || held == nullptr) {
    ++malformed_;
    return;
  }
  if (!*held) {
    fail("commit_consistency",
         id.name() + " received a COMMIT for " + zxid_text(point->zxid) +
             ", which it does not hold (its history ends at " + last_text(node(id).log) + "; ZOOKEEPER-4394)",
         {id});
    return;
  }
  node(id).pending.push_back(PendingCommit{*point, now_, now_index_});
  try_resolve(id, false);
}

void ZabInvariants::try_resolve(sim::HostId id, bool force) {
  NodeState& state = node(id);
  const SimTime saved_time = now_;
  const uint64_t saved_index = now_index_;
  size_t done = 0;
  while (done < state.pending.size() && ok()) {
    const PendingCommit commit = state.pending[done];
    if (!force && holds(state.log, commit.point) == Holds::kNo) {
      break;  // its txn may still be on the way, later in the same Ready
    }
    ++done;
    now_ = commit.time;  // a violation is the commit's
    now_index_ = commit.record_index;
    resolve(id, commit);
  }
  state.pending.erase(state.pending.begin(), state.pending.begin() + static_cast<std::ptrdiff_t>(done));
  now_ = saved_time;
  now_index_ = saved_index;
}

bool ZabInvariants::resolve(sim::HostId id, const PendingCommit& commit) {
  NodeState& state = node(id);
  const ZxidChain& point = commit.point;
  if (holds(state.log, point) == Holds::kNo) {
    fail("commit_consistency",
         id.name() + " committed " + point_text(point) + ", which its durable history (ending at " +
             last_text(state.log) + ") does not hold",
         {id});
    return false;
  }
  if (!check_commit_prefix(id, point)) {
    return false;
  }
  state.commit_zxid = std::max(state.commit_zxid, point.zxid);
  if (state.established.has_value() && state.role == "leading") {
    check_commit_quorum(id, point);
  }
  return ok();
}

// PrefixConsistency: the node's history from its last commit point up to the commit joins G.
bool ZabInvariants::check_commit_prefix(sim::HostId id, const ZxidChain& commit) {
  const ZabLogMirror& log = node(id).log;
  const bool all_agree = log.for_each_in(node(id).commit_zxid, commit.zxid, [&](const ZxidChain& point) {
    switch (committed_.check(point)) {
      case CommittedHistory::Match::kAgrees:
      case CommittedHistory::Match::kUnknown:
        return true;
      case CommittedHistory::Match::kDisagrees:
        return check_on_committed(id, point, "committed");
      case CommittedHistory::Match::kBeyond:
        return extend_committed(id, point);
    }
    return true;
  });
  if (!all_agree) {
    return false;
  }
  // The commit point itself in an unknown stretch of the node's history: G learns it after a gap.
  if (!log.find(commit.zxid).has_value()) {
    const CommittedHistory::Match match = committed_.check(commit);
    if (match == CommittedHistory::Match::kDisagrees) {
      return check_on_committed(id, commit, "committed");
    }
    if (match == CommittedHistory::Match::kBeyond) {
      committed_.extend(commit, true);
    }
  }
  return true;
}

// G grows at its end by a point of `id`'s history whose predecessor there is G's last point.
bool ZabInvariants::extend_committed(sim::HostId id, const ZxidChain& point) {
  const ZabLogMirror::Previous previous = node(id).log.previous(point.zxid);
  const std::optional<ZxidChain> end = committed_.last();
  if (!previous.certain) {
    committed_.extend(point, true);  // what lies between is unknown
    return true;
  }
  const ZxidChain before = previous.point.value_or(ZxidChain{});
  const uint64_t end_zxid = end.has_value() ? end->zxid : 0;
  if (before.zxid > end_zxid) {
    // Unreachable while commit points stay within G (points are visited in order); lenient.
    committed_.extend(point, true);
    return true;
  }
  if (before.zxid < end_zxid) {
    fail("prefix_consistency",
         id.name() + " committed " + zxid_text(point.zxid) + " right after " + zxid_text(before.zxid) +
             ", skipping committed " + point_text(*end),
         {id});
    return false;
  }
  if (end.has_value() && before.chain != end->chain) {
    fail("prefix_consistency",
         id.name() + " committed " + zxid_text(point.zxid) + " after " + point_text(before) +
             ", but the committed history has " + point_text(*end),
         {id});
    return false;
  }
  committed_.extend(point, false);
  return true;
}

bool ZabInvariants::check_on_committed(sim::HostId id, const ZxidChain& point, std::string_view what) {
  const CommittedHistory::Match match = committed_.check(point);
  if (match != CommittedHistory::Match::kDisagrees) {
    return true;
  }
  const ZxidChain* in_g = committed_.find(point.zxid);
  fail("prefix_consistency",
       id.name() + " " + std::string(what) + " " + point_text(point) +
           (in_g != nullptr ? " but the committed history has chain " + hex_hash(in_g->chain) + " there"
                            : ", which is not in the committed history"),
       {id});
  return false;
}

// No acknowledged write lost: when the established leader commits, a quorum of the voters holds
// the txn durably (its chain covers everything before it). Unknown histories count as holding.
void ZabInvariants::check_commit_quorum(sim::HostId leader, const ZxidChain& point) {
  const std::vector<sim::HostId>& voters = node(leader).voters;
  if (voters.empty()) {
    return;
  }
  std::vector<sim::HostId> holders;
  for (const sim::HostId voter : voters) {
    if (holds(node(voter).log, point) != Holds::kNo) {
      holders.push_back(voter);
    }
  }
  if (holders.size() >= voters.size() / 2 + 1) {
    return;
  }
  fail("quorum_durability",
       leader.name() + ", leader of epoch " + std::to_string(node(leader).established.value_or(0)) + ", committed " +
           point_text(point) + " held durably only by {" + node_names(holders) + "}: not a quorum of voters " +
           node_names(voters),
       {leader});
}

// ---------------------------------------------------------------------------------------------
// The application

// State = replay: while serving, the application stands on committed history.
void ZabInvariants::on_apply(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<ZxidChain> point = read_point(record, "zxid", "chain");
  if (!point.has_value()) {
    ++malformed_;
    return;
  }
  NodeState& state = node(id);
  const ZxidChain before = std::exchange(state.applied, *point);
  if (!state.serving) {
    return;  // a restart's replay, or a fast-forward when leaving a role
  }
  const CommittedHistory::Match match = committed_.check(*point);
  if (point->zxid <= before.zxid) {
    fail("state_consistency",
         id.name() + " applied " + zxid_text(point->zxid) + " while serving, after applying up to " +
             zxid_text(before.zxid),
         {id});
  } else if (match == CommittedHistory::Match::kBeyond) {
    fail("state_consistency",
         id.name() + " applied " + point_text(*point) + " while serving, beyond the committed history (ending at " +
             zxid_text(committed_.last_zxid()) + ")",
         {id});
  } else if (match == CommittedHistory::Match::kDisagrees) {
    fail("state_consistency",
         id.name() + " applied " + point_text(*point) + " while serving, which disagrees with the committed history",
         {id});
  }
}

void ZabInvariants::on_restore(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<ZxidChain> point = read_point(record, "zxid", "chain");
  if (!point.has_value()) {
    ++malformed_;
    return;
  }
  node(id).applied = *point;
}

void ZabInvariants::on_serving(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<ZxidChain> point = read_point(record, "zxid", "chain");
  if (!point.has_value()) {
    ++malformed_;
    return;
  }
  NodeState& state = node(id);
  state.serving = true;
  state.applied = *point;
  const CommittedHistory::Match match = committed_.check(*point);
  if (match == CommittedHistory::Match::kBeyond || match == CommittedHistory::Match::kDisagrees) {
    fail("state_consistency",
         id.name() + " started serving at " + point_text(*point) +
             (match == CommittedHistory::Match::kBeyond
                  ? ", beyond the committed history (ending at " + zxid_text(committed_.last_zxid()) + ")"
                  : ", which disagrees with the committed history"),
         {id});
  }
}

}  // namespace consim::checkers
