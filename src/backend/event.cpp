// Backend events. Every backend here finishes its queued work in ggml_backend_synchronize, so
// an event only needs to remember that its point in the stream has been reached.

#include "backend/backend-impl.h"

struct ggml_backend_event {
    ggml_backend_dev_t device;
    bool               recorded;
};

ggml_backend_event_t ggml_backend_event_new(ggml_backend_dev_t device) {
    if (!device) return nullptr;
    return new ggml_backend_event{device, false};
}

void ggml_backend_event_free(ggml_backend_event_t event) { delete event; }

void ggml_backend_event_record(ggml_backend_event_t event, ggml_backend_t backend) {
    GGML_ASSERT(event && backend);
    ggml_backend_synchronize(backend);
    event->recorded = true;
}

void ggml_backend_event_synchronize(ggml_backend_event_t event) {
    GGML_ASSERT(event);
    // nothing left to wait for: recording completed the backend's work
}

void ggml_backend_event_wait(ggml_backend_t backend, ggml_backend_event_t event) {
    GGML_ASSERT(backend && event);
}
