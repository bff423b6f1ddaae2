// ZabInvariants, continued: epochs, acknowledgements, cuts of a history, crashes and restarts.
#include <algorithm>
#include <utility>

#include "checkers/invariants/trace_fields.h"
#include "checkers/invariants/zab_invariants.h"

namespace consim::checkers {

// ---------------------------------------------------------------------------------------------
// Epochs

// research/zab.md (e), epoch ordering: acceptedEpoch >= currentEpoch at all times, including
// just after recovery; neither ever decreases. The node's epochs here are the durable ones.
bool ZabInvariants::check_epochs(sim::HostId id, uint64_t accepted, uint64_t current, std::string_view what) {
  NodeState& state = node(id);
  std::string problem;
  if (accepted < state.accepted_epoch) {
    problem =
        "'s accepted epoch went back from " + std::to_string(state.accepted_epoch) + " to " + std::to_string(accepted);
  } else if (current < state.current_epoch) {
    problem =
        "'s current epoch went back from " + std::to_string(state.current_epoch) + " to " + std::to_string(current);
  } else if (accepted < current) {
    problem =
        "'s current epoch " + std::to_string(current) + " is above its accepted epoch " + std::to_string(accepted);
  }
  if (!problem.empty()) {
    fail("epoch_order", id.name() + problem + " (" + std::string(what) + ")", {id});
    return false;
  }
  state.accepted_epoch = accepted;
  state.current_epoch = current;
  return true;
}

void ZabInvariants::on_accepted_epoch(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<uint64_t> epoch = uint_field(record, "epoch");
  if (!epoch.has_value()) {
    ++malformed_;
    return;
  }
  check_epochs(id, *epoch, node(id).current_epoch, "zab.accepted_epoch");
}

void ZabInvariants::on_current_epoch(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<uint64_t> epoch = uint_field(record, "epoch");
  if (!epoch.has_value()) {
    ++malformed_;
    return;
  }
  check_epochs(id, node(id).accepted_epoch, *epoch, "zab.current_epoch");
  if (!ok()) {
    return;
  }
  // A learner writes the new current epoch only once the history NEWLEADER synced is durable: a
  // crash in between leaves a new epoch over an old history, which FLE ranks first (ZOOKEEPER-4643).
  const NodeState& state = node(id);
  if (state.newleader.has_value() && state.newleader->epoch == *epoch && state.newleader->last.zxid != 0 &&
      holds(state.log, state.newleader->last) == Holds::kNo) {
    fail("ack_durability",
         id.name() + " wrote current epoch " + std::to_string(*epoch) +
             " before the history of the NEWLEADER it "
             "accepted from " +
             state.newleader->leader.name() + " (ending at " + point_text(state.newleader->last) +
             ") was durable (its durable history ends at " + last_text(state.log) + ")",
         {id});
  }
}

// ---------------------------------------------------------------------------------------------
// NEWLEADER and ACKs

std::optional<ZabInvariants::NewLeader> ZabInvariants::read_newleader(const sim::TraceRecord& record) {
  const std::optional<uint64_t> epoch = uint_field(record, "epoch");
  const std::string* leader_name = record.string_field("leader");
  const std::optional<sim::HostId> leader = leader_name == nullptr ? std::nullopt : parse_node(*leader_name);
  const std::optional<ZxidChain> last = read_point(record, "last_zxid", "last_chain");
  if (!epoch.has_value() || !leader.has_value() || !last.has_value()) {
    return std::nullopt;
  }
  return NewLeader{*epoch, *leader, *last};
}

void ZabInvariants::on_newleader(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<NewLeader> newleader = read_newleader(record);
  if (!newleader.has_value()) {
    ++malformed_;
    return;
  }
  node(id).newleader = *newleader;
}

// The NEWLEADER ACK promises that the synced history and the new current epoch are durable
// (research/zab.md a.4, follower step 3; ZOOKEEPER-3911, 4643, 4646), and that the follower's
// history is a prefix of its leader's (ProcessConsistency).
void ZabInvariants::on_ack_newleader(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<NewLeader> ack = read_newleader(record);
  if (!ack.has_value()) {
    ++malformed_;
    return;
  }
  const NodeState& state = node(id);
  const std::string head =
      id.name() + " acked NEWLEADER of epoch " + std::to_string(ack->epoch) + " to " + ack->leader.name();
  const std::optional<ZxidChain> last = state.log.last();
  std::string problem;
  if (state.current_epoch != ack->epoch) {
    problem = " with its durable current epoch at " + std::to_string(state.current_epoch);
  } else if (last.has_value() ? *last != ack->last : holds(state.log, ack->last) == Holds::kNo) {
    problem = " with history ending at " + point_text(ack->last) + ", but its durable history ends at " +
              (last.has_value() ? point_text(*last) : std::string("an unknown point"));
  } else if (!state.newleader.has_value()) {
    problem = " without accepting a NEWLEADER";
  } else if (*state.newleader != *ack) {
    const NewLeader& accepted = *state.newleader;
    problem = " at " + point_text(ack->last) + ", but the NEWLEADER it accepted was of epoch " +
              std::to_string(accepted.epoch) + " from " + accepted.leader.name() + " at " + point_text(accepted.last);
  }
  if (!problem.empty()) {
    fail("ack_durability", head + problem, {id});
    return;
  }
  if (ack->leader == id || ack->last.zxid == 0) {
    return;  // the empty history is a prefix of every history
  }
  const NodeState& leader = node(ack->leader);
  if (leader.cut_epoch > ack->epoch) {
    return;  // the leader's history has been cut in a later epoch: no longer the reference
  }
  if (holds(leader.log, ack->last) == Holds::kNo) {
    fail("process_consistency",
         head + " with history ending at " + point_text(ack->last) + ", which " + ack->leader.name() +
             "'s history (ending at " + last_text(leader.log) + ") does not hold",
         {id, ack->leader});
  }
}

// ACK(z) promises that z is durable (research/zab.md a.4, persistence points).
void ZabInvariants::on_ack(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<uint64_t> zxid = uint_field(record, "zxid");
  if (!zxid.has_value()) {
    ++malformed_;
    return;
  }
  if (counter_of(*zxid) == 0) {
    return;  // (e,0) names no txn: a NEWLEADER or UPTODATE ack
  }
  const ZabLogMirror& log = node(id).log;
  if (log.holds_zxid(*zxid) != Holds::kNo) {
    return;
  }
  const std::string* leader = record.string_field("leader");
  fail("ack_durability",
       id.name() + " acked " + zxid_text(*zxid) + (leader != nullptr ? " to " + *leader : std::string()) +
           ", which its durable history (ending at " + last_text(log) + ") does not hold",
       {id});
}

// ---------------------------------------------------------------------------------------------
// Cuts: truncation, snapshots

// CommittedLogDurability: a cut never removes a txn of G. The latest point of the node's history
// past `keep` that G holds decides (its chain covers the points before it).
bool ZabInvariants::check_cut(sim::HostId id, uint64_t keep, std::string_view what) {
  std::optional<ZxidChain> dropped;
  node(id).log.for_each_in(keep, committed_.last_zxid(), [&](const ZxidChain& point) {
    if (committed_.check(point) == CommittedHistory::Match::kAgrees) {
      dropped = point;
    }
    return true;
  });
  if (!dropped.has_value()) {
    return true;
  }
  fail("prefix_consistency", id.name() + " " + std::string(what) + ", dropping committed " + point_text(*dropped),
       {id});
  return false;
}

void ZabInvariants::on_truncate(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<uint64_t> zxid = uint_field(record, "zxid");
  if (!zxid.has_value()) {
    ++malformed_;
    return;
  }
  if (!check_cut(id, *zxid, "truncated its history after " + zxid_text(*zxid))) {
    return;
  }
  NodeState& state = node(id);
  state.log.truncate_after(*zxid);
  state.commit_zxid = std::min(state.commit_zxid, *zxid);
  state.cut_epoch = state.accepted_epoch;
}

void ZabInvariants::on_snapshot(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<ZxidChain> point = read_point(record, "zxid", "chain");
  const std::optional<uint64_t> log_first = uint_field(record, "log_first");
  if (!point.has_value() || !log_first.has_value()) {
    ++malformed_;
    return;
  }
  node(id).log.snapshot_written(*point, *log_first);
}

// SNAP: the history is replaced by the leader's snapshot. Everything it held up to the snapshot's
// zxid is vouched for by the snapshot, if the snapshot agrees with G.
void ZabInvariants::on_snap_install(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<ZxidChain> point = read_point(record, "zxid", "chain");
  if (!point.has_value()) {
    ++malformed_;
    return;
  }
  if (!check_on_committed(id, *point, "installed a snapshot at") ||
      !check_cut(id, point->zxid, "installed a snapshot at " + zxid_text(point->zxid))) {
    return;
  }
  NodeState& state = node(id);
  state.log.replace_by_snapshot(*point);
  state.commit_zxid = std::min(state.commit_zxid, point->zxid);
  state.cut_epoch = state.accepted_epoch;
  state.applied = *point;
}

// ---------------------------------------------------------------------------------------------
// Crashes and restarts

void ZabInvariants::clear_volatile(NodeState& state) {
  state.role.clear();
  state.serving = false;
  state.established.reset();
  state.commit_zxid = 0;
  state.applied = ZxidChain{};
  state.newleader.reset();
  state.pending.clear();
}

void ZabInvariants::on_crash(sim::HostId id, const sim::TraceRecord& record) {
  const bool* ignored = record.bool_field("ignored");
  if (ignored != nullptr && *ignored) {
    return;
  }
  clear_volatile(node(id));  // dispatch() judged its pending commits first
}

void ZabInvariants::on_crash_point(sim::HostId id, const sim::TraceRecord& record) {
  const std::string* step = record.string_field("step");
  if (step != nullptr && *step == "events") {
    node(id).events_lost = true;  // that Ready's writes are synced, its events will never be traced
  }
}

void ZabInvariants::on_start(sim::HostId id, const sim::TraceRecord& record) {
  const std::optional<uint64_t> accepted = uint_field(record, "accepted_epoch");
  const std::optional<uint64_t> current = uint_field(record, "current_epoch");
  const std::optional<ZxidChain> last = read_point(record, "last_zxid", "last_chain");
  const std::optional<ZxidChain> snapshot = read_point(record, "snapshot_zxid", "snapshot_chain");
  const std::string* voter_names = record.string_field("voters");
  const std::optional<std::vector<sim::HostId>> voters =
      voter_names == nullptr ? std::nullopt : parse_node_list(*voter_names);
  const std::optional<uint64_t> counter_bits = uint_field(record, "counter_bits");
  if (!accepted.has_value() || !current.has_value() || !last.has_value() || !snapshot.has_value() ||
      !voters.has_value() || (counter_bits.has_value() && (*counter_bits == 0 || *counter_bits > 64))) {
    ++malformed_;
    return;
  }
  if (counter_bits.has_value()) {
    counter_bits_ = static_cast<uint32_t>(*counter_bits);
  }
  NodeState& state = node(id);
  clear_volatile(state);
  const bool events_lost = std::exchange(state.events_lost, false);
  if (!check_epochs(id, *accepted, *current, "at restart") || !check_recovered(id, *snapshot, *last)) {
    return;
  }
  state.voters = *voters;
  const bool unchanged = state.log.last() == *last && state.log.snapshot() == *snapshot;
  if (!unchanged) {
    if (state.started) {
      ++(events_lost ? rebuilds_lost_events_ : rebuilds_unexplained_);
    }
    rebuild_mirror(state, *snapshot, *last);
    state.cut_epoch = state.accepted_epoch;
  }
  state.started = true;
}

// A crash loses nothing durable: the recovered history still holds every txn of G the node held.
bool ZabInvariants::check_recovered(sim::HostId id, const ZxidChain& snapshot, const ZxidChain& last) {
  const std::optional<ZxidChain> held = committed_held(node(id).log);
  if (!held.has_value() || held->zxid == 0) {
    return true;
  }
  bool lost = held->zxid > std::max(last.zxid, snapshot.zxid);
  // A recovered point at or before it that disagrees with G: the history diverges before it.
  for (const ZxidChain& point : {snapshot, last}) {
    lost = lost || (point.zxid <= held->zxid && committed_.check(point) == CommittedHistory::Match::kDisagrees);
  }
  if (!lost) {
    return true;
  }
  fail("prefix_consistency",
       id.name() + " restarted with its history ending at " + point_text(last) + " (snapshot at " +
           zxid_text(snapshot.zxid) + "), losing committed " + point_text(*held) + " that it held durably",
       {id});
  return false;
}

// What the restarted node holds, as far as the trace can tell: the mirror up to the recovered last
// point when the chains say it is the same history, else only the recovered snapshot and last point.
void ZabInvariants::rebuild_mirror(NodeState& state, const ZxidChain& snapshot, const ZxidChain& last) {
  ZabLogMirror& log = state.log;
  if (const std::optional<ZxidChain> mine = log.find(last.zxid); mine.has_value() && mine->chain == last.chain) {
    log.truncate_after(last.zxid);
    if (log.snapshot() == snapshot) {
      return;
    }
  }
  log.reset_unknown(snapshot, last);
}

}  // namespace consim::checkers
