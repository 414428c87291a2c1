# The package test: install the built project into a fresh tree, configure the outside project
# in this folder against it with find_package(ggml), build it and run its programs.
#   cmake -DBUILD_DIR=... -DWORK_DIR=... -DSOURCE_DIR=... -DCOMPAT_DIR=... -P run.cmake

function(run_step what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "package test: ${what} failed (${rc})")
    endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/install)
run_step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/ggml.h include/ggml-cpp.h include/gguf.h lib/cmake/ggml/ggml-config.cmake)
    if(NOT EXISTS ${prefix}/${f})
        message(FATAL_ERROR "package test: ${f} is not installed")
    endif()
endforeach()
run_step("configuring the outside project" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build
         -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release
         -DCLIENT_SOURCE=${COMPAT_DIR}/compat-simple-ctx.c -DCLIENT_INCLUDE_DIR=${COMPAT_DIR})
run_step("building the outside project" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run_step("running consumer-c" ${WORK_DIR}/build/consumer-c)
run_step("running consumer-cpp" ${WORK_DIR}/build/consumer-cpp)
