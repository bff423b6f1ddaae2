// The Raft log on its own (etcd's log_test.go): the up-to-date comparison (§5.4.1), appending
// after a previous entry with truncation only at a real conflict (§5.3), the conflict hint for
// fast backtracking, and compaction.
#include <gtest/gtest.h>

#include <vector>

#include "protocols/raft/log.h"
#include "tests/protocols/raft_fixture.h"

namespace consim::protocols::raft::testing {
namespace {

RaftLog log_with(const std::vector<uint64_t>& terms, uint64_t committed = 0) {
  RaftLog log;
  log.recover(SnapshotMeta{}, make_entries(terms), LogIndex{committed});
  return log;
}

std::vector<uint64_t> terms_of(const RaftLog& log) {
  std::vector<uint64_t> terms;
  for (LogIndex i = log.first_index(); i <= log.last_index(); i = i.next()) {
    terms.push_back(log.at(i).term.value);
  }
  return terms;
}

TEST(RaftLog, IsUpToDateComparesLastTermThenLength) {  // §5.4.1
  const RaftLog log = log_with({1, 2, 2});
  EXPECT_TRUE(log.is_up_to_date(LogIndex{3}, Term{2}));
  EXPECT_TRUE(log.is_up_to_date(LogIndex{4}, Term{2}));
  EXPECT_FALSE(log.is_up_to_date(LogIndex{2}, Term{2}));
  EXPECT_TRUE(log.is_up_to_date(LogIndex{1}, Term{3}));
  EXPECT_FALSE(log.is_up_to_date(LogIndex{9}, Term{1}));
}

TEST(RaftLog, FindConflictByTermSkipsWholeTerms) {  // etcd TestFindConflictByTerm
  const RaftLog log = log_with({1, 2, 2, 4, 4, 4, 4});
  struct Case {
    uint64_t index;
    uint64_t term;
    uint64_t expected;
  };
  const std::vector<Case> cases = {
      {7, 4, 7},                                   // the entry matches its term already
      {7, 3, 3},                                   // every entry of term 4 is skipped
      {7, 2, 3}, {7, 1, 1}, {2, 4, 2}, {9, 5, 7},  // beyond the log: from the last index
      {7, 0, 0},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(log.find_conflict_by_term(LogIndex{c.index}, Term{c.term}), LogIndex{c.expected})
        << "(" << c.index << ", " << c.term << ")";
  }
}

TEST(RaftLog, MaybeAppendTruncatesOnlyAtARealConflict) {  // §5.3
  RaftLog log = log_with({1, 1, 2, 2});
  // Entries it already has: nothing changes, and the last new index is the message's.
  std::vector<Entry> same = make_entries({1, 2}, LogIndex{2}, log.hash(LogIndex{1}));
  EXPECT_EQ(log.maybe_append(LogIndex{1}, Term{1}, same, false), LogIndex{3});
  EXPECT_EQ(terms_of(log), (std::vector<uint64_t>{1, 1, 2, 2}));
  EXPECT_TRUE(log.take_changes().empty());
  // A conflict at index 3: everything from there goes, then the new entries follow.
  std::vector<Entry> other = make_entries({3, 3, 3}, LogIndex{3}, log.hash(LogIndex{2}));
  EXPECT_EQ(log.maybe_append(LogIndex{2}, Term{1}, other, false), LogIndex{5});
  EXPECT_EQ(terms_of(log), (std::vector<uint64_t>{1, 1, 3, 3, 3}));
  const std::vector<LogChange> changes = log.take_changes();
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes[0].kind, LogChange::Kind::kTruncate);
  EXPECT_EQ(changes[0].index, LogIndex{2});
  // A previous entry that does not match: refused, untouched.
  EXPECT_FALSE(log.maybe_append(LogIndex{5}, Term{2}, {}, false).has_value());
  EXPECT_FALSE(log.maybe_append(LogIndex{7}, Term{3}, {}, false).has_value());
  EXPECT_EQ(log.last_index(), LogIndex{5});
}

TEST(RaftLog, ChainHashesAgreeExactlyOnEqualPrefixes) {  // Log Matching
  const RaftLog a = log_with({1, 1, 2});
  RaftLog b = log_with({1, 1, 3});
  EXPECT_EQ(a.hash(LogIndex{2}), b.hash(LogIndex{2}));
  EXPECT_NE(a.hash(LogIndex{3}), b.hash(LogIndex{3}));
}

TEST(RaftLog, CompactionKeepsTermsAtTheSnapshotAndAfter) {  // §7
  RaftLog log = log_with({1, 1, 2, 2}, 3);
  log.take_committed();
  log.compact(LogIndex{3}, make_cluster_config(3));
  EXPECT_EQ(log.snapshot().index, LogIndex{3});
  EXPECT_EQ(log.first_index(), LogIndex{4});
  EXPECT_EQ(log.term(LogIndex{3}), Term{2});
  EXPECT_FALSE(log.term(LogIndex{2}).has_value());
  EXPECT_EQ(log.term(LogIndex{4}), Term{2});
  EXPECT_TRUE(log.match_term(LogIndex{3}, Term{2}));
  // An append whose previous entry the snapshot covers continues after the snapshot.
  std::vector<Entry> entries = make_entries({1, 2, 2, 2}, LogIndex{2}, 0);
  EXPECT_EQ(log.maybe_append(LogIndex{1}, Term{1}, entries, false), LogIndex{5});
  EXPECT_EQ(log.last_index(), LogIndex{5});
}

}  // namespace
}  // namespace consim::protocols::raft::testing
