// Running the programs that turn reports into pictures (Graphviz's dot, the Python plotting
// script): found on PATH, started without a shell, their stderr collected so that a warning is
// never lost.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace consim::reports {

// The first executable `name` in the directories of $PATH, or nothing.
std::optional<std::string> find_program(std::string_view name);

struct ProgramResult {
  bool started = false;  // false: the program could not be run at all (see `error`)
  int exit_code = -1;    // its exit status; -1 when it was killed by a signal
  std::string stderr_text;
  std::string error;
};

// Runs argv[0] (a path) with its arguments, stdin on /dev/null, stdout into `stdout_path` (or
// /dev/null when empty), and waits for it.
ProgramResult run_program(const std::vector<std::string>& argv, const std::string& stdout_path = "");

}  // namespace consim::reports
