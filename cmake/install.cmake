# cmake --install: the library, the public headers and a CMake package, so that other projects
# use it as they use ggml:
#   find_package(ggml REQUIRED)
#   target_link_libraries(app PRIVATE ggml::ggml)      # or ggml::ggml-base, ggml::ggml-cpu

include(CMakePackageConfigHelpers)

set(CGML_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ggml)

install(TARGETS cgml ggml ggml-base ggml-cpu EXPORT ggml-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(CGML_INSTALL_HEADERS include/ggml.h include/ggml-alloc.h include/ggml-backend.h include/ggml-cpu.h
                         include/ggml-opt.h include/ggml-opt-augment.h include/ggml-cpp.h include/gguf.h
                         include/ggml-atomic-file.h include/ggml-escape.h)
# What the package's users must find too: the Vulkan loader when the backend is built in.
set(CGML_PACKAGE_DEPENDENCIES "")
if(CGML_HAVE_VULKAN)
    list(APPEND CGML_INSTALL_HEADERS include/ggml-vulkan.h)
    set(CGML_PACKAGE_DEPENDENCIES "find_dependency(Vulkan)")
endif()
install(FILES ${CGML_INSTALL_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT ggml-targets NAMESPACE ggml:: DESTINATION ${CGML_PACKAGE_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/ggml-config.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/ggml-config.cmake
                              INSTALL_DESTINATION ${CGML_PACKAGE_DIR}
                              PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ggml-version.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ggml-config.cmake ${CMAKE_CURRENT_BINARY_DIR}/ggml-version.cmake
        DESTINATION ${CGML_PACKAGE_DIR})
