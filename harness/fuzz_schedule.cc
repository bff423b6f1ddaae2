#include "harness/fuzz_schedule.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "base/assert.h"

namespace consim::harness::fuzzing {
namespace {

// The protocol events after which a crash point strikes most interestingly: a state change
// (votes, acks) that must be durable before it leaves, or an entry between append and ack.
constexpr std::array<std::string_view, 4> kRaftCrashEvents = {"raft.vote", "raft.append", "raft.commit", "raft.state"};
constexpr std::array<std::string_view, 6> kZabCrashEvents = {
    "zab.ack", "zab.ack_newleader", "zab.propose", "zab.accepted_epoch", "zab.current_epoch", "zab.commit"};

class Schedule {
 public:
  Schedule(const Window& window, sim::Rng rng) : window_(window), rng_(rng) {}

  // Draws the faults of the kinds in `enabled` (none when it is empty), then the final heal.
  std::vector<Fault> draw(std::span<const FuzzFault> enabled);

 private:
  void add(double at_ms, FaultAction action);
  // A time in [start_ms, heal_ms), whole milliseconds.
  double time();
  // `at_ms` plus a delay drawn from [min_ms, max_ms]; at or beyond heal_ms (the final heal
  // covers it then) when the draw runs past it.
  double later(double at_ms, int64_t min_ms, int64_t max_ms);
  int64_t sync_ms();
  bool before_heal(double at_ms) const { return at_ms < window_.heal_ms; }
  uint32_t any_node() { return static_cast<uint32_t>(rng_.uniform_int(1, window_.nodes)); }
  // Whom a fault strikes: the leader most often, as a Jepsen nemesis targets primaries.
  Selector victim();
  // Two ends of a link fault that a file may name together (never one node twice).
  std::pair<Selector, Selector> link_ends();

  void fault(FuzzFault kind, double at_ms);
  void partition(double at_ms);
  void leader_churn(double at_ms);
  PartitionFault partition_shape();
  void cut(double at_ms);
  void crash(double at_ms, bool power_loss);
  void crash_during_election(double at_ms);
  void clock(double at_ms, bool step);
  void skew_against_leader(double at_ms);
  void network(FuzzFault kind, double at_ms);
  void slow_disk(double at_ms);
  void crash_point(double at_ms);
  void bounce_voters(double at_ms);
  void membership(double at_ms);
  MembershipFault membership_change();
  void change_during_handover(double at_ms);
  void final_heal(std::span<const FuzzFault> enabled);

  bool enabled(FuzzFault kind) const { return std::find(enabled_.begin(), enabled_.end(), kind) != enabled_.end(); }

  Window window_;
  sim::Rng rng_;
  std::vector<FuzzFault> enabled_;
  std::vector<Fault> faults_;
  bool handover_drawn_ = false;
};

void Schedule::add(double at_ms, FaultAction action) {
  CONSIM_ASSERT(at_ms >= 0);
  CONSIM_ASSERT(at_ms <= window_.heal_ms);
  faults_.push_back(Fault{at_ms, std::move(action)});
}

double Schedule::time() {
  CONSIM_ASSERT(window_.start_ms < window_.heal_ms);
  const auto first = static_cast<int64_t>(window_.start_ms);
  const auto last = static_cast<int64_t>(std::ceil(window_.heal_ms)) - 1;
  return static_cast<double>(rng_.uniform_int(first, std::max(first, last)));
}

// Mostly syncs that widen the windows between a write and its durability without stalling
// elections (a candidate and its voters each wait for one), sometimes longer than a timeout.
int64_t Schedule::sync_ms() {
  const int64_t max_ms = rng_.bernoulli(0.8) ? std::min<int64_t>(60, window_.sync_ms_max) : window_.sync_ms_max;
  return rng_.uniform_int(std::min<int64_t>(5, max_ms), max_ms);
}

double Schedule::later(double at_ms, int64_t min_ms, int64_t max_ms) {
  return at_ms + static_cast<double>(rng_.uniform_int(min_ms, max_ms));
}

Selector Schedule::victim() {
  static constexpr std::array<uint32_t, 4> kWeights = {4, 3, 2, 1};
  switch (weighted(rng_, kWeights)) {
    case 0:
      return kind_selector(Selector::Kind::kLeader);
    case 1:
      return kind_selector(Selector::Kind::kFollower);
    case 2:
      return kind_selector(Selector::Kind::kRandom);
    default:
      return node_selector(any_node());
  }
}

std::pair<Selector, Selector> Schedule::link_ends() {
  const Selector from = victim();
  Selector to = victim();
  // "leader" to "leader" would be one node; two names must differ (the loader's rule).
  if (to == from && to.kind != Selector::Kind::kFollower && to.kind != Selector::Kind::kRandom) {
    to = to.kind == Selector::Kind::kNode ? node_selector(to.node % window_.nodes + 1)
                                          : kind_selector(Selector::Kind::kFollower);
  }
  return {from, to};
}

PartitionFault Schedule::partition_shape() {
  const uint32_t n = window_.nodes;
  static constexpr std::array<uint32_t, 7> kWeights = {5, 2, 3, 1, 1, 1, 1};
  PartitionFault fault;
  const size_t shape = weighted(rng_, kWeights);
  if (shape == 0) {  // one node alone
    fault.groups = {{victim()}, {kind_selector(Selector::Kind::kAll)}};
  } else if (shape == 1) {  // the leader in a minority (alone with 3 nodes)
    std::vector<Selector> minority = {kind_selector(Selector::Kind::kLeader)};
    while (minority.size() < (n - 1) / 2) {
      minority.push_back(kind_selector(Selector::Kind::kFollower));
    }
    fault.groups = {minority, {kind_selector(Selector::Kind::kAll)}};
  } else if (shape == 2 || (shape == 6 && n >= 5)) {  // random groups: two, or three from 5 nodes on
    std::vector<uint32_t> order(n);
    for (uint32_t i = 0; i < n; ++i) {
      order[i] = i + 1;
    }
    rng_.shuffle(std::span<uint32_t>(order));
    const auto first = static_cast<uint32_t>(rng_.uniform_int(1, n - (shape == 6 ? 2 : 1)));
    const auto second = shape == 6 ? static_cast<uint32_t>(rng_.uniform_int(first + 1, n - 1)) : n;
    fault.groups.resize(shape == 6 ? 3 : 2);
    for (uint32_t i = 0; i < n; ++i) {
      fault.groups[i < first ? 0 : (i < second ? 1 : 2)].push_back(node_selector(order[i]));
    }
  } else {
    fault.shape = shape == 3   ? PartitionFault::Shape::kHalves
                  : shape == 4 ? PartitionFault::Shape::kMajorityRing
                               : PartitionFault::Shape::kBridge;
  }
  return fault;
}

void Schedule::partition(double at_ms) {
  if (rng_.bernoulli(0.4)) {
    return leader_churn(at_ms);
  }
  add(at_ms, partition_shape());
  if (const double heal_at = later(at_ms, 100, 1500); rng_.bernoulli(0.5) && before_heal(heal_at)) {
    add(heal_at, HealFault{});
  }
}

// Leaders deposed in quick succession, each cut off (alone or in a minority) soon after it wins,
// before its entries or its term's first entry reach a majority: the histories of Raft's Figure
// 8, where logs of several terms disagree about the same indexes.
void Schedule::leader_churn(double at_ms) {
  const auto rounds = rng_.uniform_int(3, 12);
  // Over slow, reordering links (when the seed has latency faults) messages outlive the terms
  // that sent them, and old entries reach their followers apart from the new term's entries.
  const bool slow_links = enabled(FuzzFault::kLatency) && rng_.bernoulli(0.5);
  if (slow_links) {
    NetworkFault slow;
    slow.link.latency_ms_min = window_.base.latency_ms_min;
    slow.link.latency_ms_max = static_cast<double>(rng_.uniform_int(20, 200));
    add(at_ms, slow);
  }
  double at = at_ms;
  for (int64_t round = 0; round < rounds && before_heal(at); ++round) {
    std::vector<Selector> minority = {kind_selector(Selector::Kind::kLeader)};
    const size_t size = static_cast<size_t>(rng_.uniform_int(1, std::max<int64_t>(1, (window_.nodes - 1) / 2)));
    while (minority.size() < size) {
      minority.push_back(kind_selector(Selector::Kind::kFollower));
    }
    add(at, PartitionFault{PartitionFault::Shape::kGroups, {minority, {kind_selector(Selector::Kind::kAll)}}});
    at = later(at, 80, 400);
  }
  if (rng_.bernoulli(0.7) && before_heal(at)) {
    add(at, HealFault{});
  }
  if (slow_links && before_heal(at)) {
    NetworkFault back;
    back.link = window_.base;
    back.link.latency_shape = "uniform";
    add(at, back);
  }
}

void Schedule::cut(double at_ms) {
  const auto [from, to] = link_ends();
  add(at_ms, CutFault{from, to});
  if (const double heal_at = later(at_ms, 100, 1500); rng_.bernoulli(0.5) && before_heal(heal_at)) {
    add(heal_at, HealFault{});
  }
}

// A crash, or a power loss: every sync slows down, and a machine goes down with what it had not
// synced yet (a crash loses that too, but rarely catches anything in flight with fast disks).
void Schedule::crash(double at_ms, bool power_loss) {
  if (!power_loss && rng_.bernoulli(0.3)) {
    return crash_during_election(at_ms);
  }
  const Selector node = victim();
  double down_at = at_ms;
  if (power_loss) {
    add(at_ms, DiskFault{kind_selector(Selector::Kind::kAll), static_cast<double>(sync_ms()), std::nullopt, false});
    down_at = std::min(later(at_ms, 5, 200), window_.heal_ms);
    add(down_at, DiskFault{node, std::nullopt, std::nullopt, true});
  } else {
    add(at_ms, CrashFault{node});
  }
  const double restart_at = later(down_at, 50, 1500);
  if (!rng_.bernoulli(0.85) || !before_heal(restart_at)) {
    return;  // down until the final heal
  }
  const bool all = node.kind != Selector::Kind::kNode && rng_.bernoulli(0.5);
  add(restart_at, RestartFault{node.kind == Selector::Kind::kNode
                                   ? node
                                   : kind_selector(all ? Selector::Kind::kAll : Selector::Kind::kRandom)});
  if (power_loss) {
    add(restart_at, DiskFault{kind_selector(Selector::Kind::kAll), 1.0, std::nullopt, false});
  }
}

// The leader crashes; while the others elect its successor, a voter crashes too (with slow disks,
// before its vote is durable) and comes back at once, in time to be asked again.
void Schedule::crash_during_election(double at_ms) {
  add(at_ms, CrashFault{kind_selector(Selector::Kind::kLeader)});
  const double voter_at = later(at_ms, 80, 400);
  if (!before_heal(voter_at)) {
    return;
  }
  add(voter_at, CrashFault{kind_selector(rng_.bernoulli(0.5) ? Selector::Kind::kFollower : Selector::Kind::kRandom)});
  if (const double restart_at = rng_.bernoulli(0.5) ? later(voter_at, 1, 20) : later(voter_at, 20, 300);
      before_heal(restart_at)) {
    add(restart_at, RestartFault{kind_selector(rng_.bernoulli(0.5) ? Selector::Kind::kAll : Selector::Kind::kRandom)});
  }
}

void Schedule::clock(double at_ms, bool step) {
  // With lease reads the skew is the case that matters; otherwise one clock among others.
  if (!step && rng_.bernoulli(window_.lease ? 0.7 : 0.35)) {
    return skew_against_leader(at_ms);
  }
  const Selector node = victim();
  if (step) {
    const double offset_ms = static_cast<double>(rng_.uniform_int(5, 2000) * (rng_.bernoulli(0.5) ? 1 : -1));
    add(at_ms, ClockFault{node, offset_ms, std::nullopt});
    return;
  }
  const auto bound = static_cast<int64_t>(window_.drift_ppm_max);
  add(at_ms, ClockFault{node, std::nullopt, static_cast<double>(rng_.uniform_int(-bound, bound))});
  if (const double back_at = later(at_ms, 100, 2000); rng_.bernoulli(0.4) && before_heal(back_at)) {
    add(back_at, ClockFault{node, std::nullopt, 0.0});
  }
}

// Every clock runs fast but the leader's, which runs slow, by up to the drift bound: the
// followers time out early by the leader's reckoning, the worst case a lease must allow for.
void Schedule::skew_against_leader(double at_ms) {
  const auto bound = static_cast<int64_t>(window_.drift_ppm_max);
  const auto drift = static_cast<double>(rng_.uniform_int(bound * 3 / 5, bound));
  add(at_ms, ClockFault{kind_selector(Selector::Kind::kAll), std::nullopt, drift});
  add(at_ms, ClockFault{kind_selector(Selector::Kind::kLeader), std::nullopt, -drift});
  // Against leases, the skew matters once the slow leader is deposed: cut it off for a while
  // (Jepsen's clock-and-partition nemesis), when the seed has partitions at all.
  if (window_.lease && enabled(FuzzFault::kPartition) && rng_.bernoulli(0.8)) {
    const double cut_at = later(at_ms, 20, 300);
    const double heal_at = later(cut_at, 400, 1500);
    if (before_heal(cut_at)) {
      add(cut_at, PartitionFault{PartitionFault::Shape::kGroups,
                                 {{kind_selector(Selector::Kind::kLeader)}, {kind_selector(Selector::Kind::kAll)}}});
    }
    if (before_heal(heal_at)) {
      add(heal_at, HealFault{});
    }
  }
  if (const double back_at = later(at_ms, 100, 2000); rng_.bernoulli(0.4) && before_heal(back_at)) {
    add(back_at, ClockFault{kind_selector(Selector::Kind::kAll), std::nullopt, 0.0});
  }
}

// Loss, duplication or a latency spike, on every link or between two nodes, for a while.
void Schedule::network(FuzzFault kind, double at_ms) {
  NetworkFault fault;
  NetworkFault back;
  if (rng_.bernoulli(0.5)) {
    fault.between = link_ends();
  }
  if (kind == FuzzFault::kLoss) {
    fault.link.drop_probability = round2(rng_.uniform_real(0.02, 0.3));
    back.link.drop_probability = 0.0;
  } else if (kind == FuzzFault::kDuplication) {
    fault.link.duplicate_probability = round2(rng_.uniform_real(0.05, 0.5));
    back.link.duplicate_probability = 0.0;
  } else {
    CONSIM_ASSERT(kind == FuzzFault::kLatency);
    const int64_t min_ms = rng_.uniform_int(0, 30);
    fault.link.latency_ms_min = static_cast<double>(min_ms);
    fault.link.latency_ms_max = static_cast<double>(rng_.uniform_int(min_ms + 5, 200));
    if (rng_.bernoulli(0.3)) {
      fault.link.latency_shape = "exponential";
      fault.link.latency_ms_mean = static_cast<double>(rng_.uniform_int(5, 60));
    }
    back.link = window_.base;
    back.link.latency_shape = "uniform";
  }
  add(at_ms, fault);
  if (const double back_at = later(at_ms, 100, 2000); rng_.bernoulli(0.6) && before_heal(back_at)) {
    add(back_at, back);  // on every link: whoever the selectors named then, all are clean again
  }
}

void Schedule::slow_disk(double at_ms) {
  const Selector node = rng_.bernoulli(0.3) ? kind_selector(Selector::Kind::kAll) : victim();
  add(at_ms, DiskFault{node, static_cast<double>(sync_ms()), std::nullopt, false});
  if (const double back_at = later(at_ms, 100, 2000); rng_.bernoulli(0.5) && before_heal(back_at)) {
    add(back_at, DiskFault{kind_selector(Selector::Kind::kAll), 1.0, std::nullopt, false});
  }
}

// A crash at a precise point of a node's work: before a step of its next Ready, or of the Ready
// that carries a protocol event out (a vote granted, an ack, a proposal), mostly a bounce (back
// within a few ms, in time to be asked again), for a while or until a later draw.
void Schedule::crash_point(double at_ms) {
  if (rng_.bernoulli(0.35)) {
    return bounce_voters(at_ms);
  }
  const std::span<const std::string_view> steps = crash_point_steps();
  CrashPointFault point;
  point.node = rng_.bernoulli(0.4) ? kind_selector(Selector::Kind::kAll) : victim();
  point.before = std::string(steps[rng_.uniform_u64(steps.size())]);
  if (rng_.bernoulli(0.8)) {
    const std::span<const std::string_view> events = window_.zab ? std::span<const std::string_view>(kZabCrashEvents)
                                                                 : std::span<const std::string_view>(kRaftCrashEvents);
    point.after_event = std::string(events[rng_.uniform_u64(events.size())]);
  }
  // Spent or disarmed by the time the schedule heals.
  point.within_ms = std::min(static_cast<double>(rng_.uniform_int(50, 2000)), window_.heal_ms - at_ms);
  if (rng_.bernoulli(0.8)) {
    point.restart_after_ms =
        static_cast<double>(rng_.bernoulli(0.6) ? rng_.uniform_int(1, 10) : rng_.uniform_int(10, 500));
  }
  add(at_ms, point);
}

// The leader crashes, and every node that grants (or acknowledges) during the election that
// follows crashes right after, before its next Ready could persist more, and is back within a
// few ms: in time to be asked again by a rival candidate of the same term.
void Schedule::bounce_voters(double at_ms) {
  static constexpr std::array<std::string_view, 3> kAfterTheEvent = {"advance", "write", "sync"};
  CrashPointFault point;
  point.node = kind_selector(Selector::Kind::kAll);
  point.before = std::string(kAfterTheEvent[rng_.uniform_u64(kAfterTheEvent.size())]);
  point.after_event = window_.zab ? (rng_.bernoulli(0.5) ? "zab.accepted_epoch" : "zab.ack_newleader") : "raft.vote";
  point.within_ms = std::min(static_cast<double>(rng_.uniform_int(200, 1000)), window_.heal_ms - at_ms);
  point.restart_after_ms = static_cast<double>(rng_.uniform_int(1, 10));
  add(at_ms, point);
  add(at_ms, CrashFault{kind_selector(Selector::Kind::kLeader)});
}

// One single-server change: a spare machine (or anyone) added, a voter removed, a learner made.
MembershipFault Schedule::membership_change() {
  const bool spares = window_.voters != 0 && window_.voters < window_.nodes;
  static constexpr std::array<uint32_t, 3> kWeights = {3, 2, 1};
  switch (weighted(rng_, kWeights)) {
    case 0: {
      const uint32_t node = spares && rng_.bernoulli(0.7)
                                ? static_cast<uint32_t>(rng_.uniform_int(window_.voters + 1, window_.nodes))
                                : any_node();
      return MembershipFault{MembershipFault::Change::kAdd, node_selector(node)};
    }
    case 1:
      return MembershipFault{MembershipFault::Change::kRemove, victim()};
    default:
      return MembershipFault{MembershipFault::Change::kAddLearner, victim()};
  }
}

void Schedule::membership(double at_ms) {
  // One handover a run: its story takes a second, and a second one would tangle with it.
  if (rng_.bernoulli(0.5) && !handover_drawn_) {
    handover_drawn_ = true;
    return change_during_handover(at_ms);
  }
  add(at_ms, membership_change());
}

// A change the leader proposes just before it is cut off, after one voter (the laggard) stopped
// hearing it, so that the change reaches some logs only; then changes asked of whoever leads
// next, over the election: some reach the new leader before its term's first entry commits,
// while its predecessor's change is still pending in its log. The laggard may crash right after
// it acknowledges the new leader's entries, before it hears they committed, and stay down a while
// (it comes back believing in an older configuration), and the new leader may be split off with
// the newest members: each side may then hold a majority of a different configuration.
void Schedule::change_during_handover(double at_ms) {
  // The whole story takes about a second: start early enough for it to unfold before the heal.
  at_ms = std::max(window_.start_ms, std::min(at_ms, window_.heal_ms - 1000));
  // With spare machines, the cluster mostly grows: each ask adds one of them (the one the
  // leader already added is refused while pending, a no-op once applied).
  const bool spares = window_.voters != 0 && window_.voters < window_.nodes;
  const auto grow_or_change = [&] {
    if (spares && rng_.bernoulli(0.7)) {
      const auto node = static_cast<uint32_t>(rng_.uniform_int(window_.voters + 1, window_.nodes));
      return MembershipFault{MembershipFault::Change::kAdd, node_selector(node)};
    }
    return membership_change();
  };
  // A voter of the bootstrap configuration (never the leader's own link: a cut to itself is none).
  const uint32_t voters = window_.voters != 0 ? window_.voters : window_.nodes;
  const Selector laggard =
      rng_.bernoulli(0.9) ? node_selector(static_cast<uint32_t>(rng_.uniform_int(1, voters))) : victim();
  if (rng_.bernoulli(0.8)) {
    add(at_ms, CutFault{kind_selector(Selector::Kind::kLeader), laggard});
  }
  const double change_at = std::min(later(at_ms, 0, 20), window_.heal_ms);
  add(change_at, grow_or_change());
  // Cut off before the followers hear the change committed (a round trip and a sync away).
  const double isolate_at = later(change_at, 1, 10);
  if (!before_heal(isolate_at)) {
    return;
  }
  add(isolate_at, PartitionFault{PartitionFault::Shape::kGroups,
                                 {{kind_selector(Selector::Kind::kLeader)}, {kind_selector(Selector::Kind::kAll)}}});
  // Armed once the entries of the deposed leader have landed, before its successor's arrive.
  const double arm_at = later(isolate_at, 20, 80);
  if (rng_.bernoulli(0.8) && before_heal(arm_at)) {
    add(arm_at, CrashPointFault{laggard, "advance", "raft.append",
                                std::min(static_cast<double>(rng_.uniform_int(200, 1000)), window_.heal_ms - arm_at),
                                static_cast<double>(rng_.uniform_int(100, 600))});
  }
  // Asked of whoever leads, through the election (the deposed leader refuses or is no leader).
  const double asks_until = later(isolate_at, 300, 900);
  const int64_t gap_ms = rng_.uniform_int(3, 25);
  double at = later(isolate_at, 0, 100);
  for (; at < asks_until && before_heal(at); at += static_cast<double>(gap_ms)) {
    add(at, grow_or_change());
  }
  double last = at;
  if (const double split_at = later(isolate_at, 150, 600); spares && rng_.bernoulli(0.8) && before_heal(split_at)) {
    std::vector<Selector> newest = {kind_selector(Selector::Kind::kLeader)};
    for (uint32_t node = window_.voters + 1; node <= window_.nodes; ++node) {
      newest.push_back(node_selector(node));
    }
    add(split_at, PartitionFault{PartitionFault::Shape::kGroups, {newest, {kind_selector(Selector::Kind::kAll)}}});
    last = std::max(last, split_at);
  }
  if (const double heal_at = later(last, 50, 1000); rng_.bernoulli(0.5) && before_heal(heal_at)) {
    add(heal_at, HealFault{});
  }
}

void Schedule::fault(FuzzFault kind, double at_ms) {
  switch (kind) {
    case FuzzFault::kPartition:
      return partition(at_ms);
    case FuzzFault::kCut:
      return cut(at_ms);
    case FuzzFault::kCrash:
      return crash(at_ms, /*power_loss=*/false);
    case FuzzFault::kPowerLoss:
      return crash(at_ms, /*power_loss=*/true);
    case FuzzFault::kPause:
      return add(at_ms, PauseFault{window_.pause_followers_only ? kind_selector(Selector::Kind::kFollower) : victim(),
                                   static_cast<double>(rng_.uniform_int(20, 1500))});
    case FuzzFault::kClockStep:
      return clock(at_ms, /*step=*/true);
    case FuzzFault::kClockDrift:
      return clock(at_ms, /*step=*/false);
    case FuzzFault::kLoss:
    case FuzzFault::kDuplication:
    case FuzzFault::kLatency:
      return network(kind, at_ms);
    case FuzzFault::kSlowDisk:
      return slow_disk(at_ms);
    case FuzzFault::kCrashPoint:
      return crash_point(at_ms);
    case FuzzFault::kMembership:
      return membership(at_ms);
  }
  CONSIM_ASSERT_MSG(false, "unknown fault kind");
}

// Back to a healthy cluster before the workload stops: what the runner's own final heal (links
// unblocked, crashed nodes restarted) does not restore is restored here.
void Schedule::final_heal(std::span<const FuzzFault> enabled) {
  const auto on = [&](FuzzFault kind) { return std::find(enabled.begin(), enabled.end(), kind) != enabled.end(); };
  const double at = window_.heal_ms;
  if (on(FuzzFault::kPartition) || on(FuzzFault::kCut) || on(FuzzFault::kMembership)) {
    add(at, HealFault{});
  }
  if (on(FuzzFault::kLoss) || on(FuzzFault::kDuplication) || on(FuzzFault::kLatency)) {
    NetworkFault clean;
    clean.link = window_.base;
    clean.link.latency_shape = "uniform";
    clean.link.drop_probability = 0.0;
    clean.link.duplicate_probability = 0.0;
    add(at, clean);
  }
  if (on(FuzzFault::kClockDrift)) {
    add(at, ClockFault{kind_selector(Selector::Kind::kAll), std::nullopt, 0.0});
  }
  if (on(FuzzFault::kSlowDisk) || on(FuzzFault::kPowerLoss)) {
    add(at, DiskFault{kind_selector(Selector::Kind::kAll), 1.0, std::nullopt, false});
  }
  if (on(FuzzFault::kCrash) || on(FuzzFault::kPowerLoss) || on(FuzzFault::kCrashPoint)) {
    add(at, RestartFault{kind_selector(Selector::Kind::kAll)});
  }
}

std::vector<Fault> Schedule::draw(std::span<const FuzzFault> enabled) {
  if (enabled.empty() || window_.heal_ms <= window_.start_ms) {
    return {};
  }
  enabled_.assign(enabled.begin(), enabled.end());
  const double window_ms = window_.heal_ms - window_.start_ms;
  const int64_t count = rng_.uniform_int(1, std::max<int64_t>(1, static_cast<int64_t>(window_ms / 250)));
  std::vector<uint32_t> weights;
  for (const FuzzFault kind : enabled) {
    const bool favoured = std::find(window_.favoured.begin(), window_.favoured.end(), kind) != window_.favoured.end();
    weights.push_back(favoured ? 6 : 1);
  }
  for (int64_t i = 0; i < count; ++i) {
    const FuzzFault kind = enabled[weighted(rng_, weights)];
    fault(kind, time());
  }
  final_heal(enabled);
  // Faults at the same instant keep the order they were drawn in (the loader's rule too).
  std::stable_sort(faults_.begin(), faults_.end(), [](const Fault& a, const Fault& b) { return a.at_ms < b.at_ms; });
  return std::move(faults_);
}

}  // namespace

// Picks one index with probability proportional to its weight.
size_t weighted(sim::Rng& rng, std::span<const uint32_t> weights) {
  uint64_t total = 0;
  for (const uint32_t weight : weights) {
    total += weight;
  }
  CONSIM_ASSERT(total > 0);
  uint64_t draw = rng.uniform_u64(total);
  for (size_t i = 0; i < weights.size(); ++i) {
    if (draw < weights[i]) {
      return i;
    }
    draw -= weights[i];
  }
  CONSIM_ASSERT_MSG(false, "unreachable");
  return 0;
}

std::vector<Fault> draw_schedule(const Window& window, sim::Rng rng, std::span<const FuzzFault> enabled) {
  return Schedule(window, rng).draw(enabled);
}

}  // namespace consim::harness::fuzzing
