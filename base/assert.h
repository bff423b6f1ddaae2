// Always-on assertions for programmer errors (never for bad input or adversarial messages).
//
// A failed CONSIM_ASSERT prints the condition, its location and the context of the running
// simulation (seed, event number) when one is registered, then aborts. Assertions stay on in
// release builds: a simulator that hides a broken invariant is worse than a slow one.
#pragma once

#include <string>

namespace consim {

[[noreturn]] void assert_failed(const char* condition, const char* file, int line, const std::string& message);
// The same without a message. A separate overload keeps the construction of an empty string out
// of every assertion site: a site stays a compare and a branch, small enough to inline.
[[noreturn]] void assert_failed(const char* condition, const char* file, int line);

// Describes what is running on this thread, for assertion messages ("seed=7 event=1234").
// Each simulation registers one for its lifetime; simulations on other threads keep their own.
class AssertContext {
 public:
  virtual ~AssertContext() = default;
  virtual std::string describe() const = 0;
};

// Registers `context` for the current thread until destroyed.
class ScopedAssertContext {
 public:
  explicit ScopedAssertContext(const AssertContext* context);
  ~ScopedAssertContext();
  ScopedAssertContext(const ScopedAssertContext&) = delete;
  ScopedAssertContext& operator=(const ScopedAssertContext&) = delete;

 private:
  const AssertContext* context_;
};

}  // namespace consim

#define CONSIM_ASSERT(condition)                               \
  do {                                                         \
    if (!(condition)) [[unlikely]] {                           \
      ::consim::assert_failed(#condition, __FILE__, __LINE__); \
    }                                                          \
  } while (0)

#define CONSIM_ASSERT_MSG(condition, message)                           \
  do {                                                                  \
    if (!(condition)) [[unlikely]] {                                    \
      ::consim::assert_failed(#condition, __FILE__, __LINE__, message); \
    }                                                                   \
  } while (0)
