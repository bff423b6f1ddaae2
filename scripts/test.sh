#!/usr/bin/env bash
# README command 2: set everything up, build, and run the whole test suite (release preset).
# With CI=true warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
werror=OFF
if [ "${CI:-}" = "true" ]; then
  werror=ON
fi
cmake --preset release -DCONSIM_WERROR="$werror" >/dev/null
cmake --build --preset release
ctest --preset release -j "$(nproc)"
