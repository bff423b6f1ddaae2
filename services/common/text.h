// Text for humans: describe() output of the services.
#pragma once

#include <string>
#include <string_view>

namespace consim::services {

// `bytes` in double quotes, with quotes, backslashes and bytes outside printable ASCII escaped
// (\n, \t, \xNN), so a description stays on one line whatever the data holds.
std::string quote(std::string_view bytes);

}  // namespace consim::services
