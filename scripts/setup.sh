#!/usr/bin/env bash
# Installs the Debian packages consim needs, if any are missing. Safe to run again.
# Works as root on Debian 12; otherwise prints the command to run.
set -euo pipefail

packages=(
  g++ clang llvm cmake ninja-build clang-format
  libgtest-dev librapidcheck-dev nlohmann-json3-dev libbenchmark-dev libcli11-dev
  graphviz python3 python3-matplotlib chromium
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "consim setup: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo)
  else
    echo "consim setup: these Debian packages are missing and installing them needs root:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
else
  as_root=()
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
