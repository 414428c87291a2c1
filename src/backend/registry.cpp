// The process-wide list of backend registrations and devices. The CPU registration is always
// present; other devices (for example a test device) join with ggml_backend_device_register.

#include "backend/backend-impl.h"
#include "ggml-cpu.h"
#ifdef GGML_USE_VULKAN
#include "ggml-vulkan.h"
#endif

#include <cctype>
#include <mutex>
#include <vector>

namespace {

// Appends x unless already present; returns whether it was added.
template <typename T> bool push_unique(std::vector<T> & v, T x) {
    for (T y : v) if (y == x) return false;
    v.push_back(x);
    return true;
}

struct registry {
    std::vector<ggml_backend_reg_t> regs;
    std::vector<ggml_backend_dev_t> devices;

    registry() { add_builtin(); }

    void add_builtin() {
        for (ggml_backend_reg_t reg : ggml_backend_builtin_regs()) add_reg(reg);
    }

    void add_reg(ggml_backend_reg_t reg) {
        if (!push_unique(regs, reg)) return;
        for (size_t i = 0; i < ggml_backend_reg_dev_count(reg); ++i) push_unique(devices, ggml_backend_reg_dev_get(reg, i));
    }

    void remove_reg(ggml_backend_reg_t reg) {
        for (size_t i = 0; i < regs.size(); ++i) {
            if (regs[i] == reg) { regs.erase(regs.begin() + (long) i); break; }
        }
        for (size_t i = devices.size(); i-- > 0;) {
            if (devices[i]->reg == reg) devices.erase(devices.begin() + (long) i);
        }
    }
};

registry & get_registry() {
    static registry r;
    return r;
}

std::mutex g_registry_mutex;

bool equal_ignoring_case(const char * a, const char * b) {
    for (; *a && *b; ++a, ++b) {
        if (std::tolower((unsigned char) *a) != std::tolower((unsigned char) *b)) return false;
    }
    return *a == *b;
}

} // namespace

// The backends compiled into this library, in the order ggml_backend_load_all registers them.
std::vector<ggml_backend_reg_t> ggml_backend_builtin_regs() {
    std::vector<ggml_backend_reg_t> regs = {ggml_backend_cpu_reg()};
#ifdef GGML_USE_VULKAN
    regs.push_back(ggml_backend_vk_reg());
#endif
    return regs;
}

void ggml_backend_register_builtin(ggml_backend_reg_t reg) {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    get_registry().add_reg(reg);
}

void ggml_backend_unregister(ggml_backend_reg_t reg) {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    get_registry().remove_reg(reg);
}

void ggml_backend_device_register(ggml_backend_dev_t device) {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    registry & r = get_registry();
    if (device->reg) push_unique(r.regs, device->reg);
    push_unique(r.devices, device);
}

size_t ggml_backend_reg_count(void) {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    return get_registry().regs.size();
}

ggml_backend_reg_t ggml_backend_reg_get(size_t index) {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    registry & r = get_registry();
    GGML_ASSERT(index < r.regs.size());
    return r.regs[index];
}

ggml_backend_reg_t ggml_backend_reg_by_name(const char * name) {
    for (size_t i = 0; i < ggml_backend_reg_count(); ++i) {
        ggml_backend_reg_t reg = ggml_backend_reg_get(i);
        if (equal_ignoring_case(ggml_backend_reg_name(reg), name)) return reg;
    }
    return nullptr;
}

size_t ggml_backend_dev_count(void) {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    return get_registry().devices.size();
}

ggml_backend_dev_t ggml_backend_dev_get(size_t index) {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    registry & r = get_registry();
    GGML_ASSERT(index < r.devices.size());
    return r.devices[index];
}

ggml_backend_dev_t ggml_backend_dev_by_name(const char * name) {
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        if (equal_ignoring_case(ggml_backend_dev_name(dev), name)) return dev;
    }
    return nullptr;
}

ggml_backend_dev_t ggml_backend_dev_by_type(enum ggml_backend_dev_type type) {
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        if (ggml_backend_dev_type(dev) == type) return dev;
    }
    return nullptr;
}

ggml_backend_t ggml_backend_init_by_name(const char * name, const char * params) {
    ggml_backend_dev_t dev = ggml_backend_dev_by_name(name);
    return dev ? ggml_backend_dev_init(dev, params) : nullptr;
}

ggml_backend_t ggml_backend_init_by_type(enum ggml_backend_dev_type type, const char * params) {
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(type);
    return dev ? ggml_backend_dev_init(dev, params) : nullptr;
}

ggml_backend_t ggml_backend_init_best(void) {
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_GPU);
    if (!dev) dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    return dev ? ggml_backend_dev_init(dev, nullptr) : nullptr;
}
