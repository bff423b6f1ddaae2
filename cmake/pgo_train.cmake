# The training run of profile-guided optimization (cmake/pgo.cmake), as a script:
#   cmake -DCONSIM=<instrumented consim> -DSOURCE_DIR=<repository> -DPROFILE_DIR=<dir>
#         -DWORK_DIR=<scratch dir> -P cmake/pgo_train.cmake
# PROFILE_DIR is where the instrumented build was told to write (-fprofile-generate=DIR); the
# scratch directory's run outputs (about 100 MB) are removed at the end.
# It runs what users run most, so that the profile weighs the paths they take: every scenario of
# the library (both protocols, every fault), a simulated minute of steady load per protocol and
# service (the benchmarks' shape), short fuzz campaigns, and the reports of two runs. About 10 s of
# CPU (the instrumented build runs at a third of the speed).
#
# Skipped when `consim` is no newer than the last training: the profile is still its own.
# Otherwise the old profile goes first (counts would be added to it, from another binary).
foreach(variable CONSIM SOURCE_DIR PROFILE_DIR WORK_DIR)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "pgo_train.cmake: -D${variable}=... is missing")
  endif()
endforeach()

set(stamp ${PROFILE_DIR}/trained.stamp)
if(EXISTS ${stamp} AND NOT ${CONSIM} IS_NEWER_THAN ${stamp})
  return()
endif()
file(REMOVE_RECURSE ${PROFILE_DIR} ${WORK_DIR})
file(MAKE_DIRECTORY ${PROFILE_DIR} ${WORK_DIR})

# Runs consim with the given arguments. Exit 0 and 1 (a check failed: fuzz seeds may find bugs)
# are both training; anything else means the instrumented build is broken.
function(train)
  execute_process(COMMAND ${CONSIM} ${ARGN} WORKING_DIRECTORY ${WORK_DIR}
                  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result STREQUAL "0" AND NOT result STREQUAL "1")
    message(FATAL_ERROR "PGO training: `consim ${ARGN}` exited with ${result}:\n${output}")
  endif()
endfunction()

message(STATUS "PGO training: ${CONSIM}")
file(GLOB_RECURSE scenarios LIST_DIRECTORIES false ${SOURCE_DIR}/scenarios/*.json)
list(SORT scenarios)
foreach(scenario ${scenarios})
  train(run ${scenario} --explain)
endforeach()
# Per protocol and service: a simulated minute of steady load as the benchmarks run it (five
# nodes, ten clients at 100 operations per second, every check), then a short fuzz campaign.
foreach(protocol raft zab)
  foreach(service kv znode)
    set(name ${protocol}-${service}-steady)
    file(WRITE ${WORK_DIR}/${name}.json
         "{\"name\":\"pgo-${name}\",\"description\":\"PGO training (cmake/pgo_train.cmake)\",
\"protocol\":\"${protocol}\",\"service\":\"${service}\",\"nodes\":5,\"seed\":1,\"duration_ms\":60000,
\"workload\":{\"clients\":10,\"keys\":10,\"read_fraction\":0.5,\"cas_fraction\":0.1,\"rate_per_s\":100},
\"faults\":[],\"checks\":[\"invariants\",\"linearizability\",\"liveness\"]}\n")
    if(name STREQUAL "raft-kv-steady" OR name STREQUAL "zab-znode-steady")
      train(run ${WORK_DIR}/${name}.json --out ${WORK_DIR}/${name} --no-report)  # trace and history written
    else()
      train(run ${WORK_DIR}/${name}.json)
    endif()
    train(fuzz --protocol ${protocol} --service ${service} --seeds 1..60 --no-shrink --quiet --out ${WORK_DIR}/fuzz-${name})
  endforeach()
endforeach()
foreach(name raft-kv-steady zab-znode-steady)
  train(report ${WORK_DIR}/${name} --no-plots --quiet)
  train(check ${WORK_DIR}/${name}/history.jsonl)
endforeach()

# The profile of sim/simulator.cc, named as the main build's object will look for it (its path
# below the build directory, '/' as '#'): if gcc named them otherwise, every object would be
# compiled without a profile, silently (the warning is off, for tests and benchmarks).
set(expected "${PROFILE_DIR}/sim#CMakeFiles#consim_sim.dir#simulator.cc.gcda")
if(NOT EXISTS "${expected}")
  message(FATAL_ERROR "PGO training: ${CONSIM} ran but wrote no ${expected}")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
file(TOUCH ${stamp})
