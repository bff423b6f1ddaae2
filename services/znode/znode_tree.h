// ZooKeeper's data tree with the write operations' checks and effects (zab.md §b.1, §b.2):
// errors in ZooKeeper's check order, stats updated as DataTree does, sequential names from the
// parent's cversion, the index of ephemerals by owner, and an undo journal so that a multi can
// run its ops one after another against the running state and take them all back.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "services/znode/znode_command.h"

namespace consim::services::znode {

struct Znode {
  std::string data;
  Stat stat;                       // data_length and num_children kept up to date
  std::set<std::string> children;  // names, not paths
  bool operator==(const Znode&) const = default;
};

// Invariants (check_invariants()): every node but "/" is listed by its parent; num_children and
// data_length match; an ephemeral node has no children and is indexed under its owner, and the
// index lists nothing else.
class ZnodeTree {
 public:
  // The tree a fresh ZooKeeper has: "/", "/zookeeper", "/zookeeper/config" and
  // "/zookeeper/quota", all with zero stats.
  ZnodeTree();

  const Znode* find(std::string_view path) const;

  // Writes, at `zxid`, with the proposer's time in ms. On an error nothing changes.
  // create: BadArguments (invalid path, ephemeral without owner), NoNode (no parent),
  //         NodeExists, NoChildrenForEphemerals. Ok carries the path created and its stat.
  OpResult create(const Create& op, SessionId owner, Zxid zxid, int64_t time_ms);
  // delete: BadArguments (invalid path, "/" and the /zookeeper nodes), NoNode, BadVersion, NotEmpty.
  OpResult remove(const Delete& op, Zxid zxid);
  // set_data: BadArguments, NoNode, BadVersion. Ok carries the new stat.
  OpResult set_data(const SetData& op, Zxid zxid, int64_t time_ms);
  // check (multi only): BadArguments, NoNode, BadVersion.
  OpResult check(const Check& op) const;
  // Deletes every ephemeral of `owner` at `zxid`; returns their paths, sorted.
  std::vector<std::string> remove_ephemerals(SessionId owner, Zxid zxid);

  // A multi's transaction: every change after begin() is undone by rollback() or kept by
  // commit(). Not nested.
  void begin();
  void commit();
  void rollback();

  const std::map<std::string, Znode, std::less<>>& nodes() const { return nodes_; }
  // The paths of `owner`'s ephemerals, sorted (empty when it has none).
  std::vector<std::string> ephemerals(SessionId owner) const;

  uint64_t digest() const;
  uint64_t bytes() const;
  std::string describe() const;  // one line per node, in path order
  // Aborts (CONSIM_ASSERT) on a broken invariant. O(n): for tests and debugging.
  void check_invariants() const;

  // The data only: an open journal does not count.
  bool operator==(const ZnodeTree& other) const { return nodes_ == other.nodes_ && ephemerals_ == other.ephemerals_; }

 private:
  struct Journal {
    std::map<std::string, std::optional<Znode>> nodes;                     // before the first change
    std::map<SessionId, std::optional<std::set<std::string>>> ephemerals;  // idem
  };

  // Every change goes through these, so that the journal sees it first.
  Znode& update(const std::string& path);
  void insert(const std::string& path, Znode node);
  void erase(const std::string& path);
  void index_ephemeral(SessionId owner, const std::string& path, bool add);
  void save(const std::string& path);
  // Detaches a node (no children) from its parent at zxid and erases it.
  void unlink(const std::string& path, Zxid zxid);

  std::map<std::string, Znode, std::less<>> nodes_;
  std::map<SessionId, std::set<std::string>> ephemerals_;
  std::optional<Journal> journal_;
};

}  // namespace consim::services::znode
