// The dependency rules of DESIGN.md, checked on the sources: one way down, pure protocols,
// checkers independent of the implementation, and no nondeterminism in the simulated world.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Violation {
  std::string file;
  int line;
  std::string text;
};

// Every line of every C++ source under `folder` matching `pattern`.
std::vector<Violation> find_lines(const std::string& folder, const std::regex& pattern) {
  std::vector<Violation> found;
  const fs::path root = fs::path(CONSIM_SOURCE_DIR) / folder;
  if (!fs::exists(root)) {
    return found;
  }
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string extension = entry.path().extension().string();
    if (!entry.is_regular_file() || (extension != ".h" && extension != ".cc")) {
      continue;
    }
    std::ifstream in(entry.path());
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (std::regex_search(line, pattern)) {
        found.push_back({fs::relative(entry.path(), CONSIM_SOURCE_DIR).string(), number, line});
      }
    }
  }
  return found;
}

std::string describe(const std::vector<Violation>& violations) {
  std::string text;
  for (const Violation& v : violations) {
    text += "  " + v.file + ":" + std::to_string(v.line) + ": " + v.text + "\n";
  }
  return text;
}

std::regex includes_any_of(const std::string& folders) { return std::regex("#\\s*include\\s*\"(" + folders + ")/"); }

TEST(Layering, BaseIncludesNothingOfTheProject) {
  const auto found = find_lines("base", includes_any_of("sim|protocols|services|checkers|harness|reports|cli"));
  EXPECT_TRUE(found.empty()) << describe(found);
}

TEST(Layering, SimKnowsNoProtocol) {
  const auto found = find_lines("sim", includes_any_of("protocols|services|checkers|harness|reports|cli"));
  EXPECT_TRUE(found.empty()) << describe(found);
}

TEST(Layering, ProtocolsNeverIncludeTheSimulator) {
  const auto found = find_lines("protocols", includes_any_of("sim|services|checkers|harness|reports|cli"));
  EXPECT_TRUE(found.empty()) << describe(found);
}

TEST(Layering, ServicesAreProtocolAgnostic) {
  const auto found = find_lines("services", includes_any_of("sim|protocols|checkers|harness|reports|cli"));
  EXPECT_TRUE(found.empty()) << describe(found);
}

TEST(Layering, CheckersAreIndependentOfTheImplementation) {
  const auto found = find_lines("checkers", includes_any_of("protocols|services|harness|reports|cli"));
  EXPECT_TRUE(found.empty()) << describe(found);
}

TEST(Layering, NothingBelowTheCliIncludesIt) {
  for (const char* folder : {"base", "sim", "protocols", "services", "checkers", "harness", "reports"}) {
    const auto found = find_lines(folder, includes_any_of("cli"));
    EXPECT_TRUE(found.empty()) << describe(found);
  }
}

// Wall clocks, threads and std:: distributions have no place where behaviour is decided.
TEST(Determinism, NoWallClockThreadsOrStdRandomInTheSimulatedWorld) {
  const std::regex banned(
      "#\\s*include\\s*<(random|chrono|thread|future|ctime)>|std::(random_device|mt19937|\\w+_distribution|"
      "shuffle|rand\\b|chrono|thread|async)|\\b(time|clock_gettime|gettimeofday|rand|srand)\\(");
  for (const char* folder : {"base", "sim", "protocols", "services"}) {
    const auto found = find_lines(folder, banned);
    EXPECT_TRUE(found.empty()) << describe(found);
  }
}

// The checker must fail on the real thing: make sure the scan actually reads files.
TEST(Layering, TheScanSeesTheSources) {
  const auto found = find_lines("sim", std::regex("#\\s*include\\s*\"base/"));
  EXPECT_FALSE(found.empty());
}

}  // namespace
