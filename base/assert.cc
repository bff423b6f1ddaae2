#include "base/assert.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace consim {
namespace {
// Registered contexts, innermost last. Simulations need not end in the order they began, so a
// context removes itself wherever it stands.
thread_local std::vector<const AssertContext*> contexts;
}  // namespace

ScopedAssertContext::ScopedAssertContext(const AssertContext* context) : context_(context) {
  contexts.push_back(context);
}

ScopedAssertContext::~ScopedAssertContext() {
  for (auto it = contexts.end(); it != contexts.begin();) {
    --it;
    if (*it == context_) {
      contexts.erase(it);
      break;
    }
  }
}

void assert_failed(const char* condition, const char* file, int line, const std::string& message) {
  std::fprintf(stderr, "consim: assertion failed: %s\n  at %s:%d\n", condition, file, line);
  if (!message.empty()) {
    std::fprintf(stderr, "  %s\n", message.c_str());
  }
  if (!contexts.empty()) {
    std::fprintf(stderr, "  while running: %s\n", contexts.back()->describe().c_str());
  }
  std::fflush(stderr);
  std::abort();
}

void assert_failed(const char* condition, const char* file, int line) { assert_failed(condition, file, line, {}); }

}  // namespace consim
