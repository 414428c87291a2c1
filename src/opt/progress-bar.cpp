// The progress bar epoch callback and the text it prints.

#include "opt/opt-impl.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>

#ifdef _WIN32
#    include <io.h>
#    define OPT_ISATTY _isatty
#    define OPT_FILENO _fileno
#else
#    include <unistd.h>
#    define OPT_ISATTY isatty
#    define OPT_FILENO fileno
#endif

std::string ggml_opt_format_hms(int64_t us) {
    int64_t s = us / 1000000;
    const int64_t h = s / 3600;
    s -= h * 3600;
    const int64_t m = s / 60;
    s -= m * 60;
    char buf[64];
    snprintf(buf, sizeof buf, "%02" PRId64 ":%02" PRId64 ":%02" PRId64, h, m, s);
    return buf;
}

// printf's spelling of NaN differs between C libraries ("nan", "-nan", "NaN").
static std::string format_fixed(double x, int decimals) {
    if (std::isnan(x)) return "nan";
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", decimals, x);
    return buf;
}

std::string ggml_opt_format_progress(bool train, int64_t ibatch, int64_t ibatch_max, int64_t batch_size,
                                     double loss, double loss_unc, double accuracy, double accuracy_unc,
                                     int64_t elapsed_us) {
    std::string line = train ? "train: [" : "val:   [";

    // 8 cells of 8 eighths each: the bar shows floor(64 * done / total) eighths.
    constexpr int64_t cells = 8;
    const int64_t eighths = ibatch_max > 0 ? (cells * 8 * ibatch) / ibatch_max : 0;
    for (int64_t j = 0; j < cells; ++j) {
        int64_t fill = eighths - 8 * j;
        fill = fill < 0 ? 0 : fill > 8 ? 8 : fill;
        if (fill == 0) {
            line += ' ';
        } else {
            // U+2588 (full block) down to U+258F (one eighth): U+2590 - fill, as UTF-8
            const unsigned cp = 0x2590 - (unsigned) fill;
            line += (char) (0xE0 | (cp >> 12));
            line += (char) (0x80 | ((cp >> 6) & 0x3F));
            line += (char) (0x80 | (cp & 0x3F));
        }
    }

    const int64_t eta_us = ibatch > 0 ? elapsed_us * (ibatch_max - ibatch) / ibatch : 0;
    char buf[128];
    snprintf(buf, sizeof buf, "] data=%07" PRId64 "/%07" PRId64 " ", ibatch * batch_size, ibatch_max * batch_size);
    line += buf;
    line += "loss=" + format_fixed(loss, 5) + "\u00b1" + format_fixed(loss_unc, 5);
    line += " acc=" + format_fixed(100.0 * accuracy, 2) + "\u00b1" + format_fixed(100.0 * accuracy_unc, 2) + "%";
    line += " t=" + ggml_opt_format_hms(elapsed_us) + " ETA=" + ggml_opt_format_hms(eta_us);
    return line;
}

void ggml_opt_epoch_callback_progress_bar(bool train, ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset,
                                          ggml_opt_result_t result, int64_t ibatch, int64_t ibatch_max,
                                          int64_t t_start_us) {
    const bool done = ibatch >= ibatch_max;
    const bool terminal = OPT_ISATTY(OPT_FILENO(stderr)) != 0;
    if (!terminal && !done) return; // redrawing makes no sense in a log file

    const int64_t batch_size = ggml_nelements(ggml_opt_inputs(opt_ctx)) / ggml_opt_dataset_data(dataset)->ne[0];

    double loss = NAN, loss_unc = NAN, accuracy = NAN, accuracy_unc = NAN;
    if (result) {
        ggml_opt_result_loss(result, &loss, &loss_unc);
        ggml_opt_result_accuracy(result, &accuracy, &accuracy_unc);
    }

    const std::string line = ggml_opt_format_progress(train, ibatch, ibatch_max, batch_size, loss, loss_unc, accuracy,
                                                      accuracy_unc, ggml_time_us() - t_start_us);
    // On a terminal the cursor goes back to the start of the line for the next redraw; the
    // trailing space clears a character left over from a longer previous line.
    fprintf(stderr, terminal ? "%s \r" : "%s", line.c_str());
    if (done) fprintf(stderr, "\n");
    fflush(stderr);
}
