# Parity tests between the PyTorch scripts and the C++ programs (included from this directory's
# CMakeLists.txt). They need a Python with PyTorch and numpy, Debian's /usr/bin/python3 with
# python3-torch by default (set MNIST_PYTHON3 to use another); without PyTorch they are skipped.

if(CGML_BUILD_TESTS)
    if(EXISTS /usr/bin/python3)
        set(MNIST_PYTHON3_DEFAULT /usr/bin/python3)
    else()
        find_program(MNIST_PYTHON3_DEFAULT NAMES python3)
    endif()
    set(MNIST_PYTHON3 "${MNIST_PYTHON3_DEFAULT}" CACHE FILEPATH "Python interpreter with PyTorch for the MNIST parity tests")

    # What the C++ side computes and writes, for the tests to compare against.
    add_executable(mnist-python-helper ${CMAKE_CURRENT_LIST_DIR}/tests-python/mnist-python-helper.cpp)
    target_link_libraries(mnist-python-helper PRIVATE mnist-common)

    set(MNIST_PY_TESTS ${CMAKE_CURRENT_LIST_DIR}/tests-python)
    set(MNIST_PY_WORK  ${CMAKE_CURRENT_BINARY_DIR}/test-work/python)
    if(MNIST_PYTHON3)
        set(MNIST_PY ${MNIST_PYTHON3})
    else()
        # No interpreter at all: each test reports itself skipped.
        set(MNIST_PY sh -c "echo 'SKIPPED: no python3 found; install python3-torch'; exit 77" --)
    endif()

    add_test(NAME mnist-python-gguf-bytes
             COMMAND ${MNIST_PY} ${MNIST_PY_TESTS}/test-gguf-bytes.py $<TARGET_FILE:mnist-python-helper> ${MNIST_PY_WORK})
    set_tests_properties(mnist-python-gguf-bytes PROPERTIES LABELS "unit;mnist;python" TIMEOUT 300 SKIP_RETURN_CODE 77)

    foreach(arch fc cnn)
        add_test(NAME mnist-python-pytorch-to-cpp-${arch}
                 COMMAND ${MNIST_PY} ${MNIST_PY_TESTS}/test-pytorch-to-cpp.py ${arch} $<TARGET_FILE:mnist-eval> ${MNIST_PY_WORK})
        add_test(NAME mnist-python-cpp-to-pytorch-${arch}
                 COMMAND ${MNIST_PY} ${MNIST_PY_TESTS}/test-cpp-to-pytorch.py ${arch} $<TARGET_FILE:mnist-train>
                         $<TARGET_FILE:mnist-python-helper> ${MNIST_PY_WORK})
        set_tests_properties(mnist-python-pytorch-to-cpp-${arch} mnist-python-cpp-to-pytorch-${arch} PROPERTIES
                             LABELS "integration;mnist;python" TIMEOUT 900 SKIP_RETURN_CODE 77
                             # they share the data directory with the other MNIST integration tests
                             RESOURCE_LOCK mnist-data)
    endforeach()
endif()
