// Reading histories: the three formats, auto-detection, and every kind of bad input named by
// its line, never a crash.
#include "checkers/linearizability/history_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace consim::checkers::lin {
namespace {

History parse_ok(const std::string& text, Format format = Format::automatic) {
  ParsedHistory parsed = parse_history(text, format);
  EXPECT_FALSE(parsed.error) << parsed.error->describe();
  return std::move(parsed.history);
}

std::string parse_error(const std::string& text, Format format = Format::automatic) {
  const ParsedHistory parsed = parse_history(text, format);
  EXPECT_TRUE(parsed.error) << "expected an error for:\n" << text;
  EXPECT_TRUE(parsed.history.operations.empty());
  return parsed.error ? parsed.error->describe() : "";
}

TEST(HistoryParse, JsonlJoinsInvocationsAndCompletions) {
  const History history = parse_ok(
      R"({"process":3,"type":"invoke","f":"cas","key":"k1","value":[1,2],"time_ns":100}
{"process":4,"type":"invoke","f":"read","key":"k1","value":null,"time_ns":150,"server":"n2"}
{"process":3,"type":"fail","f":"cas","key":"k1","value":[1,2],"time_ns":200,"error":"CompareFailed"}
{"process":4,"type":"ok","f":"read","key":"k1","value":7,"time_ns":250}
{"process":5,"type":"invoke","f":"write","key":"k2","value":"x","time_ns":300}
{"process":5,"type":"info","f":"write","key":"k2","time_ns":400}
{"process":6,"type":"invoke","f":"write","key":"k2","value":1,"time_ns":500}
)");
  EXPECT_EQ(history.format, "jsonl");
  ASSERT_EQ(history.operations.size(), 4u);
  const Operation& cas = history.operations[0];
  EXPECT_EQ(cas.status, Status::fail);
  EXPECT_EQ(cas.input, Value::list({Value::of(1), Value::of(2)}));
  EXPECT_EQ(cas.error, "CompareFailed");
  EXPECT_EQ(cas.invoke_ns, 100);
  EXPECT_EQ(cas.complete_ns, 200);
  EXPECT_EQ(history.operations[1].output, Value::of(7));
  EXPECT_EQ(history.operations[2].status, Status::info);
  EXPECT_EQ(history.operations[2].complete_ns, kNeverNs);  // open to the end of the history
  EXPECT_EQ(history.operations[3].status, Status::pending);
  EXPECT_EQ(history.operations[3].invoke_line, 7u);
}

TEST(HistoryParse, EdnMapsAreJepsenHistories) {
  const History history = parse_ok(
      "{:process 0, :type :invoke, :f :append, :key \"0\", :value \"x 0 0 y\"}\n"
      "{:process :nemesis, :type :info, :f :start, :value nil}\n"
      "{:process 1, :type :invoke, :f :get, :key \"0\", :value nil}\n"
      "{:process 0, :type :ok, :f :append, :key \"0\", :value \"x 0 0 y\"}\n"
      "{:process 1, :type :ok, :f :get, :key \"0\", :value \"x 0 0 y\"}\n");
  EXPECT_EQ(history.format, "jepsen-edn");
  ASSERT_EQ(history.operations.size(), 2u);
  EXPECT_EQ(history.operations[1].f, "get");
  EXPECT_EQ(history.operations[1].output, Value::of(std::string("x 0 0 y")));
  EXPECT_EQ(history.operations[1].invoke_ns, 3);  // no :time: the line orders events
}

TEST(HistoryParse, JepsenLogLinesWithTimeoutsBecomeInfo) {
  const History history = parse_ok(
      "INFO  jepsen.util - 0\t:invoke\t:cas\t[3 0]\n"
      "some other log line\n"
      "INFO  jepsen.util - 1\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 0\t:fail\t:cas\t[3 0]\n"
      "INFO  jepsen.util - 1\t:fail\t:read\t:timed-out\n"
      "INFO  jepsen.util - 2\t:invoke\t:write\t4\n"
      "INFO  jepsen.util - 2\t:info\t:write\t:timed-out\n");
  EXPECT_EQ(history.format, "jepsen-log");
  ASSERT_EQ(history.operations.size(), 3u);
  EXPECT_EQ(history.operations[0].status, Status::fail);
  EXPECT_EQ(history.operations[1].status, Status::info);
  EXPECT_EQ(history.operations[2].input, Value::of(4));
  EXPECT_EQ(history.operations[2].status, Status::info);
}

TEST(HistoryParse, FormatOverrideAndNames) {
  EXPECT_EQ(format_from_name("jepsen-log"), Format::jepsen_log);
  EXPECT_FALSE(format_from_name("csv"));
  // Forced to EDN, a JSON line is an error rather than a guess.
  EXPECT_NE(parse_error(R"({"process":1,"type":"invoke","f":"read"})", Format::jepsen_edn).find("line 1"),
            std::string::npos);
}

TEST(HistoryParse, EmptyInputIsAnEmptyHistory) { EXPECT_TRUE(parse_ok("\n  \n").operations.empty()); }

struct BadInput {
  const char* name;
  const char* text;
  const char* message;  // a part of the expected error
};

TEST(HistoryParse, BadInputIsNamedByLineAndProblem) {
  const BadInput cases[] = {
      {"truncated json", "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n{\"process\":2,\"type\":\"inv",
       "line 2: not valid JSON"},
      {"truncated edn", "{:process 0, :type :invoke, :f :read, :value nil", "line 1: unterminated map"},
      {"truncated string", "{:process 0, :type :invoke, :f :write, :value \"ab", "unterminated string"},
      {"truncated log line", "INFO  jepsen.util - 0\t:invoke", "line 1: expected '<process>"},
      {"unknown type", R"({"process":1,"type":"done","f":"read"})", "line 1: unknown type 'done'"},
      {"unknown edn type", "{:process 0, :type :finished, :f :read}", "unknown type 'finished'"},
      {"completion without invocation",
       "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n"
       "{\"process\":2,\"type\":\"ok\",\"f\":\"read\",\"value\":1}",
       "line 2: ok for process 2, which has no operation in progress"},
      {"non-monotonic time",
       "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"time_ns\":10}\n"
       "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"time_ns\":5}",
       "line 2: time 5 is earlier than the previous event's 10"},
      {"time on some events only",
       "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"time_ns\":10}\n"
       "{\"process\":1,\"type\":\"ok\",\"f\":\"read\"}",
       "line 2: no time"},
      {"double invoke",
       "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}",
       "line 2: invoke for process 1, whose operation from line 1 has not completed"},
      {"f mismatch",
       "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n{\"process\":1,\"type\":\"ok\",\"f\":\"write\"}",
       "line 2: ok write for process 1, whose operation from line 1 is read"},
      {"process not a number", R"({"process":"a","type":"invoke","f":"read"})", "field 'process'"},
      {"float value", R"({"process":1,"type":"invoke","f":"write","value":1.5})", "unsupported value 1.5"},
      {"not an object", "[1,2,3]", "line 1: cannot tell the history's format"},
      {"json array forced", "[1,2,3]", "line 1: expected a JSON object"},
      {"unknown format", "hello", "use --format"},
      {"invoke without f", R"({"process":1,"type":"invoke"})", "without an operation name"},
      {"bad log process", "INFO  jepsen.util - x\t:invoke\t:read\tnil", "process 'x' is not an integer"},
      {"deep nesting", "{:process 0, :type :invoke, :f :write, :value [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
       "nested more than"},
  };
  for (const BadInput& bad : cases) {
    const Format format = std::string(bad.name) == "json array forced" ? Format::jsonl : Format::automatic;
    const std::string message = parse_error(bad.text, format);
    EXPECT_NE(message.find(bad.message), std::string::npos) << bad.name << ": got \"" << message << "\"";
  }
}

}  // namespace
}  // namespace consim::checkers::lin

// JSONL lines in the common shape are read by a fast path; every other line by the full JSON
// reader. The same line forced through the full reader (an escaped character in an extra
// field sends it there) must give the same history, or the same error.
namespace consim::checkers::lin {
namespace {

std::string force_full_reader(std::string_view line) {
  const size_t close = line.rfind('}');
  return std::string(line.substr(0, close)) + ",\"zz\":\"\\u0041\"" + std::string(line.substr(close));
}

void expect_same_parse(const std::vector<std::string>& lines) {
  std::string fast;
  std::string full;
  for (const std::string& line : lines) {
    EXPECT_FALSE(jsonl_line_takes_fast_path(force_full_reader(line))) << line;
    fast += line + "\n";
    full += force_full_reader(line) + "\n";
  }
  const ParsedHistory a = parse_history(fast, Format::jsonl);
  const ParsedHistory b = parse_history(full, Format::jsonl);
  ASSERT_EQ(a.error.has_value(), b.error.has_value()) << fast;
  if (a.error.has_value()) {
    EXPECT_EQ(a.error->line, b.error->line);
    EXPECT_EQ(a.error->message, b.error->message);
    return;
  }
  ASSERT_EQ(a.history.operations.size(), b.history.operations.size());
  for (size_t i = 0; i < a.history.operations.size(); ++i) {
    const Operation& x = a.history.operations[i];
    const Operation& y = b.history.operations[i];
    EXPECT_EQ(x.describe(), y.describe());
    EXPECT_EQ(x.process, y.process);
    EXPECT_EQ(x.f, y.f);
    EXPECT_EQ(x.key, y.key);
    EXPECT_TRUE(x.input == y.input) << x.input.to_string() << " vs " << y.input.to_string();
    EXPECT_TRUE(x.output == y.output) << x.output.to_string() << " vs " << y.output.to_string();
    EXPECT_EQ(x.status, y.status);
    EXPECT_EQ(x.error, y.error);
    EXPECT_EQ(x.version, y.version);
    EXPECT_EQ(x.invoke_ns, y.invoke_ns);
    EXPECT_EQ(x.complete_ns, y.complete_ns);
  }
}

TEST(HistoryParseFastPath, AgreesWithTheFullReaderOnEveryShape) {
  expect_same_parse({
      R"({"process":3,"type":"invoke","f":"cas","key":"k1","value":[1,2],"time_ns":1})",
      R"({ "process" : 3 , "type" : "ok" , "f" : "cas" , "key" : "k1" , "value" : [ 1 , 2 ] , "time_ns" : 5 })",
      R"({"process":-4,"type":"invoke","f":"write","key":-17,"value":-9,"time_ns":6,"extra":{"a":[1,[2]]}})",
      R"({"process":-4,"type":"info","f":"write","key":-17,"value":-9,"time_ns":7,"error":"Timeout"})",
      R"({"process":5,"type":"invoke","f":"set","key":"/a","value":"x y","version":-1,"time_ns":8})",
      R"({"process":5,"type":"fail","f":"set","key":"/a","error":"BadVersion","time_ns":9,"server":"n2"})",
      R"({"process":6,"type":"invoke","f":"read","key":"b","value":null,"time_ns":10})",
      R"({"process":6,"type":"ok","f":"read","key":"b","value":true,"time_ns":11})",
      R"({"process":7,"type":"invoke","f":"write","key":"c","value":[],"time_ns":12})",
      R"({"process":7,"type":"ok","f":"write","key":"c","value":[null,false,"s",0],"time_ns":13})",
  });
  // The common shapes above do take the fast path (except the one with a nested extra field).
  EXPECT_TRUE(
      jsonl_line_takes_fast_path(R"({"process":3,"type":"invoke","f":"cas","key":"k1","value":[1,2],"time_ns":1})"));
  EXPECT_TRUE(jsonl_line_takes_fast_path(R"({ "process" : 3 , "type" : "ok" , "value" : [ 1 , 2 ] , "time_ns" : 5 })"));
  EXPECT_TRUE(
      jsonl_line_takes_fast_path(R"({"process":6,"type":"ok","f":"read","key":"b","value":true,"time_ns":11})"));
  EXPECT_FALSE(jsonl_line_takes_fast_path(R"({"process":1,"type":"invoke","f":"read","time_ns":1,"process":2})"));
}

TEST(HistoryParseFastPath, AgreesWithTheFullReaderOnBadLines) {
  const std::vector<std::string> bad = {
      R"({"type":"invoke","f":"read","time_ns":1})",                // no process
      R"({"process":"1","type":"invoke","f":"read","time_ns":1})",  // process not an integer
      R"({"process":1,"type":"begin","f":"read","time_ns":1})",     // unknown type
      R"({"process":1,"type":"invoke","f":3,"time_ns":1})",         // f not a string
      R"({"process":1,"type":"invoke","f":"read","time_ns":1.5})",  // time not an integer
      R"({"process":1,"type":"invoke","f":"read","time_ns":01})",   // not JSON
      R"({"process":1,"type":"invoke","f":"read","time_ns":1,"version":"x"})",
      R"({"process":1,"type":"invoke","f":"read","key":[1],"time_ns":1})",
      R"({"process":1,"type":"invoke","f":"read","time_ns":1,"process":2})",  // repeated field
  };
  for (const std::string& line : bad) {
    expect_same_parse({line});
  }
}

TEST(HistoryParseFastPath, AgreesWithTheFullReaderOnAGeneratedHistory) {
  std::vector<std::string> lines;
  for (int p = 0; p < 50; ++p) {
    lines.push_back("{\"process\":" + std::to_string(p) + ",\"type\":\"invoke\",\"f\":\"write\",\"value\":" +
                    std::to_string(p * 1000003 % 97 - 40) + ",\"time_ns\":" + std::to_string(2 * p) + "}");
    lines.push_back("{\"process\":" + std::to_string(p) + ",\"type\":\"ok\",\"f\":\"write\",\"value\":" +
                    std::to_string(p * 1000003 % 97 - 40) + ",\"time_ns\":" + std::to_string(2 * p + 1) + "}");
  }
  expect_same_parse(lines);
}

}  // namespace
}  // namespace consim::checkers::lin
