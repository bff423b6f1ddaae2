// JSON encoding of the znode service's commands and responses (the format is in znode_command.h).
#include <string>
#include <utility>

#include "services/common/json_fields.h"
#include "services/common/overloaded.h"
#include "services/znode/znode_command.h"

namespace consim::services::znode {
namespace {

void put_version(Json& json, int32_t version) {
  if (version != kAnyVersion) {
    json["version"] = version;
  }
}

Json encode_multi_op(const MultiOp& op) {
  Json json = Json::object();
  json["f"] = multi_op_name(op);
  std::visit(Overloaded{
                 [&](const Create& create) {
                   json["path"] = create.path;
                   json["data"] = create.data;
                   json["mode"] = mode_name(create.mode);
                 },
                 [&](const Delete& del) {
                   json["path"] = del.path;
                   put_version(json, del.version);
                 },
                 [&](const SetData& set) {
                   json["path"] = set.path;
                   json["data"] = set.data;
                   put_version(json, set.version);
                 },
                 [&](const Check& check) {
                   json["path"] = check.path;
                   put_version(json, check.version);
                 },
             },
             op);
  return json;
}

Json encode_stat(const Stat& stat) {
  Json json = Json::object();
  json["czxid"] = stat.czxid;
  json["mzxid"] = stat.mzxid;
  json["pzxid"] = stat.pzxid;
  json["ctime_ms"] = stat.ctime_ms;
  json["mtime_ms"] = stat.mtime_ms;
  json["version"] = stat.version;
  json["cversion"] = stat.cversion;
  json["aversion"] = stat.aversion;
  json["ephemeral_owner"] = stat.ephemeral_owner;
  json["data_length"] = stat.data_length;
  json["num_children"] = stat.num_children;
  return json;
}

// Reads a nested object with its own reader; its error goes to `outer`, prefixed with `where`.
template <typename T, typename Read>
std::optional<T> read_nested(FieldReader& outer, const Json& json, const std::string& where, Read read) {
  FieldReader reader(json, where);
  T value = read(reader);
  const std::string error = reader.finish();
  if (!error.empty()) {
    outer.fail(error);
    return std::nullopt;
  }
  return value;
}

Stat read_stat(FieldReader& reader) {
  Stat stat;
  stat.czxid = reader.integer("czxid");
  stat.mzxid = reader.integer("mzxid");
  stat.pzxid = reader.integer("pzxid");
  stat.ctime_ms = reader.integer("ctime_ms");
  stat.mtime_ms = reader.integer("mtime_ms");
  stat.version = reader.int32_or("version", 0);
  stat.cversion = reader.int32_or("cversion", 0);
  stat.aversion = reader.int32_or("aversion", 0);
  stat.ephemeral_owner = reader.integer("ephemeral_owner");
  stat.data_length = reader.int32_or("data_length", 0);
  stat.num_children = reader.int32_or("num_children", 0);
  return stat;
}

std::optional<Stat> decode_stat(FieldReader& outer, std::string_view key) {
  const Json* json = outer.member(key);
  if (json == nullptr) {
    return std::nullopt;
  }
  return read_nested<Stat>(outer, *json, std::string(key), read_stat);
}

CreateMode read_mode(FieldReader& reader) {
  const std::string mode = reader.text_or("mode", "persistent");
  if (const auto parsed = mode_from_name(mode)) {
    return *parsed;
  }
  reader.fail("field \"mode\" must be one of persistent, ephemeral, persistent_sequential, ephemeral_sequential");
  return CreateMode::kPersistent;
}

// A multi op (and the same ops at the top level): nullopt when `f` names none of them.
std::optional<MultiOp> read_multi_op(FieldReader& reader, const std::string& f) {
  if (f == "create") {
    Create create{reader.text("path"), reader.text_or("data", ""), CreateMode::kPersistent};
    create.mode = read_mode(reader);
    return create;
  }
  if (f == "delete") {
    return Delete{reader.text("path"), reader.int32_or("version", kAnyVersion)};
  }
  if (f == "set_data") {
    SetData set{reader.text("path"), reader.text_or("data", ""), kAnyVersion};
    set.version = reader.int32_or("version", kAnyVersion);
    return set;
  }
  if (f == "check") {
    return Check{reader.text("path"), reader.int32_or("version", kAnyVersion)};
  }
  return std::nullopt;
}

Multi read_multi(FieldReader& reader) {
  Multi multi;
  const Json* ops = reader.member("ops");
  if (ops == nullptr || !ops->is_array()) {
    reader.fail("field \"ops\" must be an array of operations");
    return multi;
  }
  for (size_t i = 0; i < ops->size() && !reader.failed(); ++i) {
    const std::string where = "ops[" + std::to_string(i) + "]";
    auto op = read_nested<std::optional<MultiOp>>(reader, (*ops)[i], where, [](FieldReader& sub) {
      const std::string f = sub.text("f");
      auto parsed = read_multi_op(sub, f);
      if (!parsed && !sub.failed()) {
        sub.fail("field \"f\" must be one of create, delete, set_data, check");
      }
      return parsed;
    });
    if (op && *op) {
      multi.ops.push_back(std::move(**op));
    }
  }
  return multi;
}

std::optional<Op> read_op(FieldReader& reader) {
  const std::string f = reader.text("f");
  if (f == "check") {
    reader.fail("\"check\" is only allowed inside a multi");
    return std::nullopt;
  }
  if (auto op = read_multi_op(reader, f)) {
    return std::visit(Overloaded{
                          [](Check&&) -> Op { return {}; },  // excluded above
                          [](auto&& sub) -> Op { return std::move(sub); },
                      },
                      std::move(*op));
  }
  if (f == "get_data") {
    return GetData{reader.text("path")};
  }
  if (f == "exists") {
    return Exists{reader.text("path")};
  }
  if (f == "get_children") {
    return GetChildren{reader.text("path")};
  }
  if (f == "sync") {
    return Sync{reader.text("path")};
  }
  if (f == "multi") {
    return read_multi(reader);
  }
  if (f == "create_session") {
    return CreateSession{reader.integer("timeout_ms")};
  }
  if (f == "touch") {
    return Touch{};
  }
  if (f == "close_session") {
    return CloseSession{};
  }
  if (f == "expire_session") {
    return ExpireSession{};
  }
  if (!reader.failed()) {
    reader.fail("unknown operation \"" + f + "\" in field \"f\"");
  }
  return std::nullopt;
}

std::vector<std::string> read_strings(FieldReader& reader, std::string_view key) {
  std::vector<std::string> items;
  const Json* json = reader.member(key);
  if (json == nullptr) {
    return items;
  }
  if (!json->is_array()) {
    reader.fail("field \"" + std::string(key) + "\" must be an array of strings");
    return items;
  }
  for (const Json& item : *json) {
    if (!item.is_string()) {
      reader.fail("field \"" + std::string(key) + "\" must be an array of strings");
      return {};
    }
    items.push_back(item.get<std::string>());
  }
  return items;
}

Code read_code(FieldReader& reader) {
  const std::string code = reader.text("code");
  if (const auto parsed = code_from_name(code)) {
    return *parsed;
  }
  if (!reader.failed()) {
    reader.fail("unknown code \"" + code + "\" in field \"code\"");
  }
  return Code::kOk;
}

std::vector<OpResult> read_results(FieldReader& reader) {
  std::vector<OpResult> results;
  const Json* json = reader.member("results");
  if (json == nullptr) {
    return results;
  }
  if (!json->is_array()) {
    reader.fail("field \"results\" must be an array");
    return results;
  }
  for (size_t i = 0; i < json->size() && !reader.failed(); ++i) {
    auto result = read_nested<OpResult>(reader, (*json)[i], "results[" + std::to_string(i) + "]", [](FieldReader& sub) {
      OpResult item;
      item.code = read_code(sub);
      item.path = sub.text_or("path", "");
      item.stat = decode_stat(sub, "stat");
      return item;
    });
    if (result) {
      results.push_back(std::move(*result));
    }
  }
  return results;
}

Response read_response(FieldReader& reader) {
  Response response;
  response.code = read_code(reader);
  response.zxid = reader.integer("zxid");
  response.path = reader.text_or("path", "");
  response.data = reader.text_or("data", "");
  response.stat = decode_stat(reader, "stat");
  response.children = read_strings(reader, "children");
  response.results = read_results(reader);
  response.session = reader.integer_or("session", 0);
  response.timeout_ms = reader.integer_or("timeout_ms", 0);
  response.expired = reader.boolean_or("expired", false);
  response.deleted = read_strings(reader, "deleted");
  return response;
}

}  // namespace

std::string encode(const Command& command) {
  Json json = Json::object();
  json["f"] = op_name(command.op);
  if (command.session != 0) {
    json["session"] = command.session;
  }
  std::visit(Overloaded{
                 [&](const Create& create) { json.update(encode_multi_op(create)); },
                 [&](const Delete& del) { json.update(encode_multi_op(del)); },
                 [&](const SetData& set) { json.update(encode_multi_op(set)); },
                 [&](const GetData& get) { json["path"] = get.path; },
                 [&](const Exists& exists) { json["path"] = exists.path; },
                 [&](const GetChildren& children) { json["path"] = children.path; },
                 [&](const Sync& sync) { json["path"] = sync.path; },
                 [&](const Multi& multi) {
                   Json ops = Json::array();
                   for (const MultiOp& op : multi.ops) {
                     ops.push_back(encode_multi_op(op));
                   }
                   json["ops"] = std::move(ops);
                 },
                 [&](const CreateSession& create) { json["timeout_ms"] = create.timeout_ms; },
                 [](const auto&) {},
             },
             command.op);
  return dump_json(json);
}

std::string encode(const Response& response) {
  Json json = Json::object();
  json["code"] = code_name(response.code);
  json["zxid"] = response.zxid;
  if (!response.path.empty()) {
    json["path"] = response.path;
  }
  if (!response.data.empty()) {
    json["data"] = response.data;
  }
  if (response.stat) {
    json["stat"] = encode_stat(*response.stat);
  }
  if (!response.children.empty()) {
    json["children"] = response.children;
  }
  if (!response.results.empty()) {
    Json results = Json::array();
    for (const OpResult& result : response.results) {
      Json item = Json::object();
      item["code"] = code_name(result.code);
      if (!result.path.empty()) {
        item["path"] = result.path;
      }
      if (result.stat) {
        item["stat"] = encode_stat(*result.stat);
      }
      results.push_back(std::move(item));
    }
    json["results"] = std::move(results);
  }
  if (response.session != 0) {
    json["session"] = response.session;
  }
  if (response.timeout_ms != 0) {
    json["timeout_ms"] = response.timeout_ms;
  }
  if (response.expired) {
    json["expired"] = true;
  }
  if (!response.deleted.empty()) {
    json["deleted"] = response.deleted;
  }
  return dump_json(json);
}

Decoded<Command> decode_command(std::string_view text) {
  const std::string where = "znode command";
  std::string error;
  const auto json = parse_json(text, error);
  if (!json) {
    return Decoded<Command>::failure(where + ": " + error);
  }
  FieldReader reader(*json, where);
  Command command;
  command.session = reader.integer_or("session", 0);
  auto op = read_op(reader);
  error = reader.finish();
  if (!error.empty()) {
    return Decoded<Command>::failure(error);
  }
  command.op = std::move(*op);
  return Decoded<Command>::success(std::move(command));
}

Decoded<Response> decode_response(std::string_view text) {
  const std::string where = "znode response";
  std::string error;
  const auto json = parse_json(text, error);
  if (!json) {
    return Decoded<Response>::failure(where + ": " + error);
  }
  FieldReader reader(*json, where);
  Response response = read_response(reader);
  error = reader.finish();
  if (!error.empty()) {
    return Decoded<Response>::failure(error);
  }
  return Decoded<Response>::success(std::move(response));
}

}  // namespace consim::services::znode
