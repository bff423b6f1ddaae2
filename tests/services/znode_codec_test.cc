// Tests for the znode service's encoding (JSON, one line), strict decoding and descriptions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/znode/znode_command.h"

namespace consim::services::znode {
namespace {

std::vector<Command> one_of_each() {
  return {
      {0, Create{"/a", "x", CreateMode::kPersistent}},
      {3, Create{"/a/", "", CreateMode::kEphemeralSequential}},
      {0, Delete{"/a", kAnyVersion}},
      {0, Delete{"/a", 4}},
      {2, SetData{"/a", "y", 0}},
      {0, GetData{"/a"}},
      {0, Exists{"/a"}},
      {1, GetChildren{"/"}},
      {0, Sync{"/"}},
      {5, Multi{{Create{"/m", "", CreateMode::kPersistentSequential}, Delete{"/n", 1}, SetData{"/o", "z", -1},
                 Check{"/p", 2}}}},
      {0, Multi{}},
      {0, CreateSession{4000}},
      {6, Touch{}},
      {6, CloseSession{}},
      {6, ExpireSession{}},
  };
}

TEST(ZnodeCodec, EncodesCommandsAsOneLineOfJsonWithTheOperationFirst) {
  EXPECT_EQ(encode(Command{3, Create{"/a", "x", CreateMode::kEphemeral}}),
            R"({"f":"create","session":3,"path":"/a","data":"x","mode":"ephemeral"})");
  EXPECT_EQ(encode(Command{0, SetData{"/a", "y", kAnyVersion}}), R"({"f":"set_data","path":"/a","data":"y"})");
  EXPECT_EQ(encode(Command{0, Delete{"/a", 2}}), R"({"f":"delete","path":"/a","version":2})");
  EXPECT_EQ(encode(Command{0, Multi{{Check{"/a", 1}}}}),
            R"({"f":"multi","ops":[{"f":"check","path":"/a","version":1}]})");
  EXPECT_EQ(encode(Command{4, ExpireSession{}}), R"({"f":"expire_session","session":4})");
  EXPECT_EQ(encode(Command{0, CreateSession{4000}}), R"({"f":"create_session","timeout_ms":4000})");
}

TEST(ZnodeCodec, EveryCommandRoundTrips) {
  for (const Command& command : one_of_each()) {
    const auto decoded = decode_command(encode(command));
    ASSERT_TRUE(decoded.ok()) << decoded.error;
    EXPECT_EQ(*decoded.value, command) << encode(command);
  }
}

TEST(ZnodeCodec, ResponsesRoundTrip) {
  Stat stat{1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11};
  Response full;
  full.code = Code::kNoNode;
  full.zxid = 12;
  full.path = "/a0000000001";
  full.data = "d";
  full.stat = stat;
  full.children = {"a", "b"};
  full.results = {OpResult{Code::kOk, "/x", stat}, OpResult{Code::kNoNode, {}, std::nullopt},
                  OpResult{Code::kRuntimeInconsistency, {}, std::nullopt}};
  full.session = 3;
  full.timeout_ms = 4000;
  full.expired = true;
  full.deleted = {"/e1", "/e2"};
  for (const Response& response : {Response{}, full}) {
    const auto decoded = decode_response(encode(response));
    ASSERT_TRUE(decoded.ok()) << decoded.error;
    EXPECT_EQ(*decoded.value, response);
  }
  EXPECT_EQ(encode(Response{}), R"({"code":"Ok","zxid":0})");
}

TEST(ZnodeCodec, CodeNamesAndNumbersAreZooKeepers) {
  EXPECT_EQ(static_cast<int>(Code::kNoNode), -101);
  EXPECT_EQ(static_cast<int>(Code::kNodeExists), -110);
  EXPECT_EQ(static_cast<int>(Code::kRuntimeInconsistency), -2);
  for (const Code code : {Code::kOk, Code::kRuntimeInconsistency, Code::kBadArguments, Code::kNoNode, Code::kBadVersion,
                          Code::kNoChildrenForEphemerals, Code::kNodeExists, Code::kNotEmpty, Code::kSessionExpired}) {
    EXPECT_EQ(code_from_name(code_name(code)), code);
  }
  EXPECT_EQ(code_name(Code::kNotEmpty), "NotEmpty");
}

TEST(ZnodeCodec, DecodingRejectsBadInputNamingTheField) {
  struct Case {
    std::string text;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"{", "znode command: not valid JSON"},
      {R"({"path":"/a"})", "znode command: missing field \"f\""},
      {R"({"f":"rename","path":"/a"})", "znode command: unknown operation \"rename\" in field \"f\""},
      {R"({"f":"check","path":"/a"})", "znode command: \"check\" is only allowed inside a multi"},
      {R"({"f":"create","path":"/a","mode":"container"})",
       "znode command: field \"mode\" must be one of persistent, ephemeral, persistent_sequential, "
       "ephemeral_sequential"},
      {R"({"f":"delete","path":"/a","version":4294967296})",
       "znode command: field \"version\" must be an integer in [-2147483648, 2147483647]"},
      {R"({"f":"get_data","path":"/a","watch":true})", "znode command: unknown field \"watch\""},
      {R"({"f":"multi","ops":{}})", "znode command: field \"ops\" must be an array of operations"},
      {R"({"f":"multi","ops":[{"f":"check","path":"/a"},{"f":"get_data","path":"/a"}]})",
       "znode command: ops[1]: field \"f\" must be one of create, delete, set_data, check"},
      {R"({"f":"multi","ops":[{"f":"create"}]})", "znode command: ops[0]: missing field \"path\""},
      {R"({"f":"touch","session":"3"})",
       "znode command: field \"session\" must be an integer in [-9223372036854775808, 9223372036854775807]"},
  };
  for (const Case& c : cases) {
    const auto decoded = decode_command(c.text);
    EXPECT_FALSE(decoded.ok()) << c.text;
    EXPECT_EQ(decoded.error, c.error) << c.text;
  }
  EXPECT_EQ(decode_response(R"({"code":"Ok","zxid":1,"children":["a",1]})").error,
            "znode response: field \"children\" must be an array of strings");
  EXPECT_EQ(decode_response(R"({"code":"Ok","zxid":1,"results":[{"code":"Ok","stat":{}}]})").error,
            "znode response: results[0]: stat: missing field \"czxid\"");
}

TEST(ZnodeCodec, DescribesCommandsAndResponsesOnOneLine) {
  EXPECT_EQ(describe(Command{3, Create{"/a", "x", CreateMode::kEphemeral}}), R"(session 3: create "/a" "x" ephemeral)");
  EXPECT_EQ(describe(Command{0, Multi{{Delete{"/a", 1}, Check{"/b", kAnyVersion}}}}),
            R"(multi [delete "/a" version=1; check "/b"])");
  EXPECT_EQ(describe(Command{2, ExpireSession{}}), "session 2: expire_session");
  Response response;
  response.code = Code::kNoNode;
  response.zxid = 7;
  EXPECT_EQ(describe(response), "NoNode zxid=7");
  response.deleted = {"/e"};
  response.expired = true;
  EXPECT_EQ(describe(response), R"(NoNode zxid=7 expired deleted=["/e"])");
}

TEST(ZnodeCodec, DigestsDifferForDifferentCommands) {
  const std::vector<Command> commands = one_of_each();
  for (size_t i = 0; i < commands.size(); ++i) {
    for (size_t j = i + 1; j < commands.size(); ++j) {
      EXPECT_NE(digest(commands[i]), digest(commands[j])) << describe(commands[i]) << " vs " << describe(commands[j]);
    }
  }
  EXPECT_NE(digest(Command{1, Touch{}}), digest(Command{2, Touch{}}));
}

}  // namespace
}  // namespace consim::services::znode
