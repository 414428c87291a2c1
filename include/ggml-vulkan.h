#pragma once

// The Vulkan compute backend (built with -DGGML_VULKAN=ON). Devices are registered as Vulkan0,
// Vulkan1, ... when a Vulkan 1.2 device with buffer device addresses exists; otherwise the count
// is 0 and nothing is registered.
//
//   if (ggml_backend_vk_get_device_count() > 0) {
//       ggml_backend_t gpu = ggml_backend_vk_init(0);   // or ggml_backend_init_by_name("Vulkan0", NULL)
//       ...
//   }

#include "ggml.h"
#include "ggml-backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GGML_VK_NAME "Vulkan"
#define GGML_VK_MAX_DEVICES 16

GGML_API ggml_backend_t ggml_backend_vk_init(size_t dev_num);

GGML_API bool ggml_backend_is_vk(ggml_backend_t backend);
GGML_API int  ggml_backend_vk_get_device_count(void);
GGML_API void ggml_backend_vk_get_device_description(int device, char * description, size_t description_size);
GGML_API void ggml_backend_vk_get_device_memory(int device, size_t * free, size_t * total);

GGML_API ggml_backend_buffer_type_t ggml_backend_vk_buffer_type(size_t dev_num);
// Host memory the CPU backend can use; here plain CPU memory (transfers go through staging).
GGML_API ggml_backend_buffer_type_t ggml_backend_vk_host_buffer_type(void);

GGML_API ggml_backend_reg_t ggml_backend_vk_reg(void);

#ifdef __cplusplus
}
#endif
