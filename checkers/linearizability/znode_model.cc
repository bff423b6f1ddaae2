// The znode model (see znode_model.h for the operations, their values and the failures the
// search orders). A state is the tuple of every tracked path's node: absent, or its data and
// data version, interned by TupleStates so that equal trees have equal StateIds.
#include "checkers/linearizability/znode_model.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/assert.h"
#include "checkers/linearizability/keyed_instance.h"

namespace consim::checkers::lin {
namespace {

enum class ZKind : uint8_t { create, set, get, exists, remove, children };

// What a completed (or, for optional operations, a successful) operation observed.
enum class Observed : uint8_t { ok, no_node, node_exists, bad_version, not_empty, none };

// An ok exists: what it says about the node.
enum class Existence : uint8_t { absent, present, version };

constexpr int64_t kMaxVersion = std::numeric_limits<int32_t>::max();  // ZooKeeper's stat version is an int

std::optional<ZKind> znode_kind(std::string_view f) {
  if (f == "create") {
    return ZKind::create;
  }
  if (f == "set") {
    return ZKind::set;
  }
  if (f == "get" || f == "sync_get") {
    return ZKind::get;
  }
  if (f == "exists") {
    return ZKind::exists;
  }
  if (f == "delete") {
    return ZKind::remove;
  }
  if (f == "children") {
    return ZKind::children;
  }
  return std::nullopt;
}

bool is_read(ZKind kind) { return kind == ZKind::get || kind == ZKind::exists || kind == ZKind::children; }

// "NoNode", "NONODE", ":no-node", "NoNodeError", "KeeperException$NoNodeException" -> "nonode".
std::string normalize_error(std::string_view error) {
  std::string name;
  for (const char c : error) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  for (const std::string_view suffix : {"exception", "error"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      name.resize(name.size() - suffix.size());
    }
  }
  constexpr std::string_view kPrefix = "keeperexception";
  if (name.size() > kPrefix.size() && name.starts_with(kPrefix)) {
    name.erase(0, kPrefix.size());
  }
  return name;
}

// The failures ZooKeeper orders like writes (zab.md §b.2), for this kind of operation.
Observed failure_observed(ZKind kind, std::string_view error) {
  const std::string name = normalize_error(error);
  if (name == "nonode") {
    return Observed::no_node;
  }
  if (name == "nodeexists" && kind == ZKind::create) {
    return Observed::node_exists;
  }
  if (name == "badversion" && (kind == ZKind::set || kind == ZKind::remove)) {
    return Observed::bad_version;
  }
  if (name == "notempty" && kind == ZKind::remove) {
    return Observed::not_empty;
  }
  return Observed::none;
}

// "/a/b" -> "/a", "/a" -> "/"; "/" and keys without a leading '/' have no parent.
std::optional<std::string> parent_path(const std::string& path) {
  if (path.size() < 2 || path.front() != '/') {
    return std::nullopt;
  }
  const size_t slash = path.rfind('/');
  return slash == 0 ? std::string("/") : path.substr(0, slash);
}

std::string child_path(const std::string& parent, const std::string& name) {
  if (name.starts_with("/")) {
    return name;
  }
  return parent == "/" ? "/" + name : parent + "/" + name;
}

bool is_data(const Value& value) { return value.kind != Value::Kind::list; }

bool is_version(const Value& value) { return value.kind == Value::Kind::integer && value.integer >= 0; }

std::optional<std::string> validate_ok_output(ZKind kind, const Value& output) {
  switch (kind) {
    case ZKind::get:
      if (!is_data(output) && !(output.is_list_of(2) && is_data(output.items[0]) && is_version(output.items[1]))) {
        return "get's value must be the data or [data, version], got " + output.to_string();
      }
      break;
    case ZKind::set:
      if (!is_data(output) && !(output.is_list_of(2) && is_version(output.items[1]))) {
        return "set's ok value must be nothing, the data, or [data, new version], got " + output.to_string();
      }
      break;
    case ZKind::exists:
      if (!output.is_null() && !is_version(output) && output != Value::of(std::string("true")) &&
          output != Value::of(std::string("false"))) {
        return "exists' value must be true, false, null (absent) or the node's version, got " + output.to_string();
      }
      break;
    case ZKind::children:
      if (output.kind != Value::Kind::list ||
          !std::ranges::all_of(output.items, [](const Value& item) { return item.kind == Value::Kind::string; })) {
        return "children's value must be a list of names, got " + output.to_string();
      }
      break;
    case ZKind::create:
    case ZKind::remove:
      break;
  }
  return std::nullopt;
}

struct ZOp {
  ZKind kind = ZKind::get;
  Observed observed = Observed::ok;
  uint32_t path = 0;
  uint32_t data = 0;      // create, set: the data written; get: the data read
  int64_t version = -1;   // set, delete: the expected version; -1 = any
  int64_t reported = -1;  // get, set: the version the ok value reports; exists: the version seen; -1 = none
  Existence existence = Existence::present;
  bool impossible = false;       // an ok that no state explains (a children list naming a path twice)
  std::vector<uint32_t> listed;  // children: the listed paths, ascending
};

// A node in a state tuple: 0 when absent, otherwise (version << 32) | (data + 1).
uint64_t node_of(uint32_t version, uint32_t data) { return (uint64_t{version} << 32) | (uint64_t{data} + 1); }
uint32_t version_of(uint64_t node) { return static_cast<uint32_t>(node >> 32); }
uint32_t data_of(uint64_t node) { return static_cast<uint32_t>(node & 0xffffffffU) - 1; }

class ZnodeInstance final : public ModelInstance {
 public:
  explicit ZnodeInstance(std::span<const Operation* const> ops);

  StateId init() override {
    std::vector<uint64_t> tuple(paths_.size(), 0);
    for (const char* path : {"/", "/zookeeper"}) {
      if (const auto it = path_index_.find(path); it != path_index_.end()) {
        tuple[it->second] = node_of(0, intern_data(Value::null_value()));
      }
    }
    return states_.intern(tuple);
  }

  // No step cache: a step costs about one hash of the tuple, less than a cache lookup's upkeep.
  Step step(StateId state, uint32_t op) override {
    CONSIM_ASSERT(op < ops_.size());
    const StateId next = compute(state, ops_[op]);
    return {next != kIllegal, next == kIllegal ? state : next};
  }

  std::string describe_state(StateId state) const override;

  size_t memory_bytes() const override { return states_.memory_bytes() + fixed_bytes_; }

 private:
  uint32_t track(const std::string& path);
  uint32_t intern_data(const Value& value);
  ZOp compile(const Operation& op);
  StateId compute(StateId state, const ZOp& op);
  StateId write(StateId state, uint32_t path, uint64_t node);
  bool children_match(std::span<const uint64_t> tuple, const ZOp& op) const;
  bool any_child_present(std::span<const uint64_t> tuple, uint32_t path) const;

  static constexpr StateId kIllegal = ~StateId{0};

  std::vector<std::string> paths_;
  std::unordered_map<std::string, uint32_t> path_index_;
  std::vector<int64_t> parent_;                  // -1 when the parent is not tracked
  std::vector<std::vector<uint32_t>> children_;  // tracked children, ascending
  std::vector<Value> data_;
  std::unordered_map<std::string, uint32_t> data_ids_;
  std::vector<ZOp> ops_;
  TupleStates states_{0};
  std::vector<uint64_t> scratch_;
  size_t fixed_bytes_ = 0;
};

ZnodeInstance::ZnodeInstance(std::span<const Operation* const> ops) {
  // Every path the operations name, keys first, in order: the tuple's layout.
  for (const Operation* op : ops) {
    track(op->key);
  }
  for (const Operation* op : ops) {
    if (op->f == "children" && op->status == Status::ok) {
      for (const Value& name : op->output.items) {
        track(child_path(op->key, name.text));
      }
    }
  }
  parent_.assign(paths_.size(), -1);
  children_.resize(paths_.size());
  for (uint32_t path = 0; path < paths_.size(); ++path) {
    if (const std::optional<std::string> parent = parent_path(paths_[path])) {
      if (const auto it = path_index_.find(*parent); it != path_index_.end()) {
        parent_[path] = it->second;
        children_[it->second].push_back(path);
      }
    }
  }
  states_ = TupleStates(paths_.size());
  scratch_.resize(paths_.size());
  for (const Operation* op : ops) {
    ops_.push_back(compile(*op));
  }
  for (const std::string& path : paths_) {
    fixed_bytes_ += 2 * path.size() + 96;
  }
  fixed_bytes_ += ops_.size() * sizeof(ZOp);
}

uint32_t ZnodeInstance::track(const std::string& path) {
  const auto [it, inserted] = path_index_.emplace(path, static_cast<uint32_t>(paths_.size()));
  if (inserted) {
    paths_.push_back(path);
  }
  return it->second;
}

uint32_t ZnodeInstance::intern_data(const Value& value) {
  const auto [it, inserted] = data_ids_.emplace(value.to_string(), static_cast<uint32_t>(data_.size()));
  if (inserted) {
    CONSIM_ASSERT(data_.size() < 0xffffffffU - 1);
    data_.push_back(value);
    fixed_bytes_ += 2 * it->first.size() + 96;
  }
  return it->second;
}

ZOp ZnodeInstance::compile(const Operation& op) {
  ZOp z;
  z.kind = *znode_kind(op.f);
  z.path = path_index_.at(op.key);
  z.version = op.version;
  // An operation of unknown outcome takes part only as the success it may have been: failing,
  // it would have changed nothing, which is the same as never taking effect.
  z.observed = op.status == Status::fail ? failure_observed(z.kind, op.error) : Observed::ok;
  CONSIM_ASSERT(z.observed != Observed::none);
  if (z.kind == ZKind::create || z.kind == ZKind::set) {
    z.data = intern_data(op.input);
  }
  if (op.status != Status::ok) {
    return z;
  }
  const Value& out = op.output;
  switch (z.kind) {
    case ZKind::get:
      z.data = intern_data(out.kind == Value::Kind::list ? out.items[0] : out);
      z.reported = out.kind == Value::Kind::list ? out.items[1].integer : -1;
      break;
    case ZKind::set:
      z.reported = out.kind == Value::Kind::list ? out.items[1].integer : -1;
      break;
    case ZKind::exists:
      z.existence = out.is_null() || out == Value::of(std::string("false")) ? Existence::absent
                    : out.kind == Value::Kind::integer                      ? Existence::version
                                                                            : Existence::present;
      z.reported = out.kind == Value::Kind::integer ? out.integer : -1;
      break;
    case ZKind::children:
      for (const Value& name : out.items) {
        z.listed.push_back(path_index_.at(child_path(op.key, name.text)));
      }
      std::ranges::sort(z.listed);
      z.impossible = std::ranges::adjacent_find(z.listed) != z.listed.end();
      break;
    case ZKind::remove:
      z.impossible = op.key == "/";  // ZooKeeper refuses to delete the root
      break;
    case ZKind::create:
      break;
  }
  return z;
}

bool ZnodeInstance::any_child_present(std::span<const uint64_t> tuple, uint32_t path) const {
  return std::ranges::any_of(children_[path], [tuple](uint32_t child) { return tuple[child] != 0; });
}

bool ZnodeInstance::children_match(std::span<const uint64_t> tuple, const ZOp& op) const {
  size_t next = 0;
  for (const uint32_t child : children_[op.path]) {
    if (tuple[child] == 0) {
      continue;
    }
    if (next == op.listed.size() || op.listed[next] != child) {
      return false;
    }
    ++next;
  }
  return next == op.listed.size();
}

StateId ZnodeInstance::write(StateId state, uint32_t path, uint64_t node) {
  const std::span<const uint64_t> tuple = states_.get(state);
  scratch_.assign(tuple.begin(), tuple.end());
  scratch_[path] = node;
  return states_.intern(scratch_);
}

// ZooKeeper's checks, in its order (zab.md §b.2): NoNode, then NodeExists or BadVersion, then
// NotEmpty. A failure is legal exactly when the state makes ZooKeeper return that error.
StateId ZnodeInstance::compute(StateId state, const ZOp& op) {
  const std::span<const uint64_t> tuple = states_.get(state);
  const uint64_t node = tuple[op.path];
  const bool present = node != 0;
  const int64_t parent = parent_[op.path];
  const bool parent_may_be_present = parent < 0 || tuple[static_cast<size_t>(parent)] != 0;
  const bool parent_may_be_absent = parent < 0 || tuple[static_cast<size_t>(parent)] == 0;
  const bool version_matches = op.version == -1 || (present && op.version == version_of(node));
  if (op.impossible) {
    return kIllegal;
  }
  const auto legal_if = [state](bool legal) { return legal ? state : kIllegal; };
  switch (op.observed) {
    case Observed::no_node:
      // A create's NoNode is about its parent; the node itself is then absent too.
      return legal_if(op.kind == ZKind::create ? !present && parent_may_be_absent : !present);
    case Observed::node_exists:
      return legal_if(present);
    case Observed::bad_version:
      return legal_if(present && !version_matches);
    case Observed::not_empty:
      return legal_if(present && version_matches && (children_[op.path].empty() || any_child_present(tuple, op.path)));
    case Observed::none:
      return kIllegal;
    case Observed::ok:
      break;
  }
  switch (op.kind) {
    case ZKind::create:
      return !present && parent_may_be_present ? write(state, op.path, node_of(0, op.data)) : kIllegal;
    case ZKind::set: {
      if (!present || !version_matches) {
        return kIllegal;
      }
      // ZOOKEEPER-4743: the version wraps to 0, never to -1 ("any").
      const uint32_t version = version_of(node) == kMaxVersion ? 0 : version_of(node) + 1;
      return op.reported < 0 || op.reported == version ? write(state, op.path, node_of(version, op.data)) : kIllegal;
    }
    case ZKind::get:
      return legal_if(present && data_of(node) == op.data && (op.reported < 0 || op.reported == version_of(node)));
    case ZKind::exists:
      return legal_if(op.existence == Existence::absent    ? !present
                      : op.existence == Existence::present ? present
                                                           : present && op.reported == version_of(node));
    case ZKind::remove:
      return present && version_matches && !any_child_present(tuple, op.path) ? write(state, op.path, 0) : kIllegal;
    case ZKind::children:
      return legal_if(present && children_match(tuple, op));
  }
  return kIllegal;
}

// {/a "x" v0, /a/b 7 v2}: the present nodes, with their data and version.
std::string ZnodeInstance::describe_state(StateId state) const {
  const std::span<const uint64_t> tuple = states_.get(state);
  std::string text = "{";
  for (size_t path = 0; path < paths_.size(); ++path) {
    if (tuple[path] == 0) {
      continue;
    }
    text += (text.size() == 1 ? "" : ", ") + paths_[path] + " " + data_[data_of(tuple[path])].to_string() + " v" +
            std::to_string(version_of(tuple[path]));
  }
  return text + "}";
}

class ZnodeModel final : public Model {
 public:
  std::string_view name() const override { return "znode"; }

  std::optional<std::string> validate(const Operation& op) const override {
    const std::optional<ZKind> kind = znode_kind(op.f);
    if (!kind) {
      return "the znode model has no operation '" + op.f +
             "' (it knows create, set, get, sync_get, exists, delete, children)";
    }
    if (op.key.empty()) {
      return op.f + " needs a key: the znode's path";
    }
    if ((*kind == ZKind::create || *kind == ZKind::set) && !is_data(op.input)) {
      return "znode data must be null, an integer or a string, got " + op.input.to_string();
    }
    if ((*kind == ZKind::set || *kind == ZKind::remove) && (op.version < -1 || op.version > kMaxVersion)) {
      return "version must be -1 (any) or a stat version from 0 to " + std::to_string(kMaxVersion) + ", got " +
             std::to_string(op.version);
    }
    return op.status == Status::ok ? validate_ok_output(*kind, op.output) : std::nullopt;
  }

  // Paths are independent unless the tree links them: a children listing, or a path and its
  // parent both in the history (create needs the parent, delete needs no children).
  bool partition_by_key(const History& history) const override {
    std::unordered_set<std::string> keys;
    for (const Operation& op : history.operations) {
      if (op.f == "children") {
        return false;
      }
      keys.insert(op.key);
    }
    return std::ranges::none_of(keys, [&keys](const std::string& key) {
      const std::optional<std::string> parent = parent_path(key);
      return parent && keys.contains(*parent);
    });
  }

  Role role(const Operation& op) const override {
    const ZKind kind = *znode_kind(op.f);
    switch (op.status) {
      case Status::ok:
        return Role::required;
      case Status::fail:
        return failure_observed(kind, op.error) == Observed::none ? Role::ignored : Role::required;
      case Status::info:
      case Status::pending:
        return is_read(kind) ? Role::ignored : Role::optional;
    }
    return Role::ignored;
  }

  bool observes_only(const Operation& op) const override {
    return is_read(*znode_kind(op.f)) || op.status == Status::fail;
  }

  std::unique_ptr<ModelInstance> instantiate(std::span<const Operation* const> ops) const override {
    return std::make_unique<ZnodeInstance>(ops);
  }
};

}  // namespace

std::unique_ptr<Model> make_znode_model() { return std::make_unique<ZnodeModel>(); }

}  // namespace consim::checkers::lin
