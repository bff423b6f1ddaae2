# Profile-guided optimization (gcc), on in the release preset (CONSIM_PGO).
#
# The simulator's cost is spread thin over every event (the network, the event queue, the
# protocols, the host, the digest), so no one function is worth hand-tuning any more, but the
# compiler can still lay out and inline the whole path for the branches it actually takes: with
# a profile, consim and the benchmarks run 12 to 20% faster on the same code.
#
# How: at build time, a second build of the same sources in <build>/pgo/build, instrumented
# (CONSIM_PGO_GENERATE), makes `consim` and runs the training (cmake/pgo_train.cmake: every
# scenario of the library, steady loads on both protocols, short fuzz campaigns, a report) into
# <build>/pgo/profile. Every consim library is then compiled with that profile. Both builds
# strip their own directory from the profile's file names (-fprofile-prefix-path), so the one's
# objects find the other's counts.
#
# Behaviour does not change, only speed: the profile steers inlining, layout and unrolling, never
# what the code computes (and floating-point contraction stays off). CI checks this anyway: the
# trace digests of this build must equal the clang build's, which has no profile.
#
# After an edit, the instrumented build recompiles what changed and the training runs again
# (about 10 s); the main build recompiles only what changed, with the fresh profile.
option(CONSIM_PGO "Build with profile-guided optimization (gcc; trains at build time)" OFF)
set(CONSIM_PGO_GENERATE "" CACHE PATH "Internal: build instrumented for PGO, writing profiles here")

if(CONSIM_PGO_GENERATE)
  add_compile_options(-fprofile-generate=${CONSIM_PGO_GENERATE} -fprofile-update=prefer-atomic
                      -fprofile-prefix-path=${CMAKE_BINARY_DIR})
  add_link_options(-fprofile-generate=${CONSIM_PGO_GENERATE})
elseif(CONSIM_PGO)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU" OR CMAKE_CXX_COMPILER_VERSION VERSION_LESS 11)
    message(FATAL_ERROR "CONSIM_PGO needs gcc 11 or later (-fprofile-prefix-path); "
                        "this is ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}. Configure with -DCONSIM_PGO=OFF.")
  endif()
  include(ExternalProject)
  set(CONSIM_PGO_DIR ${CMAKE_BINARY_DIR}/pgo)
  ExternalProject_Add(consim_pgo_training
    SOURCE_DIR ${PROJECT_SOURCE_DIR}
    PREFIX ${CONSIM_PGO_DIR}
    BINARY_DIR ${CONSIM_PGO_DIR}/build
    CMAKE_ARGS -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
               -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
               -DCMAKE_CXX_FLAGS=${CMAKE_CXX_FLAGS}
               -DCONSIM_WERROR=${CONSIM_WERROR}
               -DCONSIM_PGO=OFF
               -DCONSIM_PGO_GENERATE=${CONSIM_PGO_DIR}/profile
               -DCONSIM_BUILD_TESTS=OFF
               -DCONSIM_BUILD_BENCH=OFF
    BUILD_COMMAND ${CMAKE_COMMAND} --build <BINARY_DIR> --target consim
    # Always asks the instrumented build whether anything changed; the training then runs only
    # when `consim` was relinked (pgo_train.cmake compares it with the last training's stamp).
    BUILD_ALWAYS ON
    INSTALL_COMMAND ${CMAKE_COMMAND} -DCONSIM=<BINARY_DIR>/cli/consim -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                    -DPROFILE_DIR=${CONSIM_PGO_DIR}/profile -DWORK_DIR=${CONSIM_PGO_DIR}/training
                    -P ${PROJECT_SOURCE_DIR}/cmake/pgo_train.cmake)
  # Objects that `consim` does not link (tests, benchmarks, test-only helpers) have no profile
  # and are compiled as without one (-fprofile-partial-training keeps them optimized for speed,
  # as is code the training did not reach), without a warning each. pgo_train.cmake checks that
  # the profile's files are named as these objects look for them.
  add_compile_options(-fprofile-use=${CONSIM_PGO_DIR}/profile -fprofile-partial-training
                      -fprofile-prefix-path=${CMAKE_BINARY_DIR} -Wno-missing-profile)
endif()
