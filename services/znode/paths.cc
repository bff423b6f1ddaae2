#include "services/znode/paths.h"

#include <algorithm>

#include "base/assert.h"

namespace consim::services::znode {

std::string validate_path(std::string_view path) {
  if (path.empty()) {
    return "path must not be empty";
  }
  if (path.front() != '/') {
    return "path must start with /";
  }
  if (path.size() == 1) {
    return {};
  }
  if (path.back() == '/') {
    return "path must not end with /";
  }
  size_t start = 1;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view component = path.substr(start, end - start);
    if (component.empty()) {
      return "empty node name at position " + std::to_string(start);
    }
    if (component == "." || component == "..") {
      return "relative paths are not allowed";
    }
    for (const char c : component) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte == 0x7f) {
        return "invalid character in node name";
      }
    }
    start = end + 1;
  }
  return {};
}

std::string_view parent_of(std::string_view path) {
  CONSIM_ASSERT(!path.empty());
  CONSIM_ASSERT(path.front() == '/');
  const size_t slash = path.rfind('/');
  return slash == 0 ? path.substr(0, 1) : path.substr(0, slash);
}

std::string_view name_of(std::string_view path) { return path.substr(path.rfind('/') + 1); }

std::string sequential_suffix(int32_t cversion) {
  const bool negative = cversion < 0;
  // Magnitude in 64 bits: -INT32_MIN does not fit in 32.
  uint64_t magnitude =
      negative ? static_cast<uint64_t>(-static_cast<int64_t>(cversion)) : static_cast<uint64_t>(cversion);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  const size_t width = negative ? 9 : 10;
  if (digits.size() < width) {
    digits.insert(0, width - digits.size(), '0');
  }
  return negative ? "-" + digits : digits;
}

}  // namespace consim::services::znode
