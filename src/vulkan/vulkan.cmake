# The Vulkan backend (option GGML_VULKAN): found Vulkan loader + glslc compile the GLSL compute
# shaders under shaders/ to SPIR-V at build time, embedded into the library. Without them the
# backend is left out and the build goes on (a message says why).
if(NOT GGML_VULKAN)
    return()
endif()
find_package(Vulkan QUIET)
find_program(GLSLC_EXECUTABLE glslc)
if(NOT Vulkan_FOUND OR NOT GLSLC_EXECUTABLE)
    message(WARNING "GGML_VULKAN=ON but the Vulkan loader/headers or glslc are missing: building without the Vulkan backend")
    return()
endif()

set(VK_DIR ${CMAKE_CURRENT_SOURCE_DIR}/src/vulkan)
file(GLOB VK_SHADERS CONFIGURE_DEPENDS ${VK_DIR}/shaders/*.comp)
file(GLOB VK_SHADER_INCLUDES CONFIGURE_DEPENDS ${VK_DIR}/shaders/*.glsl)
set(VK_SPV_DIR ${CMAKE_CURRENT_BINARY_DIR}/vulkan-spv)
file(MAKE_DIRECTORY ${VK_SPV_DIR})
set(VK_SPV_FILES "")
foreach(shader ${VK_SHADERS})
    get_filename_component(name ${shader} NAME_WE)
    set(spv ${VK_SPV_DIR}/${name}.spv)
    add_custom_command(OUTPUT ${spv}
        COMMAND ${GLSLC_EXECUTABLE} --target-env=vulkan1.2 -O -I ${VK_DIR}/shaders ${shader} -o ${spv}
        DEPENDS ${shader} ${VK_SHADER_INCLUDES}
        COMMENT "glslc ${name}.comp")
    list(APPEND VK_SPV_FILES ${spv})
endforeach()
string(REPLACE ";" "," VK_SPV_ARG "${VK_SPV_FILES}") # one argument on the command line
set(VK_EMBEDDED ${CMAKE_CURRENT_BINARY_DIR}/vulkan-shaders-embedded.cpp)
add_custom_command(OUTPUT ${VK_EMBEDDED}
    COMMAND ${CMAKE_COMMAND} -DSPV_FILES=${VK_SPV_ARG} -DOUTPUT=${VK_EMBEDDED} -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed-spirv.cmake
    DEPENDS ${VK_SPV_FILES} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed-spirv.cmake
    COMMENT "embedding SPIR-V shaders")

file(GLOB VK_SOURCES CONFIGURE_DEPENDS ${VK_DIR}/*.cpp)
target_sources(cgml PRIVATE ${VK_SOURCES} ${VK_EMBEDDED})
target_link_libraries(cgml PUBLIC Vulkan::Vulkan)
target_compile_definitions(cgml PUBLIC GGML_USE_VULKAN)
set(CGML_HAVE_VULKAN ON)
message(STATUS "Vulkan backend: on (glslc: ${GLSLC_EXECUTABLE})")
