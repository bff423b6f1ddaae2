// Every kind of trace record a ZabNode emits (the schema at the top of zab_node.h), bug markers
// included. A scenario's crash point may wait for one of them ("after_event");
// tests/harness/trace_kinds_test.cc keeps the list whole.
#pragma once

#include <array>
#include <string_view>

namespace consim::protocols::zab {

inline constexpr std::array<std::string_view, 28> kTraceKinds = {
    "zab.accepted_epoch",
    "zab.ack",
    "zab.ack_newleader",
    "zab.ack_newleader_before_persist",
    "zab.apply",
    "zab.commit",
    "zab.current_epoch",
    "zab.diff_instead_of_trunc",
    "zab.drop_outstanding_on_newleader",
    "zab.elected",
    "zab.error",
    "zab.established",
    "zab.log",
    "zab.newleader",
    "zab.propose",
    "zab.restore",
    "zab.retain_db_on_trunc",
    "zab.serving",
    "zab.set_lastprocessed_on_diff",
    "zab.snap_install",
    "zab.snapshot",
    "zab.start",
    "zab.state",
    "zab.step_down",
    "zab.sync",
    "zab.truncate",
    "zab.vote",
    "zab.write_epoch_before_persist",
};

}  // namespace consim::protocols::zab
