// A scenario: everything needed to reproduce a run (DESIGN.md, "Scenarios"), as typed values.
//
// load_scenario() reads the JSON file and validates all of it before anything runs: unknown
// fields, wrong types, out-of-range values, unknown node names, selectors and bug switches are
// errors that name the file and the field ("faults[2].partition[0][1]: unknown node \"n9\" (the
// scenario has nodes n1..n5)"). Fields left out take the defaults below. Times in a scenario
// are milliseconds of simulated (global) time; drifts are parts per million. Every time is at
// most 24 h and every latency (and tick) at most 60000 ms, so no conversion to int64
// nanoseconds can overflow. `null` is never "absent": it is a wrong type. A field named twice in
// one object is an error.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace consim::harness {

// Who a fault strikes, resolved when it fires (and written resolved into the trace):
// "n3" a node by name; "leader" the node that currently leads (the one of the highest term
// if several believe they do; none if no node leads); "follower" one live non-leader,
// chosen by the run's generator; "random" any one node, chosen by the run's generator; "*"
// every node (in a partition group: every node named in no other group).
struct Selector {
  enum class Kind : uint8_t { kNode, kLeader, kFollower, kRandom, kAll };
  Kind kind = Kind::kNode;
  uint32_t node = 0;  // kNode: 1-based, n1 = 1

  bool operator==(const Selector&) const = default;
};
// "n3", "leader", ...: the text the scenario wrote.
std::string selector_text(const Selector& selector);

// Link parameters. At the top level, absent fields take the simulator's defaults; in a
// `network` fault, absent fields keep the link's current value.
struct NetworkSpec {
  std::optional<double> latency_ms_min;         // [0, 60000]
  std::optional<double> latency_ms_max;         // [0, 60000], >= latency_ms_min (or its default)
  std::optional<double> latency_ms_mean;        // (0, 60000]; needs latency_shape "exponential" beside it
  std::optional<std::string> latency_shape;     // "uniform" | "exponential"
  std::optional<double> drop_probability;       // [0, 1]
  std::optional<double> duplicate_probability;  // [0, 1]
};

struct DiskSpec {
  std::optional<double> sync_ms_min;             // [0, 60000]
  std::optional<double> sync_ms_max;             // [0, 60000], >= sync_ms_min (or its default)
  std::optional<double> torn_write_probability;  // [0, 1]
  std::optional<bool> lying_sync;
};

// --- faults (DESIGN.md's fault vocabulary)

// "partition": [[SEL...], [SEL...]] groups, or a named shape: "halves" (the first ceil(N/2)
// nodes against the rest), "majority_ring" (Jepsen's majorities-ring), "bridge" (two halves
// and one node that reaches both); halves needs 2 nodes, the others 3. Groups may use "*" at
// most once, and not when the named nodes already cover every node; a node (or "leader") is
// named at most once across the groups.
struct PartitionFault {
  enum class Shape : uint8_t { kGroups, kHalves, kMajorityRing, kBridge };
  Shape shape = Shape::kGroups;
  std::vector<std::vector<Selector>> groups;  // kGroups: at least two, each non-empty
};
// "cut": {"from": SEL, "to": SEL}: one-way, messages from -> to are dropped. Not a node to itself.
struct CutFault {
  Selector from;
  Selector to;
};
// "heal": true: remove every partition and cut.
struct HealFault {};
struct CrashFault {
  Selector node;
};
// "restart": SEL ("*": every crashed node; "random": one crashed node).
struct RestartFault {
  Selector node;
};
struct PauseFault {
  Selector node;
  double for_ms = 0;  // (0, 24 h]; required
};
// "clock": {"node": SEL, "offset_ms": X} and/or {"drift_ppm": P}: at least one of the two.
struct ClockFault {
  Selector node;
  std::optional<double> offset_ms;  // a step, negative = backwards; [-24 h, 24 h]
  std::optional<double> drift_ppm;  // [-500000, 1000000]
};
// "network": {...NetworkSpec keys..., "between": [SEL, SEL]}: without `between`, every link.
// With it, both directions between the two (sets of) nodes. At least one link field is required.
struct NetworkFault {
  NetworkSpec link;
  std::optional<std::pair<Selector, Selector>> between;
};
// "disk": {"node": SEL, "sync_ms": D, "lying_sync": B, "lose_unsynced": true}: sync_ms sets
// both bounds of the sync latency; lose_unsynced drops that node's unsynced writes now (as a
// power loss would, without the crash). At least one of the three is required; sync_ms in [0, 60000].
struct DiskFault {
  Selector node;
  std::optional<double> sync_ms;
  std::optional<bool> lying_sync;
  bool lose_unsynced = false;
};
// "crash_point": {"node": SEL, "before": STEP, "after_event": KIND, "within_ms": D,
// "restart_after_ms": R}: arms a crash of that node (of each node "*" names) at a precise point of
// its work rather than at an instant of time: right before STEP ("write", "sync", "events",
// "send", "apply" or "advance") of a Ready, the first time it reaches one after the fault fires,
// or, with after_event, after it next emits a trace record of that kind (one of its protocol's,
// "raft.vote", "zab.ack", ...). It strikes once, and crashes the way "crash" does: what is not
// synced is lost. within_ms (0, 24 h] disarms it when it has not struck by then; the final heal
// disarms every crash point. restart_after_ms (0, 24 h] restarts the machine that long after it
// struck (a process bounce); without it the node stays down until a restart fault or the final heal.
struct CrashPointFault {
  Selector node;
  std::string before;
  std::string after_event;                 // empty: the first Ready reaching `before`
  std::optional<double> within_ms;         // absent: armed until it strikes or the final heal
  std::optional<double> restart_after_ms;  // absent: stays down
};
// "membership": {"add": SEL} | {"remove": SEL} | {"add_learner": SEL}: the node that leads when the
// fault fires is asked for a single-server membership change (Raft only; nothing happens when no
// node leads, and the leader may refuse, as it does a second change while one is pending). "add"
// makes a voter (of a spare machine, a learner or a removed node), "remove" takes a voter or
// learner out, "add_learner" adds a non-voting learner (or demotes a voter). The selector names
// one node ("follower" and "random" choose one; "*" is an error).
struct MembershipFault {
  enum class Change : uint8_t { kAdd, kRemove, kAddLearner };
  Change change = Change::kAdd;
  Selector node;
};

using FaultAction = std::variant<PartitionFault, CutFault, HealFault, CrashFault, RestartFault, PauseFault, ClockFault,
                                 NetworkFault, DiskFault, CrashPointFault, MembershipFault>;
// The names of MembershipFault::Change ("add", "remove", "add_learner") and of the Ready steps a
// crash point may precede ("write", ..., "advance"), in their order.
std::string_view membership_change_name(MembershipFault::Change change);
std::span<const std::string_view> crash_point_steps();

struct Fault {
  double at_ms = 0;  // required; >= 0, <= duration_ms; faults run in file order at equal times
  FaultAction action;
};
// "partition", "cut", ...: the key that names the fault kind.
std::string_view fault_kind(const FaultAction& action);

// --- the rest of a scenario

struct RaftSpec {
  bool pre_vote = true;
  bool check_quorum = true;
  std::string read_mode = "read_index";     // "log" | "read_index" | "lease" (needs check_quorum) | "follower"
  double max_clock_drift_ppm = 1000;        // [0, 500000), as RaftConfig::validate() requires
  double tick_ms = 10;                      // (0, 60000]
  uint32_t election_ticks = 10;             // [3, 1000000], > heartbeat_ticks
  uint32_t heartbeat_ticks = 1;             // [1, 1000000]
  uint32_t snapshot_every_entries = 10000;  // 0 = never compact
  // Entries per AppendEntries ([1, 1000000]); 1 lets a scenario control exactly which entries
  // reach whom (Raft Figure 8).
  uint32_t max_entries_per_message = 64;
  bool forward_proposals = true;
  // The bootstrap configuration's voters: n1..n`voters` ([1, nodes]); the nodes above are spare
  // machines that run but belong to no configuration until a "membership" fault adds them.
  // 0: every node votes.
  uint32_t voters = 0;
};

// "protocol_config" when protocol is zab. Times are in ticks of a node's local clock, as
// ZooKeeper counts them (protocols/zab/config.h); the defaults are ZabConfig's.
struct ZabSpec {
  double tick_ms = 10;                      // (0, 60000]: how often the host ticks the node
  uint32_t ping_ticks = 5;                  // [1, 1000000]: the leader pings its learners
  uint32_t sync_limit_ticks = 50;           // [2, 1000000], > ping_ticks: a silent peer is dropped
  uint32_t init_limit_ticks = 100;          // [2, 1000000], >= sync_limit_ticks: discovery + sync
  uint32_t finalize_wait_ticks = 20;        // [0, 1000000]: FLE waits for a better vote
  uint32_t notification_min_ticks = 20;     // [1, 1000000]: FLE re-sends votes after this ...
  uint32_t notification_max_ticks = 400;    // [1, 1000000], >= notification_min_ticks: ... doubling up to this
  uint32_t commit_log_count = 500;          // [1, 1000000]: the leader's committedLog window
  uint32_t counter_bits = 32;               // [2, 48]: the zxid counter's width
  uint32_t snapshot_every_entries = 10000;  // 0 = never compact
  // The last `observers` nodes are observers (non-voting learners); at least one voter remains.
  uint32_t observers = 0;
  std::string read_mode = "sync";  // "local" (ZooKeeper's plain reads: may be stale) | "sync" (sync, then read)
};

struct WorkloadSpec {
  uint32_t clients = 3;  // [0, 1000]
  uint32_t keys = 3;     // [1, 100000]
  // The operation mix: the fractions are in [0, 1] and sum to at most 1; writes take the rest.
  // kv: read = get, write = put, cas = compare-and-swap on the value, delete = delete.
  // znode: read = get (a quarter of them exists), write = set (any version) or create when
  // absent, cas = set with the version last read, delete = delete (any version).
  double read_fraction = 0.5;
  double cas_fraction = 0.0;
  double delete_fraction = 0.0;
  double timeout_ms = 1000;  // (0, 24 h]: a client gives up (an info) after this long without an answer
  // 0: closed loop, each client invokes again as soon as it is answered. Otherwise the whole
  // workload aims at this many invocations per second of simulated time (exponential think
  // times per client).
  double rate_per_s = 0;  // [0, 1000000]
  // znode only (an error with kv): the fraction of creates that make ephemeral nodes, and the
  // session timeout, (0, 24 h].
  double ephemeral_fraction = 0.0;
  double session_timeout_ms = 5000;
};

struct LivenessSpec {
  double leader_within_ms = 5000;  // (0, 24 h]; after the last heal, a leader must exist within this
  double commit_within_ms = 5000;  // and then a probe write must commit within this
};

struct Expectation {
  std::string verdict = "pass";  // "pass" | "fail"
  // With "fail": the check that must fail ("linearizability" | "invariants" | "liveness" |
  // "sequential"; one of
  // `checks`), and for invariants optionally which one (an id of checkers/invariants/
  // raft_invariants.h: "election_safety", ...; with zab, of zab_invariants.h: "prefix_consistency",
  // ...). Empty: any. "fail" needs non-empty `checks`.
  std::string check;
  std::string invariant;
};

struct Scenario {
  std::string file;  // where it was loaded from, for messages
  std::string name;  // required, [a-z0-9._-]+
  std::string description;
  std::string protocol = "raft";  // "raft" | "zab"
  std::string service = "kv";     // "kv" | "znode"
  uint32_t nodes = 3;             // [1, 9]
  uint64_t seed = 1;
  double duration_ms = 10000;  // (0, 24 h]
  RaftSpec raft;               // "protocol_config" when protocol is raft
  ZabSpec zab;                 // "protocol_config" when protocol is zab
  // Each a known switch of the scenario's protocol ("raft.commit_previous_term",
  // "zab.diff_instead_of_trunc"), no duplicates.
  std::vector<std::string> bugs;
  NetworkSpec network;
  DiskSpec disk;
  WorkloadSpec workload;
  std::vector<Fault> faults;  // sorted by at_ms, stable
  // Which checks run: "linearizability", "invariants", "liveness" (default: these three), and
  // "sequential" (the history held to ZooKeeper's promise: writes and sync reads linearizable,
  // plain reads sequentially consistent); no duplicates, in the file's order.
  std::vector<std::string> checks = {"invariants", "linearizability", "liveness"};
  LivenessSpec liveness;
  Expectation expect;

  bool checks_enabled(std::string_view check) const;
  // The protocol's read mode: raft.read_mode or zab.read_mode.
  const std::string& read_mode() const { return protocol == "zab" ? zab.read_mode : raft.read_mode; }
};

// A loading error: the message names the file and the field.
struct ScenarioError {
  std::string message;  // "scenarios/x.json: workload.clients: must be an integer in [0, 1000], got -1"
};

using ScenarioResult = std::variant<Scenario, ScenarioError>;

// Parses and validates a scenario. `file` names it in messages.
ScenarioResult parse_scenario(std::string_view json_text, std::string_view file);
// Settings that are valid but leave a Raft cluster unable to settle, in ways that look like
// protocol bugs: a disk sync (the base disk's slowest, or a disk fault's) or a message latency
// (the base network's slowest) of at least half the shortest election timeout. Each warning
// names the file and the field and says why; none for ZAB, or when nothing is amiss.
std::vector<std::string> scenario_warnings(const Scenario& scenario);

// Reads the file, then parse_scenario(); a missing or unreadable file, a directory or a file over
// 16 MiB is an error too. A JSON syntax error names the line, column and byte.
ScenarioResult load_scenario(const std::string& path);

}  // namespace consim::harness
