// Runs the consim command line in-process, for the CLI tests: exit code, stdout and stderr.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"

namespace consim::cli {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

inline Outcome run_cli(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = run(args, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace consim::cli
