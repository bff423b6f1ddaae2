// Text placed into HTML: the five characters HTML gives a meaning escaped, and control
// characters (but newline and tab), which have no place in a page, replaced by U+FFFD.
// The linearizability checker's timeline and the run reports both write pages.
#pragma once

#include <string>
#include <string_view>

namespace consim {

std::string html_escape(std::string_view text);

}  // namespace consim
