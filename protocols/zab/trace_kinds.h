// Every kind of trace record a ZabNode emits (the schema at the top of zab_node.h). A scenario's
// crash point may wait for one of them ("after_event"); tests/harness/trace_kinds_test.cc keeps
// the list whole.
#pragma once

#include <array>
#include <string_view>

namespace consim::protocols::zab {

inline constexpr std::array<std::string_view, 22> kTraceKinds = {
    "zab.accepted_epoch", "zab.ack",     "zab.ack_newleader", "zab.apply",    "zab.commit",    "zab.current_epoch",
    "zab.elected",        "zab.error",   "zab.established",   "zab.log",      "zab.newleader", "zab.propose",
    "zab.restore",        "zab.serving", "zab.snap_install",  "zab.snapshot", "zab.start",     "zab.state",
    "zab.step_down",      "zab.sync",    "zab.truncate",      "zab.vote",
};

}  // namespace consim::protocols::zab
