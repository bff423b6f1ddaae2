// The fast reader of consim's own JSON lines: what it takes, what it leaves to nlohmann, and that
// on every line it takes it reads exactly what nlohmann reads (generated and mutated lines).
#include "reports/flat_json.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace consim::reports {
namespace {

using Json = nlohmann::ordered_json;

std::vector<FlatMember> scan(std::string_view line) {
  std::vector<FlatMember> members;
  EXPECT_TRUE(scan_flat_object(line, &members)) << line;
  return members;
}

bool takes(std::string_view line) {
  std::vector<FlatMember> members;
  return scan_flat_object(line, &members);
}

TEST(FlatJson, ReadsAConsimTraceLine) {
  const std::string line =
      R"({"t":3000194628,"node":"n3","kind":"net.send","to":"n1","id":-17,"ok":true,"no":false,"none":null})";
  const std::vector<FlatMember> members = scan(line);
  ASSERT_EQ(members.size(), 8u);
  EXPECT_EQ(members[0].name, "t");
  EXPECT_EQ(members[0].value.type, FlatValue::Type::kInt);
  EXPECT_EQ(members[0].value.integer, 3000194628);
  EXPECT_EQ(members[1].value.type, FlatValue::Type::kString);
  EXPECT_EQ(members[1].value.decoded(), "n3");
  EXPECT_EQ(members[4].name, "id");
  EXPECT_EQ(members[4].value.integer, -17);
  EXPECT_EQ(members[5].value.type, FlatValue::Type::kBool);
  EXPECT_TRUE(members[5].value.flag);
  EXPECT_FALSE(members[6].value.flag);
  EXPECT_EQ(members[7].value.type, FlatValue::Type::kNull);
}

TEST(FlatJson, DecodesTheShortEscapes) {
  const std::vector<FlatMember> members = scan(R"({"s":"a\"b\\c\/d\ne\tf\rg\bh\fi"})");
  ASSERT_EQ(members.size(), 1u);
  EXPECT_TRUE(members[0].value.escaped);
  EXPECT_EQ(members[0].value.decoded(), "a\"b\\c/d\ne\tf\rg\bh\fi");
  EXPECT_FALSE(scan(R"({"s":"plain"})")[0].value.escaped);
}

TEST(FlatJson, ReadsTheExtremeIntegers) {
  EXPECT_EQ(scan(R"({"a":9223372036854775807})")[0].value.integer, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(scan(R"({"a":-9223372036854775808})")[0].value.integer, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(scan(R"({"a":0})")[0].value.integer, 0);
  EXPECT_TRUE(scan("{}").empty());
}

TEST(FlatJson, LeavesEverythingElseToTheFullParser) {
  const char* const lines[] = {
      R"({"t": 1})",                     // whitespace
      R"( {"t":1})",                     //
      R"({"a":[1]})",                    // nested
      R"({"a":{"b":1}})",                //
      R"({"a":1.5})",                    // fraction
      R"({"a":1e3})",                    // exponent
      R"({"a":9223372036854775808})",    // beyond int64: nlohmann keeps it unsigned
      R"({"a":-9223372036854775809})",   // beyond int64
      R"({"a":123456789012345678901})",  // 21 digits
      R"({"a":01})",                     // leading zero
      R"({"a":-})",                      //
      R"({"a":"\u0041"})",               // \u escape
      R"({"a":"\q"})",                   // not an escape
      "{\"a\":\"caf\xc3\xa9\"}",         // outside ASCII
      "{\"a\":\"tab\there\"}",           // a raw control character
      R"({"a\"b":1})",                   // an escaped name
      R"({"a":1,"a":2})",                // a name twice
      R"({"a":1,})",                     // trailing comma
      R"({"a":1}x)",                     // trailing text
      R"({"a":1)",                       // unterminated
      R"({"a":"x)",                      //
      R"({"a"})",                        //
      R"({"a":tru})",                    //
      R"({"a":truex})",                  //
      R"({"a":nul})",                    //
      R"({a:1})",                        //
      R"([1])",                          //
      "",                                //
      "{",                               //
  };
  for (const char* line : lines) {
    EXPECT_FALSE(takes(line)) << line;
  }
}

// What nlohmann reads for one of our members, in our terms; false when the types differ.
bool same_value(const FlatValue& ours, const Json& theirs) {
  switch (ours.type) {
    case FlatValue::Type::kNull:
      return theirs.is_null();
    case FlatValue::Type::kBool:
      return theirs.is_boolean() && theirs.get<bool>() == ours.flag;
    case FlatValue::Type::kInt:
      return theirs.is_number_integer() && !theirs.is_number_float() &&
             (theirs.is_number_unsigned() ? theirs.get<uint64_t>() <= uint64_t{std::numeric_limits<int64_t>::max()} &&
                                                static_cast<int64_t>(theirs.get<uint64_t>()) == ours.integer
                                          : theirs.get<int64_t>() == ours.integer);
    case FlatValue::Type::kString:
      return theirs.is_string() && theirs.get<std::string>() == ours.decoded();
  }
  return false;
}

// When the fast reader takes `line`, nlohmann parses it to the same members in the same order.
void agrees_with_nlohmann(const std::string& line) {
  std::vector<FlatMember> members;
  if (!scan_flat_object(line, &members)) {
    return;
  }
  Json json;
  try {
    json = Json::parse(line);
  } catch (const Json::parse_error& error) {
    RC_FAIL("the fast reader took a line nlohmann rejects: " + line + " (" + error.what() + ")");
  }
  RC_ASSERT(json.is_object());
  RC_ASSERT(json.size() == members.size());
  size_t i = 0;
  for (auto it = json.begin(); it != json.end(); ++it, ++i) {
    RC_ASSERT(it.key() == std::string(members[i].name));
    RC_ASSERT(same_value(members[i].value, it.value()));
  }
}

// Pieces of lines, valid and not, for the generator to join.
const std::vector<std::string> kNames = {"t", "kind", "node", "to", "id", "msg", "a\\\"b", ""};
const std::vector<std::string> kValues = {"0",
                                          "-0",
                                          "7",
                                          "-12",
                                          "3000194628",
                                          "9223372036854775807",
                                          "-9223372036854775808",
                                          "9223372036854775808",
                                          "01",
                                          "1.5",
                                          "2e3",
                                          "-",
                                          "true",
                                          "false",
                                          "null",
                                          "tru",
                                          "\"\"",
                                          "\"n3\"",
                                          "\"a\\\"b\\\\c\\/\\n\\t\\r\\b\\f\"",
                                          "\"\\u0041\"",
                                          "\"\\q\"",
                                          "[1]",
                                          "{}",
                                          "\"caf\xc3\xa9\"",
                                          "\"x",
                                          " 1"};

std::string generated_line() {
  const int count = *rc::gen::inRange(0, 6);
  std::string line = "{";
  for (int i = 0; i < count; ++i) {
    if (i > 0) {
      line += ",";
    }
    line += "\"" + *rc::gen::elementOf(kNames) + "\":" + *rc::gen::elementOf(kValues);
  }
  return line + "}";
}

RC_GTEST_PROP(FlatJsonProperty, TakesOnlyWhatNlohmannReadsTheSameWay, ()) { agrees_with_nlohmann(generated_line()); }

RC_GTEST_PROP(FlatJsonProperty, MutatedLinesStillAgree, ()) {
  std::string line = generated_line();
  const int edits = *rc::gen::inRange(1, 4);
  for (int i = 0; i < edits && !line.empty(); ++i) {
    const size_t at = *rc::gen::inRange<size_t>(0, line.size());
    const char c = *rc::gen::elementOf(std::string("{}[]\",:\\ 0123456789-.eEtrufalsn\x01\x7f\xc3"));
    switch (*rc::gen::inRange(0, 3)) {
      case 0:
        line[at] = c;
        break;
      case 1:
        line.insert(line.begin() + static_cast<std::ptrdiff_t>(at), c);
        break;
      default:
        line.erase(at, 1);
    }
  }
  agrees_with_nlohmann(line);
}

}  // namespace
}  // namespace consim::reports
