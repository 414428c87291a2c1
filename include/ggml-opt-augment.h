#pragma once

// ggml-opt-augment.h: on-the-fly data augmentation for image datasets, and an epoch that
// transforms every training batch on a worker thread while the previous batch is computed.
// Our addition beside ggml-opt.h (ggml has no counterpart).
//
// Usage:
//   struct ggml_opt_augment_params ap = ggml_opt_augment_default_params(); // identity
//   ap.translate = 2.0f; ap.rotate = 10.0f; ap.scale = 0.1f; ap.shear = 10.0f;
//   ap.seed = 42;
//   char err[256];
//   if (!ggml_opt_augment_params_check(&ap, err, sizeof(err))) { ... }
//   for (int64_t epoch = 1; epoch <= nepoch; ++epoch) {
//       ap.epoch = epoch;
//       ggml_opt_epoch_transform(opt_ctx, dataset, result_train, result_val, idata_split,
//                                callback_train, callback_val, ggml_opt_augment_batch_transform, &ap);
//   }
//
// Each image gets its own random transform, drawn from a generator seeded by (seed, epoch, the
// image's position in the epoch's training order) only: the output is the same for any thread
// count and for any batch size. Validation batches are never transformed.
//
// The transform of one image (width w, height h, pixel (x, y) at column x, row y, centre
// c = ((w-1)/2, (h-1)/2)) moves the content by the forward map
//     p' = R(angle) * H(shear) * S(scale) * (p - c) + c + (tx, ty)
// with S = diag(scale, scale), H = [[1, tan(shear)], [0, 1]] (a horizontal shear that follows
// the row) and R the rotation by angle (counter-clockwise on screen, where y grows downwards:
// R = [[cos, sin], [-sin, cos]]). The output pixel p reads the input at the inverse map of p,
// plus the elastic displacement (dx(p), dy(p)) when there is one, by bilinear interpolation
// between the four nearest pixels; pixels outside the image read 0.
//
// Per image, every quantity is drawn uniformly and independently:
//   angle in [-rotate, rotate] degrees, scale in [1 - scale, 1 + scale], shear in
//   [-shear, shear] degrees, tx and ty in [-translate, translate] pixels; the elastic field holds
//   displacements uniform in [-elastic, elastic] pixels at control points elastic_grid pixels
//   apart (the first at pixel 0, the grid extends past the last pixel), interpolated bilinearly
//   in between: a smooth random distortion whose wavelength is the grid spacing.

#include "ggml-opt.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ggml_opt_augment_params {
    int64_t  width;        // image size in pixels; a datapoint holds width*height F32 values, row-major
    int64_t  height;
    float    translate;    // [0, width/2]  maximum shift per axis, pixels        (0: none)
    float    rotate;       // [0, 180]      maximum rotation, degrees             (0: none)
    float    scale;        // [0, 0.9]      maximum relative size change          (0: none)
    float    shear;        // [0, 60]       maximum shear angle, degrees          (0: none)
    float    elastic;      // [0, width/4]  maximum displacement at a control point, pixels (0: off)
    float    elastic_grid; // [2, width]    control-point spacing, pixels
    uint64_t seed;         // with epoch, decides every draw
    int64_t  epoch;        // set by the caller before each epoch
    int      n_threads;    // threads that transform one batch (<= 1: the calling thread only)
};

// 28x28 images, every range 0 (the identity), elastic_grid 7, seed 0, epoch 0, one thread.
GGML_API struct ggml_opt_augment_params ggml_opt_augment_default_params(void);

// True when every range lies in its documented interval; otherwise writes one line naming the
// field into err (may be NULL) and returns false.
GGML_API bool ggml_opt_augment_params_check(const struct ggml_opt_augment_params * params, char * err, size_t err_size);

// True when some range is non-zero (the transform is not the identity).
GGML_API bool ggml_opt_augment_enabled(const struct ggml_opt_augment_params * params);

// The drawn transform of one image.
struct ggml_opt_augment_sample {
    float angle; // degrees
    float scale;
    float shear; // degrees
    float tx;    // pixels
    float ty;
};

// The transform of image `index` (its position in the epoch's training order) in params->epoch.
// dx and dy (width*height values each) receive the elastic displacement, or zeros when elastic is 0
// (then they may be NULL).
GGML_API void ggml_opt_augment_draw(const struct ggml_opt_augment_params * params, int64_t index,
                                    struct ggml_opt_augment_sample * sample, float * dx, float * dy);

// Applies one transform to one width x height image (dst must not overlap src). dx and dy may be
// NULL (no elastic displacement).
GGML_API void ggml_opt_augment_image(const float * src, float * dst, int64_t width, int64_t height,
                                     const struct ggml_opt_augment_sample * sample, const float * dx, const float * dy);

// Transforms n images in place, which are the images ifirst, ifirst+1, ... of the epoch's order.
GGML_API void ggml_opt_augment_images(const struct ggml_opt_augment_params * params, float * data, int64_t n, int64_t ifirst);

// ====== Epochs with a per-batch transform ======

// Called once per training batch, on a worker thread, with the batch in host memory: data holds
// ndata_batch datapoints of ne_datapoint F32 values, labels ndata_batch labels of ne_label values
// (NULL when the dataset has none); ibatch is the batch's index in the epoch, so datapoint i is
// the epoch's datapoint ibatch*ndata_batch + i. It may change both arrays. It must not call into
// the optimization context.
typedef void (*ggml_opt_batch_transform)(
        void    * userdata,
        float   * data,
        float   * labels,
        int64_t   ne_datapoint,
        int64_t   ne_label,
        int64_t   ndata_batch,
        int64_t   ibatch);

// The batch transform of the augmentation: userdata is a struct ggml_opt_augment_params *.
GGML_API void ggml_opt_augment_batch_transform(void * userdata, float * data, float * labels, int64_t ne_datapoint,
                                               int64_t ne_label, int64_t ndata_batch, int64_t ibatch);

// The prefetcher behind ggml_opt_epoch_transform, for training loops of their own: two host
// buffers of ndata_batch datapoints and a worker thread. upload() copies batch ibatch of the
// dataset, passed through transform (may be NULL), into inputs and labels (labels may be NULL),
// then lets the worker prepare batch `next` (< 0: none) while the caller computes. A batch that
// was not prepared ahead is made on the calling thread, so the bytes never depend on the timing.
// Call reset() before anything that changes what a batch holds (a new epoch's transform
// parameters, a reshuffle of the dataset). Needs an F32 dataset.
typedef struct ggml_opt_batch_prefetch * ggml_opt_batch_prefetch_t;

GGML_API ggml_opt_batch_prefetch_t ggml_opt_batch_prefetch_init(ggml_opt_dataset_t dataset, int64_t ndata_batch,
                                                                ggml_opt_batch_transform transform, void * userdata);
GGML_API void ggml_opt_batch_prefetch_free(ggml_opt_batch_prefetch_t prefetch);
GGML_API void ggml_opt_batch_prefetch_reset(ggml_opt_batch_prefetch_t prefetch);
GGML_API void ggml_opt_batch_prefetch_upload(ggml_opt_batch_prefetch_t prefetch, int64_t ibatch, int64_t next,
                                             struct ggml_tensor * inputs, struct ggml_tensor * labels);

// ggml_opt_epoch, with every training batch passed through transform (when not NULL) before it
// is uploaded. A worker thread fetches and transforms batch i+1 while batch i is computed. Needs
// an F32 dataset when transform is not NULL. With transform NULL this is ggml_opt_epoch.
GGML_API void ggml_opt_epoch_transform(
        ggml_opt_context_t       opt_ctx,
        ggml_opt_dataset_t       dataset,
        ggml_opt_result_t        result_train,
        ggml_opt_result_t        result_eval,
        int64_t                  idata_split,
        ggml_opt_epoch_callback  callback_train,
        ggml_opt_epoch_callback  callback_eval,
        ggml_opt_batch_transform transform,
        void                   * transform_userdata);

#ifdef __cplusplus
}
#endif
