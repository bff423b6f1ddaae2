// ZooKeeper's path rules (PathUtils.validatePath) and the pieces of a path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace consim::services::znode {

// Why `path` is not a valid znode path, or "" when it is. A path starts with '/', has no empty
// component ("//"), no "." or ".." component, no trailing '/' (except "/" itself) and no ASCII
// control character (ZooKeeper also rejects some non-ASCII code points; not checked here).
std::string validate_path(std::string_view path);

// The parent path: "/a/b" -> "/a", "/a" -> "/", and for the prefix of a sequential create
// "/a/" -> "/a", "/" -> "/". Requires a path starting with '/'.
std::string_view parent_of(std::string_view path);
// The last component: "/a/b" -> "b".
std::string_view name_of(std::string_view path);

// The suffix of a sequential node: the parent's cversion as Java's String.format("%010d")
// writes it ("0000000007"; a negative cversion, after 2^31 creates, gives "-000000001").
std::string sequential_suffix(int32_t cversion);

}  // namespace consim::services::znode
