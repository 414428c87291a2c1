// Results: the per-batch losses and predictions gathered by ggml_opt_eval, and the statistics
// reported from them.

#include "opt/opt-impl.h"

#include <cmath>

ggml_opt_result_t ggml_opt_result_init(void) { return new ggml_opt_result; }

void ggml_opt_result_free(ggml_opt_result_t result) { delete result; }

void ggml_opt_result_reset(ggml_opt_result_t result) {
    result->ndata = 0;
    result->loss.clear();
    result->pred.clear();
    result->ncorrect = 0;
}

void ggml_opt_result_ndata(ggml_opt_result_t result, int64_t * ndata) { *ndata = result->ndata; }

void ggml_opt_result_loss(ggml_opt_result_t result, double * loss, double * unc) {
    const int64_t n = (int64_t) result->loss.size();
    if (n == 0) {
        *loss = 0.0;
        if (unc) *unc = NAN;
        return;
    }

    // Per-datapoint losses were scaled by 1/opt_period in the graph so that the accumulated
    // gradient is a mean; undo that to report the loss of each batch.
    const double scale = result->loss_per_datapoint ? (double) result->opt_period : 1.0;
    double sum = 0.0;
    for (float l : result->loss) sum += scale * l;
    const double mean = sum / n;
    *loss = result->loss_per_datapoint ? mean : sum;

    if (!unc) return;
    if (n < 2) {
        *unc = NAN;
        return;
    }
    // Two passes, so that identical batch losses give exactly zero.
    double sq_dev = 0.0;
    for (float l : result->loss) {
        const double d = scale * l - mean;
        sq_dev += d * d;
    }
    const double var = sq_dev / n; // of one batch's loss, without Bessel's correction
    // standard error of the mean, or of the sum of n batches
    *unc = result->loss_per_datapoint ? std::sqrt(var / (n - 1)) : std::sqrt(var * n / (n - 1));
}

void ggml_opt_result_pred(ggml_opt_result_t result, int32_t * pred) {
    for (size_t i = 0; i < result->pred.size(); ++i) pred[i] = result->pred[i];
}

void ggml_opt_result_accuracy(ggml_opt_result_t result, double * accuracy, double * unc) {
    const bool defined = result->ncorrect >= 0 && result->ndata > 0;
    *accuracy = defined ? (double) result->ncorrect / (double) result->ndata : NAN;
    if (!unc) return;
    *unc = defined && result->ndata >= 2 ? std::sqrt(*accuracy * (1.0 - *accuracy) / (double) (result->ndata - 1)) : NAN;
}
