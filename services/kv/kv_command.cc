#include "services/kv/kv_command.h"

#include <string>
#include <type_traits>

#include "services/common/hasher.h"
#include "services/common/overloaded.h"
#include "services/common/text.h"

namespace consim::services::kv {
namespace {

constexpr std::string_view kCodeNames[] = {"Ok", "CompareFailed", "LeaseNotFound", "InvalidArgument"};
constexpr std::string_view kTargetNames[] = {"value", "version", "create_revision", "mod_revision"};

std::string describe_compare(const Compare& compare) {
  const std::string expected =
      compare.target == Compare::Target::kValue ? quote(compare.value) : std::to_string(compare.number);
  return std::string(target_name(compare.target)) + "=" + expected;
}

std::string lease_suffix(LeaseId lease) { return lease == 0 ? "" : " lease=" + std::to_string(lease); }

}  // namespace

std::string_view command_name(const Command& command) {
  return std::visit(Overloaded{
                        [](const Get&) { return std::string_view("get"); },
                        [](const Put&) { return std::string_view("put"); },
                        [](const Delete&) { return std::string_view("delete"); },
                        [](const Cas&) { return std::string_view("cas"); },
                        [](const LeaseGrant&) { return std::string_view("lease_grant"); },
                        [](const LeaseKeepAlive&) { return std::string_view("lease_keep_alive"); },
                        [](const LeaseRevoke&) { return std::string_view("lease_revoke"); },
                        [](const LeaseExpire&) { return std::string_view("lease_expire"); },
                    },
                    command);
}

bool is_read(const Command& command) { return std::holds_alternative<Get>(command); }

std::string_view code_name(Code code) { return kCodeNames[static_cast<size_t>(code)]; }

std::optional<Code> code_from_name(std::string_view name) {
  for (size_t i = 0; i < std::size(kCodeNames); ++i) {
    if (kCodeNames[i] == name) {
      return static_cast<Code>(i);
    }
  }
  return std::nullopt;
}

std::string_view target_name(Compare::Target target) { return kTargetNames[static_cast<size_t>(target)]; }

std::optional<Compare::Target> target_from_name(std::string_view name) {
  for (size_t i = 0; i < std::size(kTargetNames); ++i) {
    if (kTargetNames[i] == name) {
      return static_cast<Compare::Target>(i);
    }
  }
  return std::nullopt;
}

uint64_t digest(const Command& command) {
  Hasher hasher(0x6b76'636f'6d6dULL);  // "kvcomm"
  hasher.add(command.index());
  std::visit(Overloaded{
                 [&](const Get& get) { hasher.add(get.key); },
                 [&](const Put& put) { hasher.add(put.key).add(put.value).add(put.lease); },
                 [&](const Delete& del) { hasher.add(del.key); },
                 [&](const Cas& cas) {
                   hasher.add(cas.key).add(cas.compare.target).add(cas.compare.value).add(cas.compare.number);
                   hasher.add(cas.value).add(cas.lease);
                 },
                 [&](const LeaseGrant& grant) { hasher.add(grant.ttl_ms); },
                 [&](const LeaseKeepAlive& keep_alive) { hasher.add(keep_alive.lease); },
                 [&](const LeaseRevoke& revoke) { hasher.add(revoke.lease); },
                 [&](const LeaseExpire& expire) { hasher.add(expire.lease); },
             },
             command);
  return hasher.value();
}

std::string describe(const Command& command) {
  const std::string name(command_name(command));
  return std::visit(Overloaded{
                        [&](const Get& get) { return name + " " + quote(get.key); },
                        [&](const Put& put) {
                          return name + " " + quote(put.key) + " " + quote(put.value) + lease_suffix(put.lease);
                        },
                        [&](const Delete& del) { return name + " " + quote(del.key); },
                        [&](const Cas& cas) {
                          return name + " " + quote(cas.key) + " if " + describe_compare(cas.compare) + " then " +
                                 quote(cas.value) + lease_suffix(cas.lease);
                        },
                        [&](const LeaseGrant& grant) { return name + " ttl=" + std::to_string(grant.ttl_ms) + "ms"; },
                        [&](const LeaseKeepAlive& keep_alive) { return name + " " + std::to_string(keep_alive.lease); },
                        [&](const LeaseRevoke& revoke) { return name + " " + std::to_string(revoke.lease); },
                        [&](const LeaseExpire& expire) { return name + " " + std::to_string(expire.lease); },
                    },
                    command);
}

std::string describe(const KeyValue& kv) {
  return "{" + quote(kv.key) + "=" + quote(kv.value) + " c=" + std::to_string(kv.create_revision) +
         " m=" + std::to_string(kv.mod_revision) + " v=" + std::to_string(kv.version) + lease_suffix(kv.lease) + "}";
}

std::string describe(const Response& response) {
  std::string text = std::string(code_name(response.code)) + " rev=" + std::to_string(response.revision);
  if (response.kv) {
    text += " kv=" + describe(*response.kv);
  }
  if (response.prev_kv) {
    text += " prev=" + describe(*response.prev_kv);
  }
  if (response.deleted != 0) {
    text += " deleted=" + std::to_string(response.deleted);
  }
  if (response.lease != 0) {
    text += " lease=" + std::to_string(response.lease) + " ttl=" + std::to_string(response.ttl_ms) + "ms";
  }
  if (response.expired) {
    text += " expired";
  }
  return text;
}

}  // namespace consim::services::kv
