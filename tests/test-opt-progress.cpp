// The progress bar: its exact text for fixed inputs (written out by hand below), and what the
// callback prints when stderr is not a terminal (only the finished line, no carriage returns).

#include "opt-helpers.h"
#include "opt/opt-impl.h"

#include <cstdio>
#include <functional>
#include <vector>
#include <cstdlib>
#include <cstring>
#include <cctype>
#include <string>
#include <unistd.h>

static void expect_text(const std::string & got, const std::string & want) {
    CHECK(got == want);
    if (got != want) fprintf(stderr, "  got:  '%s'\n  want: '%s'\n", got.c_str(), want.c_str());
}

static void test_fixed_lines() {
    // 3 of 8 batches: 24 of 64 eighths = 3 full cells; ETA = 5 s * 5 / 3 = 8.33 s
    expect_text(ggml_opt_format_progress(true, 3, 8, 100, 0.123456, 0.001234, 0.9, 0.01, 5000000),
                "train: [\u2588\u2588\u2588     ] data=0000300/0000800 loss=0.12346\u00b10.00123 "
                "acc=90.00\u00b11.00% t=00:00:05 ETA=00:00:08");

    // 1 of 3: 21 eighths = 2 full cells and 5/8 (U+258B); no accuracy without cross-entropy;
    // 3723.5 s = 1 h 2 min 3 s, ETA twice that: 7447 s = 2 h 4 min 7 s
    expect_text(ggml_opt_format_progress(false, 1, 3, 1000, 2.5, NAN, NAN, NAN, 3723500000),
                "val:   [\u2588\u2588\u258b     ] data=0001000/0003000 loss=2.50000\u00b1nan "
                "acc=nan\u00b1nan% t=01:02:03 ETA=02:04:07");

    // done: all 8 cells full, nothing left
    expect_text(ggml_opt_format_progress(true, 7, 7, 32, 1.0, 0.5, 0.25, 0.125, 59999999),
                "train: [\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588] data=0000224/0000224 loss=1.00000\u00b10.50000 "
                "acc=25.00\u00b112.50% t=00:00:59 ETA=00:00:00");

    // 1 of 64: a single eighth (U+258F); 7 of 64: seven eighths (U+2589)
    expect_text(ggml_opt_format_progress(true, 1, 64, 1, 0.0, 0.0, 1.0, 0.0, 1000000),
                "train: [\u258f       ] data=0000001/0000064 loss=0.00000\u00b10.00000 "
                "acc=100.00\u00b10.00% t=00:00:01 ETA=00:01:03");
    expect_text(ggml_opt_format_progress(true, 7, 64, 1, 0.0, 0.0, 1.0, 0.0, 0),
                "train: [\u2589       ] data=0000007/0000064 loss=0.00000\u00b10.00000 "
                "acc=100.00\u00b10.00% t=00:00:00 ETA=00:00:00");

    expect_text(ggml_opt_format_hms(0), "00:00:00");
    expect_text(ggml_opt_format_hms(100LL * 3600 * 1000000 + 59 * 1000000), "100:00:59");
}

// Replaces the time fields (t=HH:MM:SS ETA=HH:MM:SS) so that lines compare independently of
// how long the call took.
static std::string mask_times(std::string s) {
    for (const char * key : {"t=", "ETA="}) {
        size_t pos = 0;
        while ((pos = s.find(key, pos)) != std::string::npos) {
            pos += strlen(key);
            size_t end = pos;
            while (end < s.size() && (isdigit((unsigned char) s[end]) || s[end] == ':')) end++;
            s.replace(pos, end - pos, "*");
        }
    }
    return s;
}

// Runs fn with stderr going to a file and returns what was written.
static std::string capture_stderr(const std::function<void()> & fn) {
    char path[] = "/tmp/test-opt-progress-XXXXXX";
    const int fd = mkstemp(path);
    CHECK(fd >= 0);
    fflush(stderr);
    const int saved = dup(2);
    dup2(fd, 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);

    std::string out;
    FILE * f = fopen(path, "rb");
    if (f) {
        char buf[512];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
        fclose(f);
    }
    close(fd);
    remove(path);
    return out;
}

// What ggml_opt_fit prints around the progress lines: each line starts as expected.
static void test_fit_output() {
    opth::cpu_sched cpu;
    opth::one_param_model m(ggml_backend_sched_get_backend(cpu.sched, 0), 2, 0.0f);
    ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 0, 4, 1);
    float * x = ggml_get_data_f32(ggml_opt_dataset_data(ds));
    for (int i = 0; i < 4; ++i) x[i] = (float) i;

    const std::string out = capture_stderr([&] {
        ggml_opt_fit(cpu.sched, m.ctx_compute, m.inputs, m.outputs, ds, GGML_OPT_LOSS_TYPE_SUM,
                     GGML_OPT_OPTIMIZER_TYPE_ADAMW, ggml_opt_get_default_optimizer_params, 2, 2, 0.5f, false);
    });
    const std::string full = "[\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588] data=0000002/0000002 loss=";
    const std::vector<std::string> want = {
        "ggml_opt_fit: epoch 0001/0002:", "train: " + full, "val:   " + full, "",
        "ggml_opt_fit: epoch 0002/0002:", "train: " + full, "val:   " + full, "",
        "ggml_opt_fit: training took ",
    };
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) lines.push_back(out.substr(start, nl - start));
    CHECK(start == out.size()); // ends with a newline
    CHECK(out.find('\r') == std::string::npos);
    bool ok = lines.size() == want.size();
    for (size_t i = 0; ok && i < want.size(); ++i) ok = lines[i].compare(0, want[i].size(), want[i]) == 0;
    CHECK(ok);
    if (!ok) fprintf(stderr, "fit printed:\n%s", out.c_str());
    ggml_opt_dataset_free(ds);
}

static void test_callback_not_a_terminal() {
    opth::cpu_sched cpu;
    opth::one_param_model m(ggml_backend_sched_get_backend(cpu.sched, 0), 2, 0.0f);
    ggml_opt_params params = m.opt_params(cpu.sched, GGML_OPT_LOSS_TYPE_SUM);
    params.build_type  = GGML_OPT_BUILD_TYPE_FORWARD;
    ggml_opt_context_t ctx = ggml_opt_init(params);
    ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 0, 4, 1);
    float * x = ggml_get_data_f32(ggml_opt_dataset_data(ds));
    for (int i = 0; i < 4; ++i) x[i] = (float) i;
    ggml_opt_result_t r = ggml_opt_result_init();

    // batches of 2: losses 0+1 = 1 and 2+3 = 5, sum 6, SUM uncertainty sqrt(4 * 2) = 2.82843
    const std::string out = capture_stderr([&] {
        ggml_opt_epoch(ctx, ds, nullptr, r, 0, nullptr, ggml_opt_epoch_callback_progress_bar);
    });

    expect_text(mask_times(out),
                "val:   [\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588] data=0000004/0000004 loss=6.00000\u00b12.82843 "
                "acc=nan\u00b1nan% t=* ETA=*\n");

    ggml_opt_result_free(r);
    ggml_opt_dataset_free(ds);
    ggml_opt_free(ctx);
}

int main() {
    test_fixed_lines();
    test_callback_not_a_terminal();
    test_fit_output();
    return opth::finish();
}
