// Every kind of trace record a RaftNode emits (raft_node.h and the files beside it document their
// fields). A scenario's crash point may wait for one of them ("after_event");
// tests/harness/trace_kinds_test.cc keeps the list whole.
#pragma once

#include <array>
#include <string_view>

namespace consim::protocols::raft {

inline constexpr std::array<std::string_view, 30> kTraceKinds = {
    "raft.append",
    "raft.apply",
    "raft.backtrack",
    "raft.campaign_deferred",
    "raft.commit",
    "raft.commit_hint",
    "raft.compact",
    "raft.conf_change_applied",
    "raft.conf_change_refused",
    "raft.conf_change_skipped",
    "raft.config",
    "raft.dropped",
    "raft.ignored",
    "raft.install_snapshot",
    "raft.leave_joint",
    "raft.persist",
    "raft.read_index",
    "raft.reject_append",
    "raft.send_snapshot",
    "raft.start",
    "raft.state",
    "raft.step_down",
    "raft.timeout",
    "raft.timeout_now",
    "raft.transfer",
    "raft.transfer_aborted",
    "raft.truncate",
    "raft.vote",
    "raft.vote_answer",
    "raft.vote_withheld",
};

}  // namespace consim::protocols::raft
