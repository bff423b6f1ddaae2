#include "protocols/zab/types.h"

namespace consim::protocols::zab {

namespace {

uint64_t combine(uint64_t hash, uint64_t value) {
  hash ^= value + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
  hash *= 0xff51afd7ed558ccdULL;
  return hash ^ (hash >> 33);
}

}  // namespace

std::string ZxidLayout::describe(uint64_t zxid) const {
  return "(" + std::to_string(epoch(zxid)) + "," + std::to_string(counter(zxid)) + ")";
}

uint64_t chain_hash(uint64_t previous, uint64_t zxid, const RecordPtr& command) {
  return combine(combine(previous, zxid), command != nullptr ? command->digest() : 0);
}

}  // namespace consim::protocols::zab
