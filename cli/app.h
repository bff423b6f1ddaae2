// The `consim` command line. Exit codes: 0 success (or the scenario's expectation held),
// 1 a check failed, 2 bad input or usage, 3 unknown (a checker's budget ran out: never a pass).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace consim::cli {

constexpr int kExitOk = 0;
constexpr int kExitCheckFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnknown = 3;

// Runs the command line `args` (without the program name), writing to `out` and `err`.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace consim::cli
