#!/usr/bin/env bash
# README command 1: set everything up, build, and run consim's main job on the default scenario:
# a five-node Raft cluster serving a key-value store while its leader crashes, narrated as it
# happens, with summary.json, trace.jsonl and history.jsonl written to build/run-out/.
# Other scenarios: scripts/run.sh scenarios/classic/raft-stale-lease-read.json (extra flags pass through).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
scenario=scenarios/raft/leader-crash.json
if [ $# -gt 0 ] && [[ "$1" == *.json ]]; then
  scenario=$1
  shift
fi
exec build/release/cli/consim run "$scenario" --explain --out build/run-out "$@"
