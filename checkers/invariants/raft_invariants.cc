#include "checkers/invariants/raft_invariants.h"

#include <algorithm>
#include <functional>

#include "checkers/invariants/trace_fields.h"

namespace consim::checkers {
namespace {

// A majority of `voters` is among `holders` (ascending); an empty set (no outgoing half) is always
// satisfied.
bool is_quorum(const std::vector<sim::HostId>& voters, const std::vector<sim::HostId>& holders) {
  const auto count = std::count_if(voters.begin(), voters.end(), [&](sim::HostId v) {
    return std::binary_search(holders.begin(), holders.end(), v);
  });
  return voters.empty() || static_cast<size_t>(count) >= voters.size() / 2 + 1;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Input

void RaftInvariants::observe(const sim::TraceRecord& record) {
  now_index_ = observed_++;
  now_ = record.time;
  if (violation_.has_value() || !record.node.has_value()) {
    return;  // every raft.* and host.* record is stamped with its node
  }
  dispatch(*record.node, record);
}

void RaftInvariants::finish() {
  for (auto& [id, state] : nodes_) {
    if (!state.pending.empty()) {
      try_resolve(id, true);
    }
  }
}

void RaftInvariants::dispatch(sim::HostId id, const sim::TraceRecord& record) {
  // Called for every record; most are the network's and the disks', which matter not here.
  // Kinds are told apart by their compile-time hashes, the text confirming a match; direct calls
  // (rather than a table of handlers) leave the processor one indirect branch fewer to predict.
  // The busiest kinds first (one raft.persist per Ready, then an append, a commit and an apply
  // per entry and node); kinds are distinct, so the order changes nothing else.
  const Name& kind = record.kind;
  if (same(kind, "raft.persist")) {
    on_persist(id, record);
  } else if (same(kind, "raft.append")) {
    on_append(id, record);
  } else if (same(kind, "raft.commit")) {
    on_commit(id, record);
  } else if (same(kind, "raft.apply")) {
    on_apply(id, record);
  } else if (same(kind, "raft.start")) {
    on_start(id, record);
  } else if (same(kind, "raft.state")) {
    on_state(id, record);
  } else if (same(kind, "raft.vote")) {
    on_vote(id, record);
  } else if (same(kind, "raft.truncate")) {
    on_truncate(id, record);
  } else if (same(kind, "raft.compact")) {
    on_compact(id, record);
  } else if (same(kind, "raft.install_snapshot")) {
    on_install_snapshot(id, record);
  } else if (same(kind, "raft.config")) {
    on_config(id, record);
  } else if (same(kind, "raft.read_index")) {
    on_read_index(id, record);
  } else if (same(kind, "host.crash")) {
    on_crash(id, record);
  } else if (same(kind, "host.crash_point")) {
    on_crash_point(id, record);
  } else if (same(kind, "disk.synced")) {
    node(id).synced_unreported = true;
  }
}

RaftInvariants::NodeState& RaftInvariants::node_slow(sim::HostId id) {
  NodeState& state = nodes_[id];
  if (id.index < NodeCache::kMaxIndex) {
    if (node_cache_.states.size() <= id.index) {
      node_cache_.states.resize(id.index + 1, nullptr);
    }
    node_cache_.states[id.index] = &state;
  }
  return state;
}

void RaftInvariants::fail(std::string_view invariant, std::string message, std::vector<sim::HostId> nodes) {
  if (!violation_.has_value()) {
    violation_ = Violation{std::string(invariant), std::move(message), std::move(nodes), now_, now_index_};
  }
}

// ---------------------------------------------------------------------------------------------
// Roles, terms and votes

void RaftInvariants::on_state(sim::HostId id, const sim::TraceRecord& record) {
  const std::string* role = record.string_field("role");
  const std::optional<uint64_t> term = uint_field(record, "term");
  if (role == nullptr || !term.has_value()) {
    ++malformed_;
    return;
  }
  if (!check_term(id, *term, "raft.state")) {
    return;
  }
  NodeState& state = node(id);
  state.role = *role;
  state.term = *term;
  if (*role != "leader") {
    return;
  }
  std::vector<sim::HostId>& leaders = leaders_by_term_[*term];
  if (std::find(leaders.begin(), leaders.end(), id) == leaders.end()) {
    leaders.push_back(id);
  }
  // Raft §5.2 (Election Safety): at most one leader per term.
  if (leaders.front() != id) {
    fail("election_safety",
         id.name() + " became leader of term " + std::to_string(*term) + ", already led by " + leaders.front().name(),
         {id, leaders.front()});
    return;
  }
  check_new_leader(id, *term);
}

void RaftInvariants::on_vote(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<uint64_t> term = uint_field(record, "term");
  const std::string* candidate_name = record.string_field("candidate");
  const std::optional<sim::HostId> candidate = candidate_name == nullptr ? std::nullopt : parse_node(*candidate_name);
  if (!term.has_value() || !candidate.has_value()) {
    ++malformed_;
    return;
  }
  if (check_term(id, *term, "raft.vote")) {
    record_vote(id, *term, *candidate);
  }
}

bool RaftInvariants::check_term(sim::HostId id, uint64_t term, std::string_view kind) {
  NodeState& state = node(id);
  if (term < state.max_term) {
    fail("term_monotonic",
         id.name() + "'s term went back from " + std::to_string(state.max_term) + " to " + std::to_string(term) + " (" +
             std::string(kind) + ")",
         {id});
    return false;
  }
  state.max_term = term;
  return true;
}

bool RaftInvariants::record_vote(sim::HostId id, uint64_t term, sim::HostId candidate) {
  NodeState& state = node(id);
  const std::pair<uint64_t, sim::HostId> vote{term, candidate};
  if (state.last_vote == vote) {
    return true;
  }
  const auto [it, inserted] = votes_.try_emplace(std::pair{id, term}, candidate);
  if (inserted || it->second == candidate) {
    state.last_vote = vote;
    return true;  // a repeated vote for the same candidate is fine
  }
  fail("one_vote_per_term",
       id.name() + " voted for " + candidate.name() + " in term " + std::to_string(term) + " after voting for " +
           it->second.name(),
       {id, candidate, it->second});
  return false;
}

// Leader Completeness at election: the largest index a leader committed with an entry of a term
// below `term` must be in the new leader's log. Only leader commits count: a commit point's term
// is then the term it was committed in, the one the Raft proof (§5.4.3) speaks about.
void RaftInvariants::check_new_leader(sim::HostId id, uint64_t term) {
  uint64_t index = 0;
  for (auto it = commit_points_.begin(); it != commit_points_.end() && it->first < term; ++it) {
    index = std::max(index, it->second);
  }
  if (index == 0 || holds(node(id).log, index) != Holds::kNo) {
    return;
  }
  fail("leader_completeness",
       id.name() + " became leader of term " + std::to_string(term) + " without committed " +
           describe_entry(index, committed_term(index)),
       {id});
}

// etcd's LeaderCompletenessInv at commit time: every node leading a later term holds the entry.
void RaftInvariants::check_leaders_hold(sim::HostId committer, const LogPoint& point) {
  for (const auto& [id, state] : nodes_) {
    if (state.role == "leader" && state.term > point.term && holds(state.log, point.index) == Holds::kNo) {
      fail("leader_completeness",
           id.name() + ", leader of term " + std::to_string(state.term) + ", lacks " +
               describe_entry(point.index, point.term) + " that " + committer.name() + " committed",
           {committer, id});
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The log: appends, cuts, snapshots

bool RaftInvariants::check_log_matching(sim::HostId id, const LogPoint& point) {
  if (point.index == 0) {
    return true;
  }
  const auto [first, inserted] = hashes_.try_emplace(point.index, point.term, HashOwner{point.hash, id});
  if (inserted || first->hash == point.hash) {
    return true;
  }
  const sim::HostId owner = first->node;
  std::vector<sim::HostId> involved{id};
  if (owner != id) {
    involved.push_back(owner);
  }
  fail("log_matching",
       id.name() + " holds " + describe_entry(point.index, point.term) + " with hash " + hex_hash(point.hash) +
           " but " + owner.name() + " held it with hash " + hex_hash(first->hash),
       std::move(involved));
  return false;
}

void RaftInvariants::on_append(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<LogPoint> point = read_point(record, "index", "term", "hash");
  if (!point.has_value() || point->index == 0) {
    ++malformed_;
    return;
  }
  NodeState& state = node(id);
  if (point->index <= state.log.last_index()) {
    // An overwrite is a truncation in disguise.
    if (!check_log_cut(id, point->index - 1, "overwrote index " + std::to_string(point->index))) {
      return;
    }
    state.log.truncate_after(point->index - 1);
  }
  if (!check_log_matching(id, *point)) {
    return;
  }
  if (point->index != state.log.last_index() + 1) {
    fail("log_matching",
         id.name() + " appended index " + std::to_string(point->index) + " but its log ends at index " +
             std::to_string(state.log.last_index()),
         {id});
    return;
  }
  const std::optional<GhostEntry> last = state.log.last();
  if (last.has_value() && last->term > point->term) {
    fail("log_matching",
         id.name() + " appended " + describe_entry(point->index, point->term) + " after an entry of term " +
             std::to_string(last->term),
         {id});
    return;
  }
  state.log.append(GhostEntry{point->term, point->hash});
  try_resolve(id, false);
}

void RaftInvariants::on_truncate(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<uint64_t> after = uint_field(record, "after");
  if (!after.has_value()) {
    ++malformed_;
    return;
  }
  if (check_log_cut(id, *after, "truncated its log after index " + std::to_string(*after))) {
    node(id).log.truncate_after(*after);
  }
}

bool RaftInvariants::check_log_cut(sim::HostId id, uint64_t after, std::string_view what) {
  const NodeState& state = node(id);
  // Raft Figure 3 (Leader Append-Only).
  if (state.role == "leader") {
    fail("leader_append_only",
         id.name() + " " + std::string(what) + " while leader of term " + std::to_string(state.term), {id});
    return false;
  }
  // The first committed entry past the cut that this node holds decides: by the hash chain, if it
  // does not hold that one, it holds none after it.
  uint64_t from = after;
  while (const auto next = committed_.next_after(from, state.log.last_index())) {
    const auto& [index, entry] = *next;
    const Holds held = holds(state.log, index);
    if (held == Holds::kYes) {
      fail("committed_is_durable",
           id.name() + " " + std::string(what) + ", dropping committed " + describe_entry(index, entry.term), {id});
      return false;
    }
    if (held == Holds::kNo) {
      break;
    }
    from = index;
  }
  return true;
}

void RaftInvariants::on_compact(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<LogPoint> point = read_point(record, "index", "term", "hash");
  if (!point.has_value()) {
    ++malformed_;
    return;
  }
  if (!check_log_matching(id, *point)) {
    return;
  }
  NodeState& state = node(id);
  const std::optional<GhostEntry> mine = state.log.at(point->index);
  const bool inside = point->index >= state.log.snapshot_index() && point->index <= state.log.last_index();
  if (!inside || (mine.has_value() && mine->hash != point->hash)) {
    fail("log_matching",
         id.name() + " compacted at " + describe_entry(point->index, point->term) + ", which its log does not hold",
         {id});
    return;
  }
  if (point->index > state.applied) {
    fail("state_machine_safety",
         id.name() + " snapshotted at index " + std::to_string(point->index) + " beyond what it applied (" +
             std::to_string(state.applied) + ")",
         {id});
    return;
  }
  if (check_against_committed(id, *point, "snapshotted")) {
    state.log.compact(point->index, GhostEntry{point->term, point->hash});
  }
}

void RaftInvariants::on_install_snapshot(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<LogPoint> point = read_point(record, "index", "term", "hash");
  if (!point.has_value()) {
    ++malformed_;
    return;
  }
  if (!check_log_matching(id, *point) ||
      !check_log_cut(id, point->index, "installed a snapshot at index " + std::to_string(point->index))) {
    return;
  }
  if (point->index > committed_max_) {
    fail("state_machine_safety",
         id.name() + " installed a snapshot at " + describe_entry(point->index, point->term) +
             " beyond the committed log (index " + std::to_string(committed_max_) + ")",
         {id});
    return;
  }
  if (!check_against_committed(id, *point, "installed a snapshot at")) {
    return;
  }
  NodeState& state = node(id);
  state.log.reset(point->index, GhostEntry{point->term, point->hash});
  state.commit = std::max(state.commit, point->index);
  state.applied = point->index;
}

// ---------------------------------------------------------------------------------------------
// Commits and applies

void RaftInvariants::on_commit(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<LogPoint> point = read_point(record, "index", "term", "hash");
  if (!point.has_value()) {
    ++malformed_;
    return;
  }
  if (!check_log_matching(id, *point)) {
    return;
  }
  const bool* leader = record.bool_field("leader");
  node(id).pending.push_back(PendingCommit{*point, leader != nullptr && *leader, now_, now_index_});
  try_resolve(id, false);
}

void RaftInvariants::try_resolve(sim::HostId id, bool force) {
  NodeState& state = node(id);
  const SimTime saved_time = now_;
  const uint64_t saved_index = now_index_;
  size_t done = 0;
  while (done < state.pending.size() && ok()) {
    const PendingCommit commit = state.pending[done];
    const std::optional<GhostEntry> mine = state.log.at(commit.point.index);
    if (!force && !(mine.has_value() && mine->hash == commit.point.hash)) {
      break;  // its entry may still be on the way, later in the same Ready
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

bool RaftInvariants::resolve(sim::HostId id, const PendingCommit& commit) {
  NodeState& state = node(id);
  const LogPoint& point = commit.point;
  const std::optional<GhostEntry> mine = state.log.at(point.index);
  const bool inside = point.index >= state.log.snapshot_index() && point.index <= state.log.last_index();
  // etcd's CommittedIsDurableInv: a node commits only what its durable log holds.
  if (!inside || (mine.has_value() && mine->hash != point.hash)) {
    fail("committed_is_durable",
         id.name() + " committed " + describe_entry(point.index, point.term) +
             ", which its durable log (ending at index " + std::to_string(state.log.last_index()) + ") does not hold",
         {id});
    return false;
  }
  state.log.learn(point.index, GhostEntry{point.term, point.hash});
  if (!check_against_committed(id, point, "committed") || !extend_committed(id, point.index)) {
    return false;
  }
  committed_.try_emplace(point.index, GhostEntry{point.term, point.hash});
  state.commit = std::max(state.commit, point.index);
  if (!commit.leader) {
    return true;
  }
  uint64_t& commit_point = commit_points_[point.term];
  commit_point = std::max(commit_point, point.index);
  check_commit_quorum(id, point.index);
  if (ok()) {
    check_leaders_hold(id, point);
  }
  return ok();
}

// G grows by the committing node's entries past its end; first, that node's log must agree with G
// where G ends (its chain hash there covers everything before).
bool RaftInvariants::extend_committed(sim::HostId id, uint64_t index) {
  if (index <= committed_max_) {
    return true;
  }
  const LogMirror& log = node(id).log;
  if (committed_max_ < log.snapshot_index()) {
    fail("state_machine_safety",
         id.name() + " commits index " + std::to_string(index) + " on a log compacted to index " +
             std::to_string(log.snapshot_index()) + ", beyond the committed log (index " +
             std::to_string(committed_max_) + ")",
         {id});
    return false;
  }
  const std::optional<GhostEntry> mine = log.at(committed_max_);
  const GhostEntry* end = committed_.find(committed_max_);
  if (mine.has_value() && end != nullptr && mine->hash != end->hash) {
    fail("state_machine_safety",
         id.name() + " commits index " + std::to_string(index) + " on a log that disagrees with the committed log at " +
             describe_entry(committed_max_, end->term),
         {id});
    return false;
  }
  for (uint64_t i = committed_max_ + 1; i <= index && i <= log.last_index(); ++i) {
    if (const std::optional<GhostEntry> entry = log.at(i); entry.has_value()) {
      committed_.try_emplace(i, *entry);
    }
  }
  committed_max_ = index;
  return true;
}

bool RaftInvariants::check_against_committed(sim::HostId id, const LogPoint& point, std::string_view what) {
  const GhostEntry* it = committed_.find(point.index);
  if (it == nullptr || it->hash == point.hash) {
    return true;
  }
  fail("state_machine_safety",
       id.name() + " " + std::string(what) + " " + describe_entry(point.index, point.term) + " with hash " +
           hex_hash(point.hash) + " but the committed entry there is of term " + std::to_string(it->term) +
           " with hash " + hex_hash(it->hash),
       {id});
  return false;
}

// Raft §5.4.2 with durability (research §7.3 item 7): when a leader commits, a quorum of its
// configuration — of both halves when joint — holds the entry on disk.
void RaftInvariants::check_commit_quorum(sim::HostId leader, uint64_t index) {
  const NodeState& state = node(leader);
  if (!state.config.has_value()) {
    return;
  }
  std::vector<sim::HostId>& holders = holders_scratch_;  // ascending, as nodes_ is
  holders.clear();
  for (const auto& [id, other] : nodes_) {
    if (holds(other.log, index) != Holds::kNo) {
      holders.push_back(id);
    }
  }
  const Voters& config = *state.config;
  if (is_quorum(config.voters, holders) && is_quorum(config.outgoing, holders)) {
    return;
  }
  fail("committed_is_durable",
       leader.name() + " committed " + describe_entry(index, committed_term(index)) + " held durably only by {" +
           node_names(holders) + "}: not a quorum of voters=" + node_names(config.voters) +
           (config.outgoing.empty() ? "" : " outgoing=" + node_names(config.outgoing)),
       {leader});
}

uint64_t RaftInvariants::committed_term(uint64_t index) const {
  const GhostEntry* it = committed_.find(index);
  return it == nullptr ? 0 : it->term;
}

RaftInvariants::Holds RaftInvariants::holds(const LogMirror& log, uint64_t index) const {
  if (!committed_.contains(index)) {
    return Holds::kUnknown;
  }
  if (index > log.last_index()) {
    return Holds::kNo;
  }
  // Below the snapshot point, the snapshot point decides (its hash covers everything before it).
  const uint64_t probe = std::max(index, log.snapshot_index());
  const GhostEntry* target = committed_.find(probe);
  const std::optional<GhostEntry> mine = log.at(probe);
  if (target == nullptr || !mine.has_value()) {
    return Holds::kUnknown;
  }
  return mine->hash == target->hash ? Holds::kYes : Holds::kNo;
}

void RaftInvariants::on_apply(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<uint64_t> first = uint_field(record, "first");
  const std::optional<LogPoint> last = read_point(record, "last", "last_term", "last_hash");
  if (!first.has_value() || !last.has_value() || *first > last->index) {
    ++malformed_;
    return;
  }
  try_resolve(id, true);
  if (!ok() || !check_log_matching(id, *last)) {
    return;
  }
  NodeState& state = node(id);
  std::string problem;
  if (*first != state.applied + 1) {
    problem = " after applying up to index " + std::to_string(state.applied);
  } else if (last->index > state.commit) {
    problem = ", beyond its commit index " + std::to_string(state.commit);
  } else if (last->index > committed_max_) {
    problem = ", beyond the committed log (index " + std::to_string(committed_max_) + ")";
  }
  if (!problem.empty()) {
    fail("state_machine_safety",
         id.name() + " applied indexes " + std::to_string(*first) + ".." + std::to_string(last->index) + problem, {id});
    return;
  }
  if (check_against_committed(id, *last, "applied")) {
    state.applied = last->index;
  }
}

// ---------------------------------------------------------------------------------------------
// Reads

// Thesis §6.4.1: a lease lets a leader answer at its commit index without a quorum round only
// because no other leader can have committed anything meanwhile. G's end is what has been
// committed by the time the read is recorded (an under-estimate while commits wait for their
// Ready's end), so a lease read below it missed a committed write: not linearizable.
void RaftInvariants::on_read_index(sim::HostId id, const sim::TraceRecord& record) {
  const bool* lease = record.bool_field("lease");
  const std::optional<uint64_t> index = uint_field(record, "index");
  if (lease == nullptr || !index.has_value()) {
    ++malformed_;
    return;
  }
  if (!*lease || *index >= committed_max_) {
    return;
  }
  fail("stale_read",
       id.name() + " served a lease read at index " + std::to_string(*index) + " (term " +
           std::to_string(node(id).term) + ") after index " + std::to_string(committed_max_) + " (term " +
           std::to_string(committed_term(committed_max_)) + ") was committed",
       {id});
}

}  // namespace consim::checkers
