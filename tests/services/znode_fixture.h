// A znode service driven one command at a time, each at the next zxid, with its invariants
// checked after every command.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "service_test_util.h"
#include "services/znode/znode_service.h"

namespace consim::services::znode {

class ZnodeFixture : public ::testing::Test {
 protected:
  Response apply(Op op, SessionId session = 0, int64_t time_ms = 0) {
    Response response = service_.apply(Command{session, std::move(op)}, testing::at(++zxid_, time_ms));
    service_.state().check_invariants();
    return response;
  }

  // Creates a persistent node with no data; asserts it worked.
  void make(const std::string& path) { ASSERT_EQ(apply(Create{path, "", CreateMode::kPersistent}).code, Code::kOk); }

  const Znode& node(const std::string& path) const {
    static const Znode kMissing;
    const Znode* found = service_.state().tree.find(path);
    if (found == nullptr) {
      ADD_FAILURE() << "no node " << path;
      return kMissing;
    }
    return *found;
  }
  bool exists(const std::string& path) const { return service_.state().tree.find(path) != nullptr; }

  ZnodeService service_;
  uint64_t zxid_ = 0;
};

}  // namespace consim::services::znode
