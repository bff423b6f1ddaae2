# consim_library(NAME SOURCES... [DEPS ...]) defines consim_NAME with the alias consim::NAME.
# Every folder's headers are included by path from the repository root: #include "sim/world.h".
function(consim_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(ARG_SOURCES)
    add_library(consim_${name} STATIC ${ARG_SOURCES})
    target_include_directories(consim_${name} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(consim_${name} PUBLIC ${ARG_DEPS})
    consim_after_pgo_training(consim_${name})
  else()
    add_library(consim_${name} INTERFACE)
    target_include_directories(consim_${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(consim_${name} INTERFACE ${ARG_DEPS})
  endif()
  add_library(consim::${name} ALIAS consim_${name})
endfunction()

# With CONSIM_PGO, `target`'s objects are compiled with the profile: only after the training
# (cmake/pgo.cmake) has written it.
function(consim_after_pgo_training target)
  if(TARGET consim_pgo_training)
    add_dependencies(${target} consim_pgo_training)
  endif()
endfunction()
