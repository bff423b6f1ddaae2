#include "services/znode/znode_tree.h"

#include <limits>
#include <utility>

#include "base/assert.h"
#include "services/common/hasher.h"
#include "services/common/text.h"
#include "services/znode/paths.h"

namespace consim::services::znode {
namespace {

// The nodes ZooKeeper creates itself and refuses to delete (ZKDatabase.isSpecialPath).
constexpr std::string_view kSpecialPaths[] = {"/", "/zookeeper", "/zookeeper/config", "/zookeeper/quota"};

bool is_special(std::string_view path) {
  for (const std::string_view special : kSpecialPaths) {
    if (path == special) {
      return true;
    }
  }
  return false;
}

// +1 with Java's int wrap-around.
int32_t wrapping_increment(int32_t value) { return static_cast<int32_t>(static_cast<uint32_t>(value) + 1U); }

// A data version after a set: +1, wrapping, but never -1, which means "any version"
// (ZOOKEEPER-4743).
int32_t next_version(int32_t version) {
  const int32_t next = wrapping_increment(version);
  return next == kAnyVersion ? 0 : next;
}

int32_t length_of(const std::string& data) {
  CONSIM_ASSERT(data.size() <= static_cast<size_t>(std::numeric_limits<int32_t>::max()));
  return static_cast<int32_t>(data.size());
}

int32_t count_of(const std::set<std::string>& children) {
  CONSIM_ASSERT(children.size() <= static_cast<size_t>(std::numeric_limits<int32_t>::max()));
  return static_cast<int32_t>(children.size());
}

OpResult failure(Code code) { return OpResult{code, {}, std::nullopt}; }

bool version_matches(int32_t expected, const Stat& stat) { return expected == kAnyVersion || expected == stat.version; }

}  // namespace

ZnodeTree::ZnodeTree() {
  nodes_["/"].children = {"zookeeper"};
  nodes_["/zookeeper"].children = {"config", "quota"};
  nodes_["/zookeeper/config"];
  nodes_["/zookeeper/quota"];
  nodes_["/"].stat.num_children = 1;
  nodes_["/zookeeper"].stat.num_children = 2;
}

const Znode* ZnodeTree::find(std::string_view path) const {
  const auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

OpResult ZnodeTree::create(const Create& op, SessionId owner, Zxid zxid, int64_t time_ms) {
  const bool sequential = is_sequential(op.mode);
  // The client library validates a sequential path with a digit appended: "/a/" is a valid prefix.
  if (!validate_path(sequential ? op.path + "1" : op.path).empty()) {
    return failure(Code::kBadArguments);
  }
  if (is_ephemeral(op.mode) && owner == 0) {
    return failure(Code::kBadArguments);
  }
  if (!sequential && op.path == "/") {
    return failure(Code::kNodeExists);
  }
  const std::string parent_path(parent_of(op.path));
  const Znode* parent = find(parent_path);
  if (parent == nullptr) {
    return failure(Code::kNoNode);
  }
  const std::string path = sequential ? op.path + sequential_suffix(parent->stat.cversion) : op.path;
  if (find(path) != nullptr) {
    return failure(Code::kNodeExists);
  }
  if (parent->stat.ephemeral_owner != 0) {
    return failure(Code::kNoChildrenForEphemerals);
  }
  Znode node;
  node.data = op.data;
  node.stat.czxid = node.stat.mzxid = node.stat.pzxid = zxid;
  node.stat.ctime_ms = node.stat.mtime_ms = time_ms;
  node.stat.ephemeral_owner = is_ephemeral(op.mode) ? owner : 0;
  node.stat.data_length = length_of(node.data);
  const Stat stat = node.stat;
  insert(path, std::move(node));
  Znode& updated_parent = update(parent_path);
  const bool added = updated_parent.children.emplace(name_of(path)).second;
  CONSIM_ASSERT(added);
  updated_parent.stat.cversion = wrapping_increment(updated_parent.stat.cversion);
  updated_parent.stat.num_children = count_of(updated_parent.children);
  updated_parent.stat.pzxid = zxid;
  if (stat.ephemeral_owner != 0) {
    index_ephemeral(owner, path, true);
  }
  return OpResult{Code::kOk, path, stat};
}

OpResult ZnodeTree::remove(const Delete& op, Zxid zxid) {
  if (is_special(op.path)) {
    return failure(Code::kBadArguments);
  }
  // BadVersion is checked before NotEmpty (zab.md §b.2).
  if (OpResult checked = check(Check{op.path, op.version}); checked.code != Code::kOk) {
    return checked;
  }
  if (!find(op.path)->children.empty()) {
    return failure(Code::kNotEmpty);
  }
  unlink(op.path, zxid);
  return OpResult{};
}

OpResult ZnodeTree::set_data(const SetData& op, Zxid zxid, int64_t time_ms) {
  if (OpResult checked = check(Check{op.path, op.version}); checked.code != Code::kOk) {
    return checked;
  }
  Znode& updated = update(op.path);
  updated.data = op.data;
  updated.stat.version = next_version(updated.stat.version);
  updated.stat.mzxid = zxid;
  updated.stat.mtime_ms = time_ms;
  updated.stat.data_length = length_of(updated.data);
  return OpResult{Code::kOk, {}, updated.stat};
}

OpResult ZnodeTree::check(const Check& op) const {
  if (!validate_path(op.path).empty()) {
    return failure(Code::kBadArguments);
  }
  const Znode* node = find(op.path);
  if (node == nullptr) {
    return failure(Code::kNoNode);
  }
  if (!version_matches(op.version, node->stat)) {
    return failure(Code::kBadVersion);
  }
  return OpResult{};
}

std::vector<std::string> ZnodeTree::remove_ephemerals(SessionId owner, Zxid zxid) {
  std::vector<std::string> paths = ephemerals(owner);
  for (const std::string& path : paths) {
    unlink(path, zxid);
  }
  CONSIM_ASSERT(!ephemerals_.contains(owner));
  return paths;
}

std::vector<std::string> ZnodeTree::ephemerals(SessionId owner) const {
  const auto it = ephemerals_.find(owner);
  if (it == ephemerals_.end()) {
    return {};
  }
  return {it->second.begin(), it->second.end()};
}

void ZnodeTree::unlink(const std::string& path, Zxid zxid) {
  const Znode* node = find(path);
  CONSIM_ASSERT(node != nullptr);
  CONSIM_ASSERT(node->children.empty());
  const SessionId owner = node->stat.ephemeral_owner;
  erase(path);
  Znode& parent = update(std::string(parent_of(path)));
  const size_t erased = parent.children.erase(std::string(name_of(path)));
  CONSIM_ASSERT(erased == 1);
  parent.stat.num_children = count_of(parent.children);
  // DataTree.deleteNode: only a larger zxid moves pzxid. A delete leaves cversion alone.
  if (zxid > parent.stat.pzxid) {
    parent.stat.pzxid = zxid;
  }
  if (owner != 0) {
    index_ephemeral(owner, path, false);
  }
}

void ZnodeTree::begin() {
  CONSIM_ASSERT(!journal_.has_value());
  journal_.emplace();
}

void ZnodeTree::commit() {
  CONSIM_ASSERT(journal_.has_value());
  journal_.reset();
}

void ZnodeTree::rollback() {
  CONSIM_ASSERT(journal_.has_value());
  for (auto& [path, saved] : journal_->nodes) {
    if (saved) {
      nodes_.insert_or_assign(path, std::move(*saved));
    } else {
      nodes_.erase(path);
    }
  }
  for (auto& [owner, saved] : journal_->ephemerals) {
    if (saved) {
      ephemerals_.insert_or_assign(owner, std::move(*saved));
    } else {
      ephemerals_.erase(owner);
    }
  }
  journal_.reset();
}

void ZnodeTree::save(const std::string& path) {
  if (!journal_ || journal_->nodes.contains(path)) {
    return;
  }
  const auto it = nodes_.find(path);
  journal_->nodes.emplace(path, it == nodes_.end() ? std::nullopt : std::optional<Znode>(it->second));
}

Znode& ZnodeTree::update(const std::string& path) {
  save(path);
  const auto it = nodes_.find(path);
  CONSIM_ASSERT(it != nodes_.end());
  return it->second;
}

void ZnodeTree::insert(const std::string& path, Znode node) {
  save(path);
  const bool inserted = nodes_.emplace(path, std::move(node)).second;
  CONSIM_ASSERT(inserted);
}

void ZnodeTree::erase(const std::string& path) {
  save(path);
  const size_t erased = nodes_.erase(path);
  CONSIM_ASSERT(erased == 1);
}

void ZnodeTree::index_ephemeral(SessionId owner, const std::string& path, bool add) {
  CONSIM_ASSERT(owner != 0);
  if (journal_ && !journal_->ephemerals.contains(owner)) {
    const auto it = ephemerals_.find(owner);
    journal_->ephemerals.emplace(
        owner, it == ephemerals_.end() ? std::nullopt : std::optional<std::set<std::string>>(it->second));
  }
  if (add) {
    const bool inserted = ephemerals_[owner].insert(path).second;
    CONSIM_ASSERT(inserted);
    return;
  }
  const auto it = ephemerals_.find(owner);
  CONSIM_ASSERT(it != ephemerals_.end());
  const size_t erased = it->second.erase(path);
  CONSIM_ASSERT(erased == 1);
  if (it->second.empty()) {
    ephemerals_.erase(it);  // no empty sets: equal trees hold equal indexes
  }
}

uint64_t ZnodeTree::digest() const {
  Hasher hasher(0x7a6e'7472'6565ULL);  // "zntree"
  hasher.add(nodes_.size());
  for (const auto& [path, node] : nodes_) {
    const Stat& stat = node.stat;
    hasher.add(path).add(node.data);
    hasher.add(stat.czxid).add(stat.mzxid).add(stat.pzxid).add(stat.ctime_ms).add(stat.mtime_ms);
    hasher.add(stat.version).add(stat.cversion).add(stat.aversion).add(stat.ephemeral_owner);
    hasher.add(stat.data_length).add(stat.num_children);
  }
  return hasher.value();
}

uint64_t ZnodeTree::bytes() const {
  uint64_t total = 0;
  for (const auto& [path, node] : nodes_) {
    total += path.size() + node.data.size() + 60;  // ZooKeeper's serialized StatPersisted is 60 bytes
  }
  return total;
}

std::string ZnodeTree::describe() const {
  std::string text;
  for (const auto& [path, node] : nodes_) {
    text += "  " + path + " " + quote(node.data) + " " + znode::describe(node.stat) + "\n";
  }
  return text;
}

void ZnodeTree::check_invariants() const {
  CONSIM_ASSERT(!journal_.has_value());
  CONSIM_ASSERT(nodes_.contains("/"));
  size_t ephemeral_count = 0;
  for (const auto& [path, node] : nodes_) {
    CONSIM_ASSERT(validate_path(path).empty());
    CONSIM_ASSERT(node.stat.data_length == length_of(node.data));
    CONSIM_ASSERT(node.stat.num_children == count_of(node.children));
    for (const std::string& child : node.children) {
      CONSIM_ASSERT(nodes_.contains((path == "/" ? "/" : path + "/") + child));
    }
    if (path != "/") {
      const Znode* parent = find(parent_of(path));
      CONSIM_ASSERT(parent != nullptr);
      CONSIM_ASSERT(parent->children.contains(std::string(name_of(path))));
    }
    if (node.stat.ephemeral_owner != 0) {
      ++ephemeral_count;
      CONSIM_ASSERT(node.children.empty());
      const auto owned = ephemerals_.find(node.stat.ephemeral_owner);
      CONSIM_ASSERT(owned != ephemerals_.end());
      CONSIM_ASSERT(owned->second.contains(path));
    }
  }
  size_t indexed = 0;
  for (const auto& entry : ephemerals_) {
    CONSIM_ASSERT(!entry.second.empty());
    indexed += entry.second.size();
  }
  CONSIM_ASSERT(indexed == ephemeral_count);
}

}  // namespace consim::services::znode
