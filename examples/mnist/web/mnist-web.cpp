// The functions the web page and its training worker call (exported from the WebAssembly module).
//
// Buffers are passed as pointers into the module's memory (allocate them with _malloc from
// JavaScript). Functions returning int use -1 for failure; web_last_error() then says why.
//
//   page:   web_load_model(gguf bytes) -> slot; web_predict(slot, pixels, probs);
//           web_set_test_set(idx images, idx labels); web_random_test_index(); web_test_image(i, pixels)
//   worker: web_set_train_set(...); web_train_start(...); web_train_epoch(); web_train_test_accuracy(n);
//           web_train_save() -> pointer to GGUF bytes of web_train_saved_size() bytes

#include "mnist-web-core.h"

#include <emscripten.h>

#include <cstdio>
#include <random>

// Progress reports go to functions the JavaScript side sets on the module object.
EM_JS(void, js_on_batch, (int train, int ibatch, int nbatch, double loss, double accuracy), {
    if (Module.onBatch) Module.onBatch(!!train, ibatch, nbatch, loss, accuracy);
});
EM_JS(void, js_on_snapshot, (const uint8_t * data, int size), {
    if (Module.onSnapshot) Module.onSnapshot(HEAPU8.slice(data, data + size));
});

namespace {

enum { SLOT_FC = 0, SLOT_CNN = 1, N_SLOTS = 2 };

std::string         g_error;
mnist_web_predictor g_models[N_SLOTS];
mnist_web_set       g_test;
mnist_web_set       g_train;
mnist_web_trainer   g_trainer;
std::vector<uint8_t> g_saved;
std::mt19937        g_rng(12345);
int                 g_snapshot_every = 0;
// When the last snapshot was sent (emscripten_get_now, ms; negative: none yet in this run): after
// the first, at most one per SNAPSHOT_MIN_MS. Each one stops the training threads while the
// weights are saved, and the page loads them on its own thread: at every 5000 images, a
// 60000-image FC epoch lost about 10% to its 12 snapshots.
double              g_last_snapshot_ms = -1;
constexpr double    SNAPSHOT_MIN_MS = 1000;
double              g_epoch_loss = 0.0, g_epoch_accuracy = 0.0;

bool write_file(const char * fname, const uint8_t * data, int size) {
    FILE * f = fopen(fname, "wb");
    if (!f) return false;
    const bool ok = fwrite(data, 1, size, f) == (size_t) size;
    return fclose(f) == 0 && ok;
}

bool read_file(const char * fname, std::vector<uint8_t> & out) {
    FILE * f = fopen(fname, "rb");
    if (!f) return false;
    out.clear();
    uint8_t buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.insert(out.end(), buf, buf + n);
    fclose(f);
    return true;
}

bool save_trained() {
    const char * fname = "/tmp/trained.gguf";
    return g_trainer.save(fname, g_error) && read_file(fname, g_saved);
}

void on_batch(void *, bool train, int64_t ibatch, int64_t nbatch, double loss, double accuracy) {
    js_on_batch(train, (int) ibatch, (int) nbatch, loss, accuracy);
    // A recent copy of the weights lets the page keep the progress when the worker is stopped.
    if (train && g_snapshot_every > 0 && ibatch % g_snapshot_every == 0 && ibatch < nbatch &&
        (g_last_snapshot_ms < 0 || emscripten_get_now() - g_last_snapshot_ms >= SNAPSHOT_MIN_MS) && save_trained()) {
        js_on_snapshot(g_saved.data(), (int) g_saved.size());
        g_last_snapshot_ms = emscripten_get_now();
    }
}

} // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char * web_last_error() { return g_error.c_str(); }

// Loads a GGUF model (FC or CNN) given as bytes; returns its slot (0: FC, 1: CNN).
EMSCRIPTEN_KEEPALIVE int web_load_model(const uint8_t * data, int size) {
    const char * fname = "/tmp/model.gguf";
    if (!write_file(fname, data, size)) {
        g_error = "cannot store the model file";
        return -1;
    }
    mnist_web_predictor predictor;
    if (!predictor.load(fname, g_error)) return -1;
    const int slot = predictor.arch() == "mnist-fc" ? SLOT_FC : SLOT_CNN;
    g_models[slot] = std::move(predictor);
    return slot;
}

// pixels: 784 floats in [0, 1]; probs: 10 floats. Returns the predicted digit.
EMSCRIPTEN_KEEPALIVE int web_predict(int slot, const float * pixels, float * probs) {
    if (slot < 0 || slot >= N_SLOTS || !g_models[slot].loaded()) {
        g_error = "no model loaded in this slot";
        return -1;
    }
    return g_models[slot].predict(pixels, probs);
}

// CNN only: the first layer's 8 feature maps (8 x 784 floats, >= 0) of the 784 pixels.
EMSCRIPTEN_KEEPALIVE int web_feature_maps(int slot, const float * pixels, float * maps) {
    if (slot < 0 || slot >= N_SLOTS || !g_models[slot].feature_maps(pixels, maps)) {
        g_error = "feature maps need the CNN model";
        return -1;
    }
    return MNIST_CNN_NCB;
}

static int set_data(mnist_web_set & set, const uint8_t * images, int images_size, const uint8_t * labels, int labels_size) {
    return mnist_web_set_parse(images, images_size, labels, labels_size, set, g_error) ? (int) set.n() : -1;
}

// Uncompressed IDX files; return the number of images.
EMSCRIPTEN_KEEPALIVE int web_set_test_set(const uint8_t * images, int images_size, const uint8_t * labels, int labels_size) {
    return set_data(g_test, images, images_size, labels, labels_size);
}
EMSCRIPTEN_KEEPALIVE int web_set_train_set(const uint8_t * images, int images_size, const uint8_t * labels, int labels_size) {
    return set_data(g_train, images, images_size, labels, labels_size);
}

EMSCRIPTEN_KEEPALIVE void web_seed(unsigned seed) { g_rng.seed(seed); }

EMSCRIPTEN_KEEPALIVE int web_random_test_index() {
    if (g_test.n() == 0) return -1;
    return (int) std::uniform_int_distribution<int64_t>(0, g_test.n() - 1)(g_rng);
}

// Writes test image i as 784 floats in [0, 1]; returns its label.
EMSCRIPTEN_KEEPALIVE int web_test_image(int i, float * pixels) {
    if (i < 0 || i >= g_test.n()) {
        g_error = "test image index out of range";
        return -1;
    }
    for (int k = 0; k < MNIST_NINPUT; ++k) pixels[k] = g_test.images.pixels[(size_t) i*MNIST_NINPUT + k] / 255.0f;
    return g_test.labels.values[i];
}

// Starts training on the first n_train training images: the model arch (0: FC, 1: CNN) from
// random weights (init_size == 0), or the given GGUF bytes. Weights are reported every
// snapshot_every batches, after the first at most once a second; n_threads > 1 only in the
// threaded build.
EMSCRIPTEN_KEEPALIVE int web_train_start(int arch, int n_train, const uint8_t * init, int init_size, int nbatch_logical,
                                         int nbatch_physical, int n_threads, unsigned seed, int snapshot_every) {
    std::string init_fname;
    if (init_size > 0) {
        init_fname = "/tmp/init.gguf";
        if (!write_file(init_fname.c_str(), init, init_size)) {
            g_error = "cannot store the model file";
            return -1;
        }
    }
    g_snapshot_every = snapshot_every;
    g_last_snapshot_ms = -1;
    return g_trainer.start(g_train, n_train, arch == SLOT_CNN ? "mnist-cnn" : "mnist-fc", init_fname, nbatch_logical,
                           nbatch_physical, n_threads, seed, g_error) ? 0 : -1;
}

EMSCRIPTEN_KEEPALIVE void   web_train_epoch() { g_trainer.epoch(on_batch, nullptr, g_epoch_loss, g_epoch_accuracy); }
EMSCRIPTEN_KEEPALIVE double web_train_epoch_loss() { return g_epoch_loss; }
EMSCRIPTEN_KEEPALIVE double web_train_epoch_accuracy() { return g_epoch_accuracy; }
EMSCRIPTEN_KEEPALIVE double web_train_test_accuracy(int n) { return g_trainer.test_accuracy(g_test, n); }

// Saves the trained model; returns a pointer to its GGUF bytes (NULL on failure).
EMSCRIPTEN_KEEPALIVE const uint8_t * web_train_save() { return save_trained() ? g_saved.data() : nullptr; }
EMSCRIPTEN_KEEPALIVE int web_train_saved_size() { return (int) g_saved.size(); }

} // extern "C"
