# Browser tests of the web demo (examples/mnist/web) and node tests of its WebAssembly kernels,
# for the native build. Include this file after examples/mnist has been added; it does nothing
# when tests or the MNIST programs are off.
#
# mnist-web-native computes the reference probabilities; tests/run-web-tests.sh builds the page
# (scripts/build-web.sh), serves it and drives Debian's chromium with playwright-core. The test
# is skipped (exit code 77) only when emscripten or chromium is not installed.

if(EMSCRIPTEN OR NOT CGML_BUILD_TESTS OR NOT TARGET mnist-common OR NOT TARGET mnist-train)
    return()
endif()

set(MNIST_WEB_DIR ${CMAKE_CURRENT_LIST_DIR})

add_executable(mnist-web-native ${MNIST_WEB_DIR}/tests/mnist-web-native.cpp ${MNIST_WEB_DIR}/mnist-web-core.cpp)
target_include_directories(mnist-web-native PRIVATE ${MNIST_WEB_DIR})
target_link_libraries(mnist-web-native PRIVATE mnist-common)

# The page's training code timed natively, to compare with its WebAssembly build under node
# (examples/mnist/web/CMakeLists.txt, MNIST_WEB_NODE_TESTS).
add_executable(mnist-web-bench ${MNIST_WEB_DIR}/tests/mnist-web-bench.cpp ${MNIST_WEB_DIR}/mnist-web-core.cpp)
target_include_directories(mnist-web-bench PRIVATE ${MNIST_WEB_DIR})
target_link_libraries(mnist-web-bench PRIVATE mnist-common)

add_test(NAME mnist-web-browser
         COMMAND bash ${MNIST_WEB_DIR}/tests/run-web-tests.sh
                 $<TARGET_FILE:mnist-web-native> $<TARGET_FILE:mnist-train> ${CMAKE_CURRENT_BINARY_DIR}/web-test)
set_tests_properties(mnist-web-browser PROPERTIES
    LABELS "integration;web" TIMEOUT 1200 SKIP_RETURN_CODE 77 RESOURCE_LOCK mnist-data)

# The WebAssembly SIMD kernels against the plain reference loops, built for and run under node
# (tests/run-wasm-kernel-tests.sh); skipped (77) when emscripten or node is missing.
add_test(NAME wasm-kernels
         COMMAND bash ${MNIST_WEB_DIR}/tests/run-wasm-kernel-tests.sh ${CMAKE_CURRENT_BINARY_DIR}/wasm-kernels)
set_tests_properties(wasm-kernels PROPERTIES LABELS "web" TIMEOUT 1200 SKIP_RETURN_CODE 77)
