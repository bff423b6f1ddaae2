// The outcome of decoding untrusted text (a trace, a history, a file): a value, or an error
// that names the field and the problem. Bad input is never an assertion.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace consim::services {

template <typename T>
struct Decoded {
  std::optional<T> value;
  std::string error;  // non-empty exactly when value is empty

  static Decoded success(T v) { return Decoded{std::move(v), {}}; }
  static Decoded failure(std::string message) { return Decoded{std::nullopt, std::move(message)}; }
  bool ok() const { return value.has_value(); }
};

}  // namespace consim::services
