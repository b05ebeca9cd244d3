# SPDX-License-Identifier: Apache-2.0
# Builds and runs the consumer project against mquire.
#   -DMODE=install       installs the build in BUILD_DIR to a prefix, then find_package
#   -DMODE=subdirectory  add_subdirectory of SOURCE_DIR
# Other inputs: SOURCE_DIR, BUILD_DIR, WORK_DIR, CXX, GENERATOR.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()
set(args -S ${SOURCE_DIR}/tests/packaging/consumer -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release)
if(MODE STREQUAL "install")
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
  if(NOT EXISTS ${WORK_DIR}/prefix/include/mquire/mquire.hpp)
    message(FATAL_ERROR "the install holds no include/mquire/mquire.hpp")
  endif()
  run(${CMAKE_COMMAND} ${args} -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
else()
  run(${CMAKE_COMMAND} ${args} -DMQUIRE_SOURCE_DIR=${SOURCE_DIR})
endif()
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
message(STATUS "consumer: ${last_output}")
