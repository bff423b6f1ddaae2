// Tests for sim/trace: the canonical JSON line, the digest over exactly the recorded records,
// subscribers, kept records and field lookups.
#include "sim/trace.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "base/time.h"
#include "sim/rng.h"
#include "sim/simulator.h"

namespace consim::sim {
namespace {

std::string canonical(SimTime time, TraceEvent event) {
  Trace trace;
  trace.keep_records(true);
  trace.emit(time, std::move(event));
  std::string line;
  append_canonical_json(trace.records().at(0), line);
  return line;
}

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(text, out);
  return out;
}

TraceEvent commit_event() {
  return TraceEvent("commit")
      .node(HostId{2})
      .add("term", int64_t{3})
      .add("index", -7)
      .add("leader", "n1")
      .add("ok", true)
      .add("stale", false);
}

TEST(Trace, CanonicalLineHasTimeNodeKindThenFieldsInOrder) {
  EXPECT_EQ(canonical(SimTime{1500}, commit_event()),
            R"({"t":1500,"node":"n3","kind":"commit","term":3,"index":-7,"leader":"n1","ok":true,"stale":false})");
}

TEST(Trace, CanonicalLineOmitsAnAbsentNode) {
  EXPECT_EQ(canonical(SimTime{0}, TraceEvent("start")), R"({"t":0,"kind":"start"})");
  EXPECT_EQ(canonical(SimTime::from_ms(2), TraceEvent("tick").add("n", 1)), R"({"t":2000000,"kind":"tick","n":1})");
}

TEST(Trace, CanonicalLinePrintsEveryIntegerOverloadExactly) {
  const uint32_t u32 = 4'000'000'000u;
  const uint64_t u64 = uint64_t{1} << 40;
  EXPECT_EQ(canonical(SimTime{-5}, TraceEvent("ints")
                                       .add("min", std::numeric_limits<int64_t>::min())
                                       .add("max", std::numeric_limits<int64_t>::max())
                                       .add("u32", u32)
                                       .add("u64", u64)
                                       .add("zero", 0)
                                       .add("peer", HostId{0})),
            R"({"t":-5,"kind":"ints","min":-9223372036854775808,"max":9223372036854775807,"u32":4000000000,)"
            R"("u64":1099511627776,"zero":0,"peer":"n1"})");
}

TEST(Trace, JsonStringsEscapeQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_string(""), R"("")");
  EXPECT_EQ(json_string("plain"), R"("plain")");
  EXPECT_EQ(json_string("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(json_string("back\\slash"), R"("back\\slash")");
  EXPECT_EQ(json_string("line\nnext"), R"("line\nnext")");
  EXPECT_EQ(json_string("tab\tcr\r"), R"("tab\tcr\r")");
  EXPECT_EQ(json_string(std::string("\x01") + "\x1f" + "\b" + "\f"), R"("\u0001\u001f\u0008\u000c")");
  EXPECT_EQ(json_string(std::string_view("nul\0end", 7)), R"("nul\u0000end")");
  // Bytes from 0x20 up, UTF-8 included, pass through unchanged.
  EXPECT_EQ(json_string("caf\xc3\xa9 ~\x7f"), "\"caf\xc3\xa9 ~\x7f\"");
  // The worst case, six characters per byte, fits; what was in the string before stays.
  std::string escaped_all = "prefix";
  for (int i = 0; i < 100; ++i) {
    escaped_all += "\\u001f";
  }
  std::string out = "prefix";
  append_json_string(std::string(100, '\x1f'), out);
  EXPECT_EQ(out, escaped_all.substr(0, 6) + "\"" + escaped_all.substr(6) + "\"");
}

TEST(Trace, CanonicalLineEscapesKindKeysAndValues) {
  EXPECT_EQ(canonical(SimTime{1}, TraceEvent("k\"ind").add("ke\\y", "va\nl\x02")),
            R"({"t":1,"kind":"k\"ind","ke\\y":"va\nl\u0002"})");
}

TEST(Trace, EmptyTraceDigestIsTheDocumentedConstant) {
  const Trace trace;
  EXPECT_EQ(trace.digest(), kEmptyTraceDigest);
  EXPECT_EQ(trace.digest(), digest_of({}));
  EXPECT_EQ(trace.count(), 0u);
}

// A pinned value guards cross-compiler agreement of the digest function itself: gcc and clang
// builds both run this test.
TEST(Trace, DigestOfAKnownRecordIsPinned) {
  Trace trace;
  trace.emit(SimTime{1500}, commit_event());
  EXPECT_EQ(format_digest(trace.digest()), format_digest(fold_record(kEmptyTraceDigest, [] {
              TraceRecord record;
              record.time = SimTime{1500};
              record.node = HostId{2};
              record.kind = "commit";
              record.fields = {{Name("term"), int64_t{3}},
                               {Name("index"), int64_t{-7}},
                               {Name("leader"), std::string("n1")},
                               {Name("ok"), true},
                               {Name("stale"), false}};
              return record;
            }())));
  EXPECT_EQ(format_digest(trace.digest()), "a7d5363864681573");
}

TEST(Trace, DigestIsTheFoldOfExactlyTheStreamedRecords) {
  Trace trace;
  std::ostringstream out;
  trace.stream_to(&out);
  trace.emit(SimTime{1500}, commit_event());
  trace.emit(SimTime{1600}, TraceEvent("quote").add("text", "a \"b\"\n"));
  trace.emit(SimTime{1600}, TraceEvent("empty"));
  trace.stream_to(nullptr);

  const std::string expected =
      R"({"t":1500,"node":"n3","kind":"commit","term":3,"index":-7,"leader":"n1","ok":true,"stale":false})"
      "\n"
      R"({"t":1600,"kind":"quote","text":"a \"b\"\n"})"
      "\n"
      R"({"t":1600,"kind":"empty"})"
      "\n";
  EXPECT_EQ(out.str(), expected);
  Trace kept;
  kept.keep_records(true);
  kept.emit(SimTime{1500}, commit_event());
  kept.emit(SimTime{1600}, TraceEvent("quote").add("text", "a \"b\"\n"));
  kept.emit(SimTime{1600}, TraceEvent("empty"));
  EXPECT_EQ(trace.digest(), digest_of(kept.records()));
  EXPECT_EQ(trace.digest(), kept.digest());
  EXPECT_EQ(trace.count(), 3u);

  // Detached: later records still count in the digest but are not written.
  const uint64_t before = trace.digest();
  trace.emit(SimTime{1700}, TraceEvent("late"));
  EXPECT_EQ(out.str(), expected);
  EXPECT_NE(trace.digest(), before);
  kept.emit(SimTime{1700}, TraceEvent("late"));
  EXPECT_EQ(trace.digest(), kept.digest());
}

TEST(Trace, DigestCoversRecordsEmittedBeforeStreamingStarted) {
  Trace trace;
  trace.emit(SimTime{1}, TraceEvent("early"));
  std::ostringstream out;
  trace.stream_to(&out);
  trace.emit(SimTime{2}, TraceEvent("later"));
  EXPECT_EQ(out.str(), "{\"t\":2,\"kind\":\"later\"}\n");
  Trace unstreamed;
  unstreamed.emit(SimTime{1}, TraceEvent("early"));
  unstreamed.emit(SimTime{2}, TraceEvent("later"));
  EXPECT_EQ(trace.digest(), unstreamed.digest());
}

TEST(Trace, DigestDependsOnOrderTimeAndContent) {
  auto digest_of = [](std::vector<std::pair<int64_t, std::string>> events) {
    Trace trace;
    for (const auto& [time, kind] : events) {
      trace.emit(SimTime{time}, TraceEvent(Name::intern(kind)));
    }
    return trace.digest();
  };
  const uint64_t base = digest_of({{1, "a"}, {2, "b"}});
  EXPECT_EQ(base, digest_of({{1, "a"}, {2, "b"}}));
  EXPECT_NE(base, digest_of({{2, "b"}, {1, "a"}}));
  EXPECT_NE(base, digest_of({{1, "a"}, {3, "b"}}));
  EXPECT_NE(base, digest_of({{1, "a"}, {2, "c"}}));
  EXPECT_NE(base, digest_of({{1, "a"}}));
}

TEST(Trace, ObserversDoNotChangeTheDigest) {
  Trace plain;
  Trace observed;
  std::ostringstream out;
  observed.stream_to(&out);
  observed.keep_records(true);
  int seen = 0;
  observed.subscribe([&](const TraceRecord&) { ++seen; });
  for (int i = 0; i < 10; ++i) {
    plain.emit(SimTime{i}, TraceEvent("e").add("i", i));
    observed.emit(SimTime{i}, TraceEvent("e").add("i", i));
  }
  EXPECT_EQ(plain.digest(), observed.digest());
  EXPECT_EQ(seen, 10);
}

// Records nobody reads are only hashed; the digest must not tell the difference, for every
// type of field (DigestOnlyEvent folds typed values, TraceEvent folds stored ones).
TEST(Trace, DigestOnlyEventsFoldExactlyLikeKeptOnes) {
  auto build = [](auto& record, int i) {
    record.node(HostId{static_cast<uint32_t>(i % 12)})
        .add("to", HostId{static_cast<uint32_t>(i * 7)})
        .add("id", static_cast<uint64_t>(i) << 40)
        .add("neg", -i)
        .add("small", static_cast<uint32_t>(i))
        .add("wide", int64_t{i} * -1000000007)
        .add("msg", std::string_view("AppendEntriesResponse").substr(0, static_cast<size_t>(i % 22)))
        .add("text", std::string(static_cast<size_t>(i), 'x'))
        .add("literal", "datagram")
        .add("flag", i % 2 == 0);
  };
  Trace hashed;
  Trace kept;
  kept.keep_records(true);
  for (int i = 0; i < 40; ++i) {
    DigestOnlyEvent digest_only("net.send");
    build(digest_only, i);
    hashed.emit(SimTime{i}, digest_only);
    TraceEvent event("net.send");
    build(event, i);
    kept.emit(SimTime{i}, std::move(event));
  }
  // A record without a node folds as one, too.
  hashed.emit(SimTime{40}, DigestOnlyEvent("timer.fire").add("tag", 1));
  kept.emit(SimTime{40}, TraceEvent("timer.fire").add("tag", 1));
  EXPECT_EQ(format_digest(hashed.digest()), format_digest(kept.digest()));
  EXPECT_EQ(format_digest(digest_of(kept.records())), format_digest(kept.digest()));
  EXPECT_EQ(hashed.count(), 41u);
}

// Simulator::record() builds a TraceEvent only for a kind someone reads, and the digest is the
// same either way.
TEST(Trace, RecordBuildsFieldsOnlyForReadKinds) {
  auto run = [](bool subscribe) {
    Simulator sim(1);
    std::vector<std::string> seen;
    if (subscribe) {
      sim.trace().subscribe([&](const TraceRecord& record) { seen.push_back(record.kind.str()); }, {"net."});
    }
    sim.record("net.send", [](auto& record) { record.node(HostId{1}).add("id", 7).add("msg", "Heartbeat"); });
    sim.record("timer.fire", [](auto& record) { record.node(HostId{0}).add("tag", 1); });
    EXPECT_EQ(seen, subscribe ? std::vector<std::string>{"net.send"} : std::vector<std::string>{});
    EXPECT_EQ(sim.trace().count(), 2u);
    return sim.trace().digest();
  };
  EXPECT_EQ(format_digest(run(false)), format_digest(run(true)));
}

TEST(Trace, SubscribersWithKindsSeeOnlyThoseKinds) {
  Simulator sim(1);
  std::vector<std::string> seen;
  EXPECT_FALSE(sim.trace().wants("raft.commit"));
  sim.trace().subscribe([&](const TraceRecord& record) { seen.push_back(record.kind.str()); }, {"raft.", "host.crash"});
  EXPECT_TRUE(sim.trace().wants("raft.commit"));
  EXPECT_TRUE(sim.trace().wants("host.crash_point"));
  EXPECT_FALSE(sim.trace().wants("net.send"));
  sim.record("net.send", [](auto& record) { record.add("id", 1); });
  sim.emit(TraceEvent("raft.commit").add("index", 3));
  sim.record("host.crash", [](auto&) {});
  sim.emit(TraceEvent("host.restart"));
  EXPECT_EQ(seen, (std::vector<std::string>{"raft.commit", "host.crash"}));
  EXPECT_EQ(sim.trace().count(), 4u);
}

TEST(Trace, SubscribersSeeEveryLaterRecordInOrder) {
  Trace trace;
  trace.emit(SimTime{1}, TraceEvent("before"));
  std::vector<std::string> first;
  std::vector<std::string> second;
  trace.subscribe(
      [&](const TraceRecord& record) { first.push_back(record.kind.str() + "@" + std::to_string(record.time.ns)); });
  trace.emit(SimTime{2}, TraceEvent("a"));
  trace.subscribe([&](const TraceRecord& record) { second.push_back(record.kind.str()); });
  trace.emit(SimTime{3}, TraceEvent("b").node(HostId{4}));
  trace.emit(SimTime{3}, TraceEvent("c"));
  EXPECT_EQ(first, (std::vector<std::string>{"a@2", "b@3", "c@3"}));
  EXPECT_EQ(second, (std::vector<std::string>{"b", "c"}));
}

TEST(Trace, KeepRecordsKeepsLaterRecordsWithTheirFields) {
  Trace trace;
  trace.emit(SimTime{1}, TraceEvent("dropped"));
  trace.keep_records(true);
  trace.emit(SimTime{1500}, commit_event());
  trace.emit(SimTime{1600}, TraceEvent("second"));
  trace.keep_records(false);
  trace.emit(SimTime{1700}, TraceEvent("not kept"));

  const std::vector<TraceRecord>& records = trace.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].kind, "commit");
  EXPECT_EQ(records[0].time, SimTime{1500});
  ASSERT_TRUE(records[0].node.has_value());
  EXPECT_EQ(records[0].node->index, 2u);
  ASSERT_EQ(records[0].fields.size(), 5u);
  EXPECT_EQ(records[0].fields[0].first, "term");
  EXPECT_EQ(records[0].fields[4].first, "stale");
  EXPECT_EQ(records[1].kind, "second");
  EXPECT_FALSE(records[1].node.has_value());
  EXPECT_EQ(trace.count(), 4u);
}

TEST(Trace, FieldLookupsFindValuesOfTheRightType) {
  Trace trace;
  trace.keep_records(true);
  trace.emit(SimTime{0}, commit_event());
  const TraceRecord& record = trace.records().at(0);

  ASSERT_NE(record.int_field("term"), nullptr);
  EXPECT_EQ(*record.int_field("term"), 3);
  ASSERT_NE(record.int_field("index"), nullptr);
  EXPECT_EQ(*record.int_field("index"), -7);
  ASSERT_NE(record.string_field("leader"), nullptr);
  EXPECT_EQ(*record.string_field("leader"), "n1");
  ASSERT_NE(record.bool_field("ok"), nullptr);
  EXPECT_TRUE(*record.bool_field("ok"));
  ASSERT_NE(record.bool_field("stale"), nullptr);
  EXPECT_FALSE(*record.bool_field("stale"));

  // Absent keys and values of another type are nullptr.
  EXPECT_EQ(record.int_field("missing"), nullptr);
  EXPECT_EQ(record.int_field("leader"), nullptr);
  EXPECT_EQ(record.string_field("term"), nullptr);
  EXPECT_EQ(record.bool_field("term"), nullptr);
  EXPECT_EQ(record.string_field("kind"), nullptr);  // kind is not a field
}

TEST(Trace, SimulatorEmitStampsTheCurrentTime) {
  Simulator sim(1);
  sim.trace().keep_records(true);
  sim.schedule_at(SimTime{250}, [&] { sim.emit(TraceEvent("fired").node(HostId{0})); });
  sim.run(10);
  sim.emit(TraceEvent("after"));
  ASSERT_EQ(sim.trace().records().size(), 2u);
  EXPECT_EQ(sim.trace().records()[0].time, SimTime{250});
  EXPECT_EQ(sim.trace().records()[1].time, SimTime{250});
  EXPECT_EQ(sim.trace().digest(), digest_of(sim.trace().records()));
}

TEST(Trace, FormatDigestGivesSixteenLowercaseHexDigits) {
  EXPECT_EQ(format_digest(0), "0000000000000000");
  EXPECT_EQ(format_digest(0xdeadbeefULL), "00000000deadbeef");
  EXPECT_EQ(format_digest(0x0123456789abcdefULL), "0123456789abcdef");
  EXPECT_EQ(format_digest(UINT64_MAX), "ffffffffffffffff");
  EXPECT_EQ(format_digest(0xcbf29ce484222325ULL), "cbf29ce484222325");
}

}  // namespace
}  // namespace consim::sim
