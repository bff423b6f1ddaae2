// A reader for the subset of EDN that Jepsen histories use: maps with keyword keys, nil,
// booleans, integers, strings, keywords, vectors and lists. Anything else is an error with a
// message, never a crash. Keywords become strings that keep their colon (":timed-out").
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checkers/linearizability/value.h"

namespace consim::checkers::lin::edn {

// Reads one value from `text` starting at `*pos`, advancing it. On failure returns false and
// sets `*error`. Booleans become the strings "true" and "false".
bool read_value(std::string_view text, size_t* pos, Value* out, std::string* error);

// Reads a whole line holding one map `{:k v, ...}`. Keys lose their colon.
bool read_map(std::string_view text, std::vector<std::pair<std::string, Value>>* out, std::string* error);

bool is_keyword(const Value& value);

}  // namespace consim::checkers::lin::edn
