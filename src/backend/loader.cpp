// ggml_backend_load*: registering the built-in backends by name (there are no backend libraries
// to open; see ggml-backend.h).

#include "backend/backend-impl.h"

#include <cctype>
#include <string>

// "dir/libggml-cpu.so" -> "cpu": the file name without directory, "lib", "ggml-" and extension.
static std::string backend_name_of_path(const char * path) {
    std::string name = path;
    const size_t slash = name.find_last_of("/\\");
    if (slash != std::string::npos) name = name.substr(slash + 1);
    const size_t dot = name.find('.');
    if (dot != std::string::npos) name = name.substr(0, dot);
    if (name.rfind("lib", 0) == 0) name = name.substr(3);
    if (name.rfind("ggml-", 0) == 0) name = name.substr(5);
    for (char & c : name) c = (char) std::tolower((unsigned char) c);
    return name;
}

static std::string lower(const char * s) {
    std::string r = s;
    for (char & c : r) c = (char) std::tolower((unsigned char) c);
    return r;
}

void ggml_backend_load_all(void) {
    for (ggml_backend_reg_t reg : ggml_backend_builtin_regs()) ggml_backend_register_builtin(reg);
}

void ggml_backend_load_all_from_path(const char * dir_path) {
    (void) dir_path;
    ggml_backend_load_all();
}

ggml_backend_reg_t ggml_backend_load(const char * path) {
    if (!path) {
        GGML_LOG_ERROR("ggml_backend_load: path is NULL\n");
        return nullptr;
    }
    const std::string want = backend_name_of_path(path);
    for (ggml_backend_reg_t reg : ggml_backend_builtin_regs()) {
        if (lower(ggml_backend_reg_name(reg)) == want) {
            ggml_backend_register_builtin(reg);
            return reg;
        }
    }
    GGML_LOG_ERROR("ggml_backend_load: no built-in backend named '%s' (from '%s'); backends are not loaded from files\n",
                   want.c_str(), path);
    return nullptr;
}

void ggml_backend_unload(ggml_backend_reg_t reg) {
    if (reg) ggml_backend_unregister(reg);
}
