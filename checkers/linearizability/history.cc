#include "checkers/linearizability/history.h"

namespace consim::checkers::lin {

const char* status_name(Status status) {
  switch (status) {
    case Status::ok:
      return "ok";
    case Status::fail:
      return "fail";
    case Status::info:
      return "info";
    case Status::pending:
      return "pending";
  }
  return "?";
}

std::string Operation::describe() const {
  std::string text = "process " + std::to_string(process) + " " + f;
  if (!key.empty()) {
    text += " key \"" + key + "\"";
  }
  if (!input.is_null()) {
    text += " " + input.to_string();
  }
  text += std::string(" -> ") + status_name(status);
  if (status == Status::ok && (input.is_null() || (!output.is_null() && !(output == input)))) {
    text += " " + output.to_string();
  }
  if (!error.empty()) {
    text += " (" + error + ")";
  }
  text += " (line " + std::to_string(invoke_line) + ")";
  return text;
}

}  // namespace consim::checkers::lin
