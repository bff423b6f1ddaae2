// The HTML timeline (html.h): it draws every operation, marks the blocking one and the prefix,
// escapes whatever the history holds, works without a counterexample, and elides honestly.
#include <gtest/gtest.h>

#include <string>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/history_parse.h"
#include "checkers/linearizability/html.h"

namespace consim::checkers::lin {
namespace {

std::string kv_ev(int process, const std::string& type, const std::string& f, const std::string& key,
                  const std::string& value, int time_ns) {
  return R"({"process":)" + std::to_string(process) + R"(,"type":")" + type + R"(","f":")" + f + R"(","key":")" + key +
         R"(","value":)" + value + R"(,"time_ns":)" + std::to_string(time_ns) + "}\n";
}

struct Checked {
  History history;
  CheckResult result;
};

Checked check_kv(const std::string& jsonl) {
  ParsedHistory parsed = parse_history(jsonl, Format::jsonl);
  EXPECT_FALSE(parsed.error) << parsed.error->describe();
  const auto model = make_model("kv");
  EXPECT_FALSE(validate_history(parsed.history, *model));
  CheckResult result = check(parsed.history, *model);
  return {std::move(parsed.history), std::move(result)};
}

size_t count(const std::string& text, const std::string& part) {
  size_t found = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) {
    ++found;
  }
  return found;
}

// Key "a": a write of 1, then a read that saw 2 (the violation). Key "b": one write, fine.
const std::string kStaleRead = kv_ev(1, "invoke", "write", "a", "1", 0) + kv_ev(2, "invoke", "write", "b", "7", 5) +
                               kv_ev(1, "ok", "write", "a", "1", 10) + kv_ev(2, "ok", "write", "b", "7", 15) +
                               kv_ev(3, "invoke", "read", "a", "null", 20) + kv_ev(3, "ok", "read", "a", "2", 30);

TEST(HtmlTimeline, IsOneSelfContainedDocument) {
  const Checked checked = check_kv(kStaleRead);
  const std::string html = timeline_html(checked.history, checked.result, {"history.jsonl", "kv", 2000});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_EQ(count(html, "<svg"), 1u);
  EXPECT_EQ(count(html, "</svg>"), 1u);
  EXPECT_EQ(count(html, "<g "), count(html, "</g>"));
  EXPECT_EQ(count(html, "<script>"), 1u);  // the key filter, nothing else
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("http://www.w3.org/2000/svg"), html.find("http"));  // the SVG namespace, fetched by no one
}

TEST(HtmlTimeline, DrawsEveryOperationAndMarksTheViolation) {
  const Checked checked = check_kv(kStaleRead);
  ASSERT_TRUE(checked.result.counterexample);
  const std::string html = timeline_html(checked.history, checked.result, {"history.jsonl", "kv", 2000});
  EXPECT_EQ(count(html, "<g class=\"op "), 3u);
  EXPECT_EQ(count(html, " blocking\""), 1u);
  EXPECT_NE(html.find("class=\"op ok failing blocking\""), std::string::npos);  // the read of key a
  EXPECT_NE(html.find("class=\"op ok other\""), std::string::npos);             // the write of key b, dimmed
  EXPECT_NE(html.find("class=\"order\""), std::string::npos);                   // the prefix, numbered
  EXPECT_NE(html.find("not linearizable"), std::string::npos);
  EXPECT_NE(html.find("process 3 read key &quot;a&quot; -&gt; ok 2 (line 5)"), std::string::npos);
  EXPECT_NE(html.find("States reachable just before it"), std::string::npos);
  EXPECT_NE(html.find("<li><code>1</code></li>"), std::string::npos);  // the one reachable state: a holds 1
  EXPECT_NE(html.find("process 1"), std::string::npos);
  EXPECT_NE(html.find("process 2"), std::string::npos);
}

TEST(HtmlTimeline, EscapesEverythingFromTheHistory) {
  const std::string evil = R"("<script>alert('x')</script>")";
  const Checked checked =
      check_kv(kv_ev(1, "invoke", "write", "<b>k&</b>", evil, 0) + kv_ev(1, "ok", "write", "<b>k&</b>", evil, 10) +
               kv_ev(2, "invoke", "read", "<b>k&</b>", "null", 20) +
               kv_ev(2, "ok", "read", "<b>k&</b>", R"("<img src=x onerror=alert(1)>")", 30));
  ASSERT_TRUE(checked.result.counterexample);
  const std::string html = timeline_html(checked.history, checked.result, {"<title>\"quoted\"</title>", "kv", 2000});
  EXPECT_EQ(count(html, "<script>"), 1u);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>k&"), std::string::npos);
  EXPECT_EQ(html.find("<title>\""), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;k&amp;&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;title&gt;&quot;quoted&quot;&lt;/title&gt;"), std::string::npos);
}

TEST(HtmlTimeline, EscapeCoversMarkupQuotesAndControls) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(html_escape(std::string("x\0y", 3)), "x\uFFFDy");
  EXPECT_EQ(html_escape("line\nnext"), "line\nnext");
}

TEST(HtmlTimeline, ShowsALinearizableHistoryToo) {
  const Checked checked = check_kv(kv_ev(1, "invoke", "write", "a", "1", 0) + kv_ev(1, "ok", "write", "a", "1", 10) +
                                   kv_ev(2, "invoke", "read", "a", "null", 20) +
                                   kv_ev(3, "invoke", "write", "a", "5", 25) + kv_ev(2, "ok", "read", "a", "1", 30));
  ASSERT_FALSE(checked.result.counterexample);
  const std::string html = timeline_html(checked.history, checked.result, {"ok.jsonl", "kv", 2000});
  EXPECT_NE(html.find("v-linearizable\">linearizable"), std::string::npos);
  EXPECT_EQ(count(html, "<g class=\"op "), 3u);
  EXPECT_NE(html.find("class=\"op pending open\""), std::string::npos);  // open to the end
  EXPECT_EQ(html.find("blocking\""), std::string::npos);
  EXPECT_EQ(html.find("Why"), std::string::npos);
}

// `bad` writes on key "a" and a stale read of it (when `bad` > 0), then `good` writes on key "b".
std::string big_history(int bad, int good) {
  std::string text;
  int t = 0;
  for (int i = 0; i < bad; ++i, t += 10) {
    text +=
        kv_ev(1, "invoke", "write", "a", std::to_string(i), t) + kv_ev(1, "ok", "write", "a", std::to_string(i), t + 5);
  }
  if (bad > 0) {
    text += kv_ev(2, "invoke", "read", "a", "null", t) + kv_ev(2, "ok", "read", "a", "-1", t + 5);
  }
  for (int i = 0; i < good; ++i, t += 10) {
    text += kv_ev(3, "invoke", "write", "b", std::to_string(i), t + 10) +
            kv_ev(3, "ok", "write", "b", std::to_string(i), t + 15);
  }
  return text;
}

TEST(HtmlTimeline, BigHistoriesKeepTheFailingKeyAndSaySoWhenTheRestIsElided) {
  const Checked checked = check_kv(big_history(20, 300));
  ASSERT_TRUE(checked.result.counterexample);
  const std::string html = timeline_html(checked.history, checked.result, {"big.jsonl", "kv", 100});
  EXPECT_EQ(count(html, "<g class=\"op "), 21u);
  EXPECT_NE(html.find("Showing the 21 operations of the failing key &quot;a&quot; in full; the other 300"),
            std::string::npos);
  EXPECT_EQ(count(html, " blocking\""), 1u);
}

TEST(HtmlTimeline, AFailingKeyTooBigIsShownAroundTheBlockingOperation) {
  const Checked checked = check_kv(big_history(200, 10));
  ASSERT_TRUE(checked.result.counterexample);
  const std::string html = timeline_html(checked.history, checked.result, {"big.jsonl", "kv", 50});
  EXPECT_EQ(count(html, "<g class=\"op "), 50u);
  EXPECT_EQ(count(html, " blocking\""), 1u);
  EXPECT_NE(html.find("around the blocking operation"), std::string::npos);
}

TEST(HtmlTimeline, WithoutACounterexampleABigHistoryShowsItsBeginning) {
  const Checked checked = check_kv(big_history(0, 300));
  ASSERT_EQ(checked.result.verdict, Verdict::linearizable);
  const std::string html = timeline_html(checked.history, checked.result, {"big.jsonl", "kv", 100});
  EXPECT_EQ(count(html, "<g class=\"op "), 100u);
  EXPECT_NE(html.find("Showing the first 100 of 300 operations"), std::string::npos);
}

}  // namespace
}  // namespace consim::checkers::lin
