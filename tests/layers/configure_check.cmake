# tst_layers_configure_check (cmake -P): configuring the project with Qt6::Gui linked into a
# core library (CHAT_LAYER_SELFTEST=ON, hook in tests/layers/CMakeLists.txt) must FAIL with
# "Layer violation", while the same configure without it succeeds. Proves
# cmake/ChatLayerCheck.cmake really guards the rule.
foreach(var SOURCE_DIR SCRATCH_DIR GENERATOR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "configure_check.cmake: -D${var}=... is required")
    endif()
endforeach()

# The same options as a default build (desktop, server, tests on), so that the only
# difference between the two configures below is the deliberate violation.
set(args -S "${SOURCE_DIR}" -B "${SCRATCH_DIR}" -G "${GENERATOR}"
    -DCHAT_BUILD_TESTS=ON -DCHAT_BUILD_FUZZ=OFF)
if(CXX_COMPILER)
    list(APPEND args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()

# Control: without the violation the configure must succeed, or a failure below would prove
# nothing about the layer check.
file(REMOVE_RECURSE "${SCRATCH_DIR}")
execute_process(COMMAND "${CMAKE_COMMAND}" ${args} -DCHAT_LAYER_SELFTEST=OFF
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    file(REMOVE_RECURSE "${SCRATCH_DIR}")
    message(FATAL_ERROR "FAIL: the project does not configure even without the deliberate "
        "violation, so the layer check cannot be tested:\n${err}")
endif()

file(REMOVE_RECURSE "${SCRATCH_DIR}")
execute_process(COMMAND "${CMAKE_COMMAND}" ${args} -DCHAT_LAYER_SELFTEST=ON
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(REMOVE_RECURSE "${SCRATCH_DIR}")

if(rc EQUAL 0)
    message(FATAL_ERROR "FAIL: the configure with Qt6::Gui linked into a core library "
        "succeeded; cmake/ChatLayerCheck.cmake did not catch it.\n${out}")
endif()
if(NOT "${out}${err}" MATCHES "Layer violation: (chat_sync|chat_net) reaches Qt6::Gui")
    message(FATAL_ERROR "FAIL: the configure failed, but not with the layer check's "
        "\"Layer violation: <core> reaches Qt6::Gui\" error:\n${err}")
endif()
string(REGEX MATCH "Layer violation: [^\n]*" line "${out}${err}")
message(STATUS "PASS: configures without the violation; refused with it: ${line}")
