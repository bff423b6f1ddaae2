// 128-bit integers for exact intermediate products (clock scaling, unbiased bounded draws).
// A GNU extension on both gcc and clang; __extension__ keeps -Wpedantic quiet about it.
#pragma once

namespace consim {
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;
}  // namespace consim
