# Link-time optimization (gcc), on in the release preset (CONSIM_LTO), for `consim` and the
# benchmarks only.
#
# An event crosses many small functions in as many files (the network, the event queue, the host,
# the protocol, the trace). Inlining across files, with the profile of cmake/pgo.cmake saying
# which calls are hot, takes about another 10% off a run (without a profile it gains nothing).
#
# Every object is compiled "fat" (-ffat-lto-objects: gcc's intermediate code and ordinary machine
# code). The executables that ask for it (consim_link_time_optimized) are optimized whole at link
# time; the test programs, of which there are many, link the ordinary code (-fno-lto), without a
# minute of link-time optimization each.
#
# The archives are written by llvm-ar, which reads no gcc intermediate code, so their symbol index
# lists what the ordinary code defines. GNU ar would index through gcc's plugin, listing symbols
# that the ordinary code inlined away; a test program that names a library twice on its link line
# would then load a member twice ("multiple definition").
option(CONSIM_LTO "Optimize consim and the benchmarks at link time (gcc; archives by llvm-ar)" OFF)

if(CONSIM_LTO)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "CONSIM_LTO needs gcc (fat LTO objects); this is ${CMAKE_CXX_COMPILER_ID}. "
                        "Configure with -DCONSIM_LTO=OFF.")
  endif()
  find_program(CONSIM_LLVM_AR NAMES llvm-ar llvm-ar-14 llvm-ar-15 llvm-ar-16)
  find_program(CONSIM_LLVM_RANLIB NAMES llvm-ranlib llvm-ranlib-14 llvm-ranlib-15 llvm-ranlib-16)
  if(NOT CONSIM_LLVM_AR OR NOT CONSIM_LLVM_RANLIB)
    message(FATAL_ERROR "CONSIM_LTO needs llvm-ar and llvm-ranlib (Debian package llvm-14; scripts/setup.sh "
                        "installs it). Configure with -DCONSIM_LTO=OFF to build without.")
  endif()
  set(CMAKE_AR ${CONSIM_LLVM_AR})
  set(CMAKE_RANLIB ${CONSIM_LLVM_RANLIB})
  add_compile_options(-flto=auto -ffat-lto-objects)
  # gcc optimizes at link time whenever the objects carry intermediate code, unless told not to:
  # every link but those of consim_link_time_optimized targets says -fno-lto (which, anywhere on
  # a command line, turns the linker plugin off: it cannot be overridden by a later -flto).
  add_link_options($<$<NOT:$<BOOL:$<TARGET_PROPERTY:CONSIM_LINK_TIME_OPTIMIZED>>>:-fno-lto>)
endif()

function(consim_link_time_optimized target)
  if(CONSIM_LTO)
    set_target_properties(${target} PROPERTIES CONSIM_LINK_TIME_OPTIMIZED ON)
    target_link_options(${target} PRIVATE -flto=auto)
    # GCC 12 reports -Wstringop-overflow and -Wstringop-overread false positives inside
    # libstdc++'s string copies once they are inlined across files (GCC bug 105651, like
    # -Wrestrict in CMakeLists.txt).
    if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      target_link_options(${target} PRIVATE -Wno-stringop-overflow -Wno-stringop-overread)
    endif()
  endif()
endfunction()
