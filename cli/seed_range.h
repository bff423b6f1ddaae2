// Seed ranges on the command line ("A..B", inclusive, or one seed "A"), shared by `consim fuzz`
// and `consim compare`.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

namespace consim::cli {

struct SeedRange {
  uint64_t first = 0;
  uint64_t last = 0;
};

// A decimal number of at most 19 digits (no sign, no spaces).
inline std::optional<uint64_t> parse_u64(const std::string& text) {
  if (text.empty() || text.size() > 19 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoull(text);
}

// "A..B" (inclusive, A <= B) or a single seed "A".
inline std::optional<SeedRange> parse_seeds(const std::string& text) {
  const size_t dots = text.find("..");
  if (dots == std::string::npos) {
    const std::optional<uint64_t> seed = parse_u64(text);
    return seed ? std::optional<SeedRange>(SeedRange{*seed, *seed}) : std::nullopt;
  }
  const std::optional<uint64_t> first = parse_u64(text.substr(0, dots));
  const std::optional<uint64_t> last = parse_u64(text.substr(dots + 2));
  if (!first || !last || *last < *first) {
    return std::nullopt;
  }
  return SeedRange{*first, *last};
}

}  // namespace consim::cli
