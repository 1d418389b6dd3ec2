# Warnings as errors for the project's own code only; third-party headers come in as SYSTEM.
function(stagecast_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
endfunction()

# stagecast_layer(<name> SOURCES ... DEPS ...): one static library per layer folder.
function(stagecast_layer name)
  cmake_parse_arguments(L "" "" "SOURCES;DEPS" ${ARGN})
  add_library(stagecast_${name} STATIC ${L_SOURCES})
  stagecast_target_defaults(stagecast_${name})
  target_link_libraries(stagecast_${name} PUBLIC ${L_DEPS})
endfunction()
