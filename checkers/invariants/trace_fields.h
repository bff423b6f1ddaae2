// Reading trace records, for the checkers: typed field access and the names of nodes.
#pragma once

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/ids.h"
#include "sim/trace.h"

namespace consim::checkers {

// An integer field read as unsigned; nullopt when absent or not an integer.
inline std::optional<uint64_t> uint_field(const sim::TraceRecord& record, const Name& key) {
  const int64_t* value = record.int_field(key);
  if (value == nullptr) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(*value);  // hashes are 64-bit patterns carried as int64
}

// "n3" -> HostId{2}: nodes are named n1..nN in traces, hosts are 0-based.
inline std::optional<sim::HostId> parse_node(std::string_view name) {
  if (name.size() < 2 || name.size() > 11 || name.front() != 'n') {
    return std::nullopt;
  }
  uint64_t number = 0;
  for (const char c : name.substr(1)) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    number = number * 10 + static_cast<uint64_t>(c - '0');
  }
  if (number == 0 || number > std::numeric_limits<uint32_t>::max()) {
    return std::nullopt;
  }
  return sim::HostId{static_cast<uint32_t>(number - 1)};
}

// "n1,n2" -> the nodes; "" -> none.
inline std::optional<std::vector<sim::HostId>> parse_node_list(std::string_view text) {
  std::vector<sim::HostId> nodes;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::optional<sim::HostId> node = parse_node(text.substr(0, comma));
    if (!node.has_value()) {
      return std::nullopt;
    }
    nodes.push_back(*node);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return nodes;
}

// A chain hash as 16 hex digits.
inline std::string hex_hash(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "%016" PRIx64, value);
  return text;
}

// "n1,n2,n3"
inline std::string node_names(const std::vector<sim::HostId>& nodes) {
  std::string text;
  for (const sim::HostId node : nodes) {
    text += (text.empty() ? "" : ",") + node.name();
  }
  return text;
}

// "index 7 (term 3)"
inline std::string describe_entry(uint64_t index, uint64_t term) {
  return "index " + std::to_string(index) + " (term " + std::to_string(term) + ")";
}

}  // namespace consim::checkers
