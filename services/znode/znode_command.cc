#include "services/znode/znode_command.h"

#include <string>

#include "services/common/hasher.h"
#include "services/common/overloaded.h"
#include "services/common/text.h"

namespace consim::services::znode {
namespace {

struct CodeName {
  Code code;
  std::string_view name;
};
constexpr CodeName kCodeNames[] = {
    {Code::kOk, "Ok"},
    {Code::kRuntimeInconsistency, "RuntimeInconsistency"},
    {Code::kBadArguments, "BadArguments"},
    {Code::kNoNode, "NoNode"},
    {Code::kBadVersion, "BadVersion"},
    {Code::kNoChildrenForEphemerals, "NoChildrenForEphemerals"},
    {Code::kNodeExists, "NodeExists"},
    {Code::kNotEmpty, "NotEmpty"},
    {Code::kSessionExpired, "SessionExpired"},
};
constexpr std::string_view kModeNames[] = {"persistent", "ephemeral", "persistent_sequential", "ephemeral_sequential"};

std::string version_suffix(int32_t version) {
  return version == kAnyVersion ? "" : " version=" + std::to_string(version);
}

void add_multi_op(Hasher& hasher, const MultiOp& op) {
  hasher.add(op.index());
  std::visit(Overloaded{
                 [&](const Create& create) { hasher.add(create.path).add(create.data).add(create.mode); },
                 [&](const Delete& del) { hasher.add(del.path).add(del.version); },
                 [&](const SetData& set) { hasher.add(set.path).add(set.data).add(set.version); },
                 [&](const Check& check) { hasher.add(check.path).add(check.version); },
             },
             op);
}

std::string describe_multi_op(const MultiOp& op) {
  const std::string name(multi_op_name(op));
  return std::visit(
      Overloaded{
          [&](const Create& create) {
            return name + " " + quote(create.path) + " " + quote(create.data) + " " +
                   std::string(mode_name(create.mode));
          },
          [&](const Delete& del) { return name + " " + quote(del.path) + version_suffix(del.version); },
          [&](const SetData& set) {
            return name + " " + quote(set.path) + " " + quote(set.data) + version_suffix(set.version);
          },
          [&](const Check& check) { return name + " " + quote(check.path) + version_suffix(check.version); },
      },
      op);
}

// The ops a multi shares with the top level, as a MultiOp (to describe them one way).
std::optional<MultiOp> as_multi_op(const Op& op) {
  if (const auto* create = std::get_if<Create>(&op)) {
    return *create;
  }
  if (const auto* del = std::get_if<Delete>(&op)) {
    return *del;
  }
  if (const auto* set = std::get_if<SetData>(&op)) {
    return *set;
  }
  return std::nullopt;
}

std::string describe_results(const std::vector<OpResult>& results) {
  std::string text = " results=[";
  for (size_t i = 0; i < results.size(); ++i) {
    const OpResult& result = results[i];
    text += (i == 0 ? "" : "; ") + std::string(code_name(result.code));
    if (!result.path.empty()) {
      text += " path=" + quote(result.path);
    }
    if (result.stat) {
      text += " stat=" + describe(*result.stat);
    }
  }
  return text + "]";
}

std::string join_quoted(const std::vector<std::string>& items) {
  std::string text = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    text += (i == 0 ? "" : " ") + quote(items[i]);
  }
  return text + "]";
}

}  // namespace

std::string_view op_name(const Op& op) {
  return std::visit(Overloaded{
                        [](const Create&) { return std::string_view("create"); },
                        [](const Delete&) { return std::string_view("delete"); },
                        [](const SetData&) { return std::string_view("set_data"); },
                        [](const GetData&) { return std::string_view("get_data"); },
                        [](const Exists&) { return std::string_view("exists"); },
                        [](const GetChildren&) { return std::string_view("get_children"); },
                        [](const Sync&) { return std::string_view("sync"); },
                        [](const Multi&) { return std::string_view("multi"); },
                        [](const CreateSession&) { return std::string_view("create_session"); },
                        [](const Touch&) { return std::string_view("touch"); },
                        [](const CloseSession&) { return std::string_view("close_session"); },
                        [](const ExpireSession&) { return std::string_view("expire_session"); },
                    },
                    op);
}

std::string_view multi_op_name(const MultiOp& op) {
  return std::visit(Overloaded{
                        [](const Create&) { return std::string_view("create"); },
                        [](const Delete&) { return std::string_view("delete"); },
                        [](const SetData&) { return std::string_view("set_data"); },
                        [](const Check&) { return std::string_view("check"); },
                    },
                    op);
}

bool is_read(const Op& op) {
  return std::holds_alternative<GetData>(op) || std::holds_alternative<Exists>(op) ||
         std::holds_alternative<GetChildren>(op);
}

std::string_view code_name(Code code) {
  for (const CodeName& entry : kCodeNames) {
    if (entry.code == code) {
      return entry.name;
    }
  }
  return "Unknown";
}

std::optional<Code> code_from_name(std::string_view name) {
  for (const CodeName& entry : kCodeNames) {
    if (entry.name == name) {
      return entry.code;
    }
  }
  return std::nullopt;
}

std::string_view mode_name(CreateMode mode) { return kModeNames[static_cast<size_t>(mode)]; }

std::optional<CreateMode> mode_from_name(std::string_view name) {
  for (size_t i = 0; i < std::size(kModeNames); ++i) {
    if (kModeNames[i] == name) {
      return static_cast<CreateMode>(i);
    }
  }
  return std::nullopt;
}

uint64_t digest(const Command& command) {
  Hasher hasher(0x7a6e'636f'6d6dULL);  // "zncomm"
  hasher.add(command.session).add(command.op.index());
  if (const auto op = as_multi_op(command.op)) {
    add_multi_op(hasher, *op);
  } else if (const auto* multi = std::get_if<Multi>(&command.op)) {
    hasher.add(multi->ops.size());
    for (const MultiOp& sub : multi->ops) {
      add_multi_op(hasher, sub);
    }
  } else {
    std::visit(
        Overloaded{
            [&](const GetData& get) { hasher.add(get.path); }, [&](const Exists& exists) { hasher.add(exists.path); },
            [&](const GetChildren& children) { hasher.add(children.path); },
            [&](const Sync& sync) { hasher.add(sync.path); },
            [&](const CreateSession& create) { hasher.add(create.timeout_ms); },
            [](const auto&) {},  // the rest carry nothing beyond the session
        },
        command.op);
  }
  return hasher.value();
}

std::string describe(const Command& command) {
  std::string text = command.session == 0 ? "" : "session " + std::to_string(command.session) + ": ";
  if (const auto op = as_multi_op(command.op)) {
    return text + describe_multi_op(*op);
  }
  text += op_name(command.op);
  std::visit(Overloaded{
                 [&](const GetData& get) { text += " " + quote(get.path); },
                 [&](const Exists& exists) { text += " " + quote(exists.path); },
                 [&](const GetChildren& children) { text += " " + quote(children.path); },
                 [&](const Sync& sync) { text += " " + quote(sync.path); },
                 [&](const Multi& multi) {
                   text += " [";
                   for (size_t i = 0; i < multi.ops.size(); ++i) {
                     text += (i == 0 ? "" : "; ") + describe_multi_op(multi.ops[i]);
                   }
                   text += "]";
                 },
                 [&](const CreateSession& create) { text += " timeout=" + std::to_string(create.timeout_ms) + "ms"; },
                 [](const auto&) {},
             },
             command.op);
  return text;
}

std::string describe(const Stat& stat) {
  return "{czxid=" + std::to_string(stat.czxid) + " mzxid=" + std::to_string(stat.mzxid) +
         " pzxid=" + std::to_string(stat.pzxid) + " ctime_ms=" + std::to_string(stat.ctime_ms) +
         " mtime_ms=" + std::to_string(stat.mtime_ms) + " version=" + std::to_string(stat.version) +
         " cversion=" + std::to_string(stat.cversion) + " aversion=" + std::to_string(stat.aversion) +
         " ephemeral_owner=" + std::to_string(stat.ephemeral_owner) +
         " data_length=" + std::to_string(stat.data_length) + " num_children=" + std::to_string(stat.num_children) +
         "}";
}

std::string describe(const Response& response) {
  std::string text = std::string(code_name(response.code)) + " zxid=" + std::to_string(response.zxid);
  if (!response.path.empty()) {
    text += " path=" + quote(response.path);
  }
  if (!response.data.empty()) {
    text += " data=" + quote(response.data);
  }
  if (response.stat) {
    text += " stat=" + describe(*response.stat);
  }
  if (!response.children.empty()) {
    text += " children=" + join_quoted(response.children);
  }
  if (!response.results.empty()) {
    text += describe_results(response.results);
  }
  if (response.session != 0) {
    text += " session=" + std::to_string(response.session) + " timeout=" + std::to_string(response.timeout_ms) + "ms";
  }
  if (response.expired) {
    text += " expired";
  }
  if (!response.deleted.empty()) {
    text += " deleted=" + join_quoted(response.deleted);
  }
  return text;
}

}  // namespace consim::services::znode
