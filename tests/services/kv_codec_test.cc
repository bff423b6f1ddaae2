// Tests for the kv service's encoding (JSON, one line), strict decoding and descriptions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/kv/kv_command.h"

namespace consim::services::kv {
namespace {

std::vector<Command> one_of_each() {
  return {
      Get{"k"},
      Put{"k", "v", 0},
      Put{"k", "v", 3},
      Delete{"k"},
      Cas{"k", Compare{Compare::Target::kValue, "old", 0}, "new", 0},
      Cas{"k", Compare{Compare::Target::kVersion, "", 0}, "new", 2},
      Cas{"k", Compare{Compare::Target::kCreateRevision, "", 7}, "new", 0},
      Cas{"k", Compare{Compare::Target::kModRevision, "", -3}, "", 0},
      LeaseGrant{5000},
      LeaseKeepAlive{1},
      LeaseRevoke{2},
      LeaseExpire{3},
  };
}

TEST(KvCodec, EncodesCommandsAsOneLineOfJsonWithTheOperationFirst) {
  EXPECT_EQ(encode(Command{Put{"k1", "v1", 0}}), R"({"f":"put","key":"k1","value":"v1"})");
  EXPECT_EQ(encode(Command{Put{"k1", "v1", 4}}), R"({"f":"put","key":"k1","value":"v1","lease":4})");
  EXPECT_EQ(encode(Command{Cas{"k", Compare{Compare::Target::kValue, "a", 0}, "b", 0}}),
            R"({"f":"cas","key":"k","compare":"value","expected":"a","value":"b"})");
  EXPECT_EQ(encode(Command{Cas{"k", Compare{Compare::Target::kModRevision, "", 5}, "b", 0}}),
            R"({"f":"cas","key":"k","compare":"mod_revision","expected":5,"value":"b"})");
  EXPECT_EQ(encode(Command{LeaseGrant{5000}}), R"({"f":"lease_grant","ttl_ms":5000})");
  EXPECT_EQ(encode(Command{LeaseExpire{3}}), R"({"f":"lease_expire","lease":3})");
}

TEST(KvCodec, EveryCommandRoundTrips) {
  for (const Command& command : one_of_each()) {
    const auto decoded = decode_command(encode(command));
    ASSERT_TRUE(decoded.ok()) << decoded.error;
    EXPECT_EQ(*decoded.value, command) << encode(command);
  }
}

TEST(KvCodec, EncodesResponsesLeavingOutDefaults) {
  Response response;
  response.revision = 5;
  EXPECT_EQ(encode(response), R"({"code":"Ok","revision":5})");
  response.code = Code::kCompareFailed;
  response.kv = KeyValue{"k", "v", 2, 4, 3, 1};
  EXPECT_EQ(encode(response), R"({"code":"CompareFailed","revision":5,"kv":{"key":"k","value":"v","create_revision":2,)"
                              R"("mod_revision":4,"version":3,"lease":1}})");
}

TEST(KvCodec, ResponsesRoundTrip) {
  Response full;
  full.code = Code::kOk;
  full.revision = 9;
  full.kv = KeyValue{"a", "1", 2, 3, 2, 0};
  full.prev_kv = KeyValue{"a", "0", 2, 2, 1, 7};
  full.deleted = 2;
  full.lease = 7;
  full.ttl_ms = 100;
  full.expired = true;
  for (const Response& response : {Response{}, full}) {
    const auto decoded = decode_response(encode(response));
    ASSERT_TRUE(decoded.ok()) << decoded.error;
    EXPECT_EQ(*decoded.value, response);
  }
  for (const Code code : {Code::kOk, Code::kCompareFailed, Code::kLeaseNotFound, Code::kInvalidArgument}) {
    EXPECT_EQ(code_from_name(code_name(code)), code);
  }
}

TEST(KvCodec, DecodingRejectsBadInputNamingTheField) {
  struct Case {
    std::string text;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"not json", "kv command: not valid JSON"},
      {"[1]", "kv command: must be a JSON object"},
      {R"({"key":"k"})", "kv command: missing field \"f\""},
      {R"({"f":"frobnicate"})", "kv command: unknown operation \"frobnicate\" in field \"f\""},
      {R"({"f":"put","key":"k"})", "kv command: missing field \"value\""},
      {R"({"f":"put","key":1,"value":"v"})", "kv command: field \"key\" must be a string"},
      {R"({"f":"put","key":"k","value":"v","lese":1})", "kv command: unknown field \"lese\""},
      {R"({"f":"lease_grant","ttl_ms":1.5})",
       "kv command: field \"ttl_ms\" must be an integer in [-9223372036854775808, 9223372036854775807]"},
      {R"({"f":"lease_grant","ttl_ms":18446744073709551615})",
       "kv command: field \"ttl_ms\" must be an integer in [-9223372036854775808, 9223372036854775807]"},
      {R"({"f":"cas","key":"k","compare":"size","expected":1,"value":"v"})",
       "kv command: field \"compare\" must be one of value, version, create_revision, mod_revision"},
      {R"({"f":"cas","key":"k","compare":"version","expected":"1","value":"v"})",
       "kv command: field \"expected\" must be an integer in [-9223372036854775808, 9223372036854775807]"},
  };
  for (const Case& c : cases) {
    const auto decoded = decode_command(c.text);
    EXPECT_FALSE(decoded.ok()) << c.text;
    EXPECT_EQ(decoded.error, c.error) << c.text;
  }
  EXPECT_EQ(decode_response(R"({"code":"Nope","revision":1})").error,
            "kv response: unknown code \"Nope\" in field \"code\"");
  EXPECT_EQ(decode_response(R"({"code":"Ok","revision":1,"kv":{"key":"k"}})").error,
            "kv response: kv: missing field \"value\"");
}

TEST(KvCodec, DescribesCommandsAndResponsesOnOneLine) {
  EXPECT_EQ(describe(Command{Put{"k", "v", 3}}), R"(put "k" "v" lease=3)");
  EXPECT_EQ(describe(Command{Cas{"k", Compare{Compare::Target::kVersion, "", 0}, "v", 0}}),
            R"(cas "k" if version=0 then "v")");
  EXPECT_EQ(describe(Command{Get{"a\nb"}}), R"(get "a\nb")");
  EXPECT_EQ(describe(Command{LeaseGrant{100}}), "lease_grant ttl=100ms");
  Response response;
  response.revision = 4;
  response.prev_kv = KeyValue{"k", "v", 2, 3, 2, 0};
  EXPECT_EQ(describe(response), R"(Ok rev=4 prev={"k"="v" c=2 m=3 v=2})");
}

TEST(KvCodec, DigestsDifferForDifferentCommands) {
  const std::vector<Command> commands = one_of_each();
  for (size_t i = 0; i < commands.size(); ++i) {
    EXPECT_EQ(digest(commands[i]), digest(Command(commands[i])));
    for (size_t j = i + 1; j < commands.size(); ++j) {
      EXPECT_NE(digest(commands[i]), digest(commands[j])) << describe(commands[i]) << " vs " << describe(commands[j]);
    }
  }
  EXPECT_NE(digest(Command{Get{"ab"}}), digest(Command{Delete{"ab"}}));
}

}  // namespace
}  // namespace consim::services::kv
