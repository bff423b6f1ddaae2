// JSON encoding of the kv service's commands and responses (the format is in kv_command.h).
#include <string>
#include <utility>

#include "services/common/json_fields.h"
#include "services/common/overloaded.h"
#include "services/kv/kv_command.h"

namespace consim::services::kv {
namespace {

Json encode_kv(const KeyValue& kv) {
  Json json = Json::object();
  json["key"] = kv.key;
  json["value"] = kv.value;
  json["create_revision"] = kv.create_revision;
  json["mod_revision"] = kv.mod_revision;
  json["version"] = kv.version;
  if (kv.lease != 0) {
    json["lease"] = kv.lease;
  }
  return json;
}

std::optional<KeyValue> decode_kv(FieldReader& outer, std::string_view key) {
  const Json* json = outer.member(key);
  if (json == nullptr) {
    return std::nullopt;
  }
  FieldReader reader(*json, std::string(key));
  KeyValue kv;
  kv.key = reader.text("key");
  kv.value = reader.text("value");
  kv.create_revision = reader.integer("create_revision");
  kv.mod_revision = reader.integer("mod_revision");
  kv.version = reader.integer("version");
  kv.lease = reader.integer_or("lease", 0);
  const std::string error = reader.finish();
  if (!error.empty()) {
    outer.fail(error);
    return std::nullopt;
  }
  return kv;
}

void put_lease(Json& json, LeaseId lease) {
  if (lease != 0) {
    json["lease"] = lease;
  }
}

Json encode_command(const Command& command) {
  Json json = Json::object();
  json["f"] = command_name(command);
  std::visit(Overloaded{
                 [&](const Get& get) { json["key"] = get.key; },
                 [&](const Put& put) {
                   json["key"] = put.key;
                   json["value"] = put.value;
                   put_lease(json, put.lease);
                 },
                 [&](const Delete& del) { json["key"] = del.key; },
                 [&](const Cas& cas) {
                   json["key"] = cas.key;
                   json["compare"] = target_name(cas.compare.target);
                   if (cas.compare.target == Compare::Target::kValue) {
                     json["expected"] = cas.compare.value;
                   } else {
                     json["expected"] = cas.compare.number;
                   }
                   json["value"] = cas.value;
                   put_lease(json, cas.lease);
                 },
                 [&](const LeaseGrant& grant) { json["ttl_ms"] = grant.ttl_ms; },
                 [&](const LeaseKeepAlive& keep_alive) { json["lease"] = keep_alive.lease; },
                 [&](const LeaseRevoke& revoke) { json["lease"] = revoke.lease; },
                 [&](const LeaseExpire& expire) { json["lease"] = expire.lease; },
             },
             command);
  return json;
}

Cas decode_cas(FieldReader& reader) {
  Cas cas;
  cas.key = reader.text("key");
  const std::string target = reader.text("compare");
  if (const auto parsed = target_from_name(target)) {
    cas.compare.target = *parsed;
  } else if (!reader.failed()) {
    reader.fail("field \"compare\" must be one of value, version, create_revision, mod_revision");
  }
  if (cas.compare.target == Compare::Target::kValue) {
    cas.compare.value = reader.text("expected");
  } else {
    cas.compare.number = reader.integer("expected");
  }
  cas.value = reader.text("value");
  cas.lease = reader.integer_or("lease", 0);
  return cas;
}

std::optional<Command> decode_fields(FieldReader& reader) {
  const std::string f = reader.text("f");
  if (f == "get") {
    return Get{reader.text("key")};
  }
  if (f == "put") {
    Put put{reader.text("key"), reader.text("value"), 0};
    put.lease = reader.integer_or("lease", 0);
    return put;
  }
  if (f == "delete") {
    return Delete{reader.text("key")};
  }
  if (f == "cas") {
    return decode_cas(reader);
  }
  if (f == "lease_grant") {
    return LeaseGrant{reader.integer("ttl_ms")};
  }
  if (f == "lease_keep_alive") {
    return LeaseKeepAlive{reader.integer("lease")};
  }
  if (f == "lease_revoke") {
    return LeaseRevoke{reader.integer("lease")};
  }
  if (f == "lease_expire") {
    return LeaseExpire{reader.integer("lease")};
  }
  if (!reader.failed()) {
    reader.fail("unknown operation \"" + f + "\" in field \"f\"");
  }
  return std::nullopt;
}

}  // namespace

std::string encode(const Command& command) { return dump_json(encode_command(command)); }

std::string encode(const Response& response) {
  Json json = Json::object();
  json["code"] = code_name(response.code);
  json["revision"] = response.revision;
  if (response.kv) {
    json["kv"] = encode_kv(*response.kv);
  }
  if (response.prev_kv) {
    json["prev_kv"] = encode_kv(*response.prev_kv);
  }
  if (response.deleted != 0) {
    json["deleted"] = response.deleted;
  }
  if (response.lease != 0) {
    json["lease"] = response.lease;
  }
  if (response.ttl_ms != 0) {
    json["ttl_ms"] = response.ttl_ms;
  }
  if (response.expired) {
    json["expired"] = true;
  }
  return dump_json(json);
}

Decoded<Command> decode_command(std::string_view text) {
  const std::string where = "kv command";
  std::string error;
  const auto json = parse_json(text, error);
  if (!json) {
    return Decoded<Command>::failure(where + ": " + error);
  }
  FieldReader reader(*json, where);
  auto command = decode_fields(reader);
  error = reader.finish();
  if (!error.empty()) {
    return Decoded<Command>::failure(error);
  }
  return Decoded<Command>::success(std::move(*command));
}

Decoded<Response> decode_response(std::string_view text) {
  const std::string where = "kv response";
  std::string error;
  const auto json = parse_json(text, error);
  if (!json) {
    return Decoded<Response>::failure(where + ": " + error);
  }
  FieldReader reader(*json, where);
  Response response;
  const std::string code = reader.text("code");
  if (const auto parsed = code_from_name(code)) {
    response.code = *parsed;
  } else if (!reader.failed()) {
    reader.fail("unknown code \"" + code + "\" in field \"code\"");
  }
  response.revision = reader.integer("revision");
  response.kv = decode_kv(reader, "kv");
  response.prev_kv = decode_kv(reader, "prev_kv");
  response.deleted = reader.integer_or("deleted", 0);
  response.lease = reader.integer_or("lease", 0);
  response.ttl_ms = reader.integer_or("ttl_ms", 0);
  response.expired = reader.boolean_or("expired", false);
  error = reader.finish();
  if (!error.empty()) {
    return Decoded<Response>::failure(error);
  }
  return Decoded<Response>::success(std::move(response));
}

}  // namespace consim::services::kv
