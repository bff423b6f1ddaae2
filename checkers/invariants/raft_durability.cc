// RaftInvariants, continued: persistence, membership, crashes and restarts.
#include <algorithm>
#include <utility>

#include "checkers/invariants/raft_invariants.h"
#include "checkers/invariants/trace_fields.h"

namespace consim::checkers {

// ---------------------------------------------------------------------------------------------
// Durability: persist, crash, restart

void RaftInvariants::on_persist(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<uint64_t> term = uint_field(record, "term");
  const std::optional<uint64_t> vote = uint_field(record, "vote");
  const std::optional<uint64_t> last_index = uint_field(record, "last_index");
  const std::optional<uint64_t> last_hash = uint_field(record, "last_hash");
  if (!term.has_value() || !vote.has_value() || !last_index.has_value() || !last_hash.has_value()) {
    ++malformed_;
    return;
  }
  try_resolve(id, true);  // the end of a Ready: every commit in it has its entries by now
  node(id).synced_unreported = false;
  if (!ok() || !check_term(id, *term, "raft.persist")) {
    return;
  }
  if (*vote != 0 && !record_vote(id, *term, sim::HostId{static_cast<uint32_t>(*vote - 1)})) {
    return;
  }
  LogMirror& log = node(id).log;
  const std::optional<GhostEntry> mine = log.last();
  if (*last_index != log.last_index() || (mine.has_value() && mine->hash != *last_hash)) {
    fail("log_matching",
         id.name() + " persisted a log ending at index " + std::to_string(*last_index) + " (hash " +
             hex_hash(*last_hash) + ") but its traced log ends at index " + std::to_string(log.last_index()) +
             (mine.has_value() ? " (hash " + hex_hash(mine->hash) + ")" : ""),
         {id});
    return;
  }
  log.learn(*last_index, GhostEntry{0, *last_hash});
}

void RaftInvariants::on_config(sim::HostId id, const sim::TraceRecord& record) {
  NodeState& state = node(id);
  state.config.reset();
  const std::string* text = record.string_field("voters");
  if (text == nullptr) {
    ++malformed_;
    return;
  }
  Voters config;
  std::string_view rest = *text;
  while (!rest.empty()) {  // "voters=n1,n2 outgoing= learners=n4"
    const size_t space = rest.find(' ');
    const std::string_view item = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    const size_t equals = item.find('=');
    const std::optional<std::vector<sim::HostId>> nodes =
        equals == std::string_view::npos ? std::nullopt : parse_node_list(item.substr(equals + 1));
    if (!nodes.has_value()) {
      ++malformed_;
      return;
    }
    const std::string_view key = item.substr(0, equals);
    if (key == "voters") {
      config.voters = *nodes;
    } else if (key == "outgoing") {
      config.outgoing = *nodes;
    }
  }
  state.config = std::move(config);
}

void RaftInvariants::on_crash(sim::HostId id, const sim::TraceRecord& record) {
  const bool* ignored = record.bool_field("ignored");
  if (ignored != nullptr && *ignored) {
    return;
  }
  try_resolve(id, true);
  NodeState& state = node(id);
  state.role.clear();
  state.config.reset();
  // A paused host's disk goes on syncing; the Ready waiting for that sync never traced its
  // events (what it appended, truncated and persisted), yet the disk keeps them.
  if (std::exchange(state.synced_unreported, false)) {
    state.events_lost = true;
  }
}

void RaftInvariants::on_crash_point(sim::HostId id, const sim::TraceRecord& record) {
  const std::string* step = record.string_field("step");
  if (step != nullptr && *step == "events") {
    node(id).events_lost = true;  // that Ready's writes are synced, its events will never be traced
  }
}

void RaftInvariants::on_start(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<LogPoint> last = read_point(record, "last_index", "last_term", "last_hash");
  const std::optional<uint64_t> term = uint_field(record, "term");
  const std::optional<uint64_t> vote = uint_field(record, "vote");
  const std::optional<uint64_t> commit = uint_field(record, "commit");
  const std::optional<uint64_t> snapshot_index = uint_field(record, "snapshot_index");
  const std::optional<uint64_t> snapshot_hash = uint_field(record, "snapshot_hash");
  if (!last.has_value() || !term.has_value() || !vote.has_value() || !commit.has_value() ||
      !snapshot_index.has_value() || !snapshot_hash.has_value()) {
    ++malformed_;
    return;
  }
  try_resolve(id, true);
  NodeState& state = node(id);
  const bool lenient = std::exchange(state.events_lost, false);
  const bool recovered = lenient ? check_recovered_leniently(id, *last, *snapshot_index, *snapshot_hash)
                                 : check_recovered_exactly(id, *last, *snapshot_index, *snapshot_hash);
  if (!recovered || !check_term(id, *term, "raft.start")) {
    return;
  }
  if (*vote != 0 && !record_vote(id, *term, sim::HostId{static_cast<uint32_t>(*vote - 1)})) {
    return;
  }
  if (lenient) {
    rebuild_mirror(state, *last, *snapshot_index, *snapshot_hash);
  }
  state.role.clear();
  state.pending.clear();
  state.commit = *commit;
  state.applied = *snapshot_index;
  // A commit whose event was lost with the crash still counts (the disk kept it).
  extend_committed(id, *commit);
}

// Without lost events the disk holds exactly what the trace said was synced: anything else is
// a lost (or invented) write, as a lying fsync produces.
bool RaftInvariants::check_recovered_exactly(sim::HostId id, const LogPoint& last, uint64_t snapshot_index,
                                             uint64_t snapshot_hash) {
  LogMirror& log = node(id).log;
  const std::optional<GhostEntry> mine = log.last();
  if (last.index == log.last_index() && snapshot_index == log.snapshot_index() &&
      snapshot_hash == log.snapshot().hash && (!mine.has_value() || mine->hash == last.hash)) {
    log.learn(last.index, GhostEntry{last.term, last.hash});
    return true;
  }
  fail("committed_is_durable",
       id.name() + " restarted with its log ending at " + describe_entry(last.index, last.term) +
           ", snapshot at index " + std::to_string(snapshot_index) + ", but its durable log ended at index " +
           std::to_string(log.last_index()) + ", snapshot at index " + std::to_string(log.snapshot_index()),
       {id});
  return false;
}

// After a crash that lost a synced Ready's events, the recovered log may legitimately differ
// from the mirror (that Ready may have truncated and appended), but the committed entries the
// node held must still be there.
bool RaftInvariants::check_recovered_leniently(sim::HostId id, const LogPoint& last, uint64_t snapshot_index,
                                               uint64_t snapshot_hash) {
  const LogMirror& log = node(id).log;
  const uint64_t held = committed_prefix(log);
  const GhostEntry* at_last = committed_.find(last.index);
  const bool replaced = last.index <= held && at_last != nullptr && at_last->hash != last.hash;
  if (last.index < held || replaced) {
    fail("committed_is_durable",
         id.name() + " restarted with its log ending at " + describe_entry(last.index, last.term) +
             ", losing committed " + describe_entry(held, committed_term(held)) + " that it held durably",
         {id});
    return false;
  }
  const GhostEntry* at_snapshot = committed_.find(snapshot_index);
  if (snapshot_index > 0 && at_snapshot != nullptr && at_snapshot->hash != snapshot_hash) {
    fail("state_machine_safety",
         id.name() + " restarted with a snapshot at index " + std::to_string(snapshot_index) +
             " that disagrees with the committed log",
         {id});
    return false;
  }
  return true;
}

// The largest index of G the log is known to hold (at least its snapshot point).
uint64_t RaftInvariants::committed_prefix(const LogMirror& log) const {
  for (uint64_t i = std::min(committed_max_, log.last_index()); i > log.snapshot_index(); --i) {
    if (holds(log, i) == Holds::kYes) {
      return i;
    }
  }
  return log.snapshot_index();
}

// What the restarted node holds, as far as the trace can tell: entries known equal to the old
// mirror's or G's by the hash chain, the committed prefix it held, and the recovered last entry.
void RaftInvariants::rebuild_mirror(NodeState& state, const LogPoint& last, uint64_t snapshot_index,
                                    uint64_t snapshot_hash) {
  const LogMirror old = state.log;
  const uint64_t held = committed_prefix(old);
  const std::optional<GhostEntry> old_last = old.at(last.index);
  const GhostEntry* g_last = committed_.find(last.index);
  const bool same_as_old = old_last.has_value() && old_last->hash == last.hash;
  const bool same_as_g = g_last != nullptr && g_last->hash == last.hash;
  const auto known = [&](uint64_t i) -> std::optional<GhostEntry> {
    if (same_as_old || (!same_as_g && i <= held)) {
      return old.at(i);
    }
    const GhostEntry* g = committed_.find(i);
    return same_as_g && g != nullptr ? std::optional<GhostEntry>(*g) : std::nullopt;
  };
  GhostEntry snapshot{0, snapshot_hash};
  if (const std::optional<GhostEntry> entry =
          snapshot_index == last.index ? GhostEntry{last.term, last.hash} : known(snapshot_index);
      entry.has_value() && entry->hash == snapshot_hash) {
    snapshot.term = entry->term;
  }
  state.log.reset(snapshot_index, snapshot);
  for (uint64_t i = snapshot_index + 1; i <= last.index; ++i) {
    state.log.append(i == last.index ? GhostEntry{last.term, last.hash} : known(i));
  }
}

}  // namespace consim::checkers
