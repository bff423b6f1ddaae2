// Writing a scenario back as a scenario file (the inverse of parse_scenario(), harness/scenario.h).
//
// The fuzzer saves its reproducers with it, and `consim run` must replay them to the same trace
// digest, so the contract is exact:
//   - parse_scenario(scenario_to_json(s)) accepts the text for every scenario the loader can
//     produce, and gives back `s` field by field (`file` aside: it names where a scenario was read
//     from, not what it holds). Doubles round-trip bit for bit.
//   - scenario_to_json(parse(scenario_to_json(s))) == scenario_to_json(s): writing is idempotent.
//
// The text spells out the whole resolved configuration, so that a reader sees every value the run
// used without knowing a default: every field of the scenario's own protocol_config (only that
// protocol's: the loader leaves the other at its defaults), network, disk, workload, checks, liveness, expect and bugs.
// At the top level an absent link or disk setting means the simulator's default (sim::LinkParams, sim::DiskParams); the
// writer writes that default, so the parsed copy holds it as a value where the original held nullopt: the same run, and
// from then on the same text. latency_ms_mean is filled in only beside the exponential shape (the uniform shape ignores
// it, and the loader accepts it nowhere else). The znode-only workload fields (ephemeral_fraction, session_timeout_ms)
// are written for znode only: the loader rejects them with kv, whose service never reads them, so a kv scenario gets
// them back as their defaults. Inside faults, absent means "keep the current value", so only the
// settings a fault changes are written.
//
// The writer does not validate: a scenario the loader would reject (a hand-built one with a
// fraction above 1, say) gives a text the loader rejects too.
//
// Layout, for people reading a reproducer: 2-space indented JSON, top-level keys in the loader's
// order (name, description, protocol, ..., liveness, expect), each object's keys in the order its
// reader declares them, lists of names on one line, one fault per line. Numbers: integer-valued
// doubles as integers (2000, not 2000.0), others as the shortest text that parses back to the same
// double, in fixed notation (0.1, 2157.9, 0.30000000000000004, 0.0000001) unless that runs long
// (1e-08, 1.5e-20). Strings are JSON-escaped; bytes that are not UTF-8
// (which the loader never produces: it rejects them) become U+FFFD.
#pragma once

#include <string>

#include "harness/scenario.h"

namespace consim::harness {

// The scenario as the text of a scenario file, ending in a newline.
// Preconditions (programmer errors, asserted): every number is finite; the faults are sorted by
// at_ms, as the loader leaves them (the loader would sort an unsorted list, so the replay could
// schedule them in another order than the run that wrote them); protocol is "raft" or "zab".
std::string scenario_to_json(const Scenario& scenario);

// A number as a scenario file writes it: the shortest text that reads back exactly (150, 0.5).
std::string scenario_number(double value);

}  // namespace consim::harness
