#!/usr/bin/env bash
# README command 1: set everything up, build, and run consim's main job on the default scenario.
# Until the scenario runner lands, the main job is the simulator demonstration.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/cli/consim demo "$@"
