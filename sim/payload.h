// The simulator's view of what it carries: base/payload.h, shared with the protocols.
#pragma once

#include <memory>

#include "base/payload.h"

namespace consim::sim {

using Payload = consim::Payload;
using PayloadPtr = std::shared_ptr<const Payload>;

}  // namespace consim::sim
