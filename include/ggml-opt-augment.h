#pragma once

// ggml-opt-augment.h: on-the-fly data augmentation for image datasets, and an epoch that
// transforms every training batch before it is uploaded. Our addition beside ggml-opt.h (ggml has
// no counterpart).
//
// The transform runs between two graph computes, split over the images of the batch, on the
// threads of the CPU backend (params.backend) that compute the graphs. A thread of its own would
// overlap it with the computation only when a core is free: on a machine with as many cores as
// compute threads it takes turns with them, and every compute thread it displaces stalls the
// others at the graph's next barrier.
//
// Usage:
//   struct ggml_opt_augment_params ap = ggml_opt_augment_default_params(); // identity
//   ap.translate = 2.0f; ap.rotate = 10.0f; ap.scale = 0.1f; ap.shear = 10.0f;
//   ap.seed = 42;
//   ap.backend = cpu_backend; // optional: its threads share the work
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
    ggml_backend_t backend; // a CPU backend whose threads transform a batch, between graph computes
                            // (NULL: the calling thread only)
};

// 28x28 images, every range 0 (the identity), elastic_grid 7, seed 0, epoch 0, no backend.
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

// Applies one transform to one width x height image (dst may be src; otherwise they must not
// overlap). dx and dy may be NULL (no elastic displacement).
GGML_API void ggml_opt_augment_image(const float * src, float * dst, int64_t width, int64_t height,
                                     const struct ggml_opt_augment_sample * sample, const float * dx, const float * dy);

// Transforms n images in place, which are the images ifirst, ifirst+1, ... of the epoch's order.
GGML_API void ggml_opt_augment_images(const struct ggml_opt_augment_params * params, float * data, int64_t n, int64_t ifirst);

// ====== Epochs with a per-batch transform ======

// Called once per training batch, on the thread that runs the epoch, with the batch in host
// memory: data holds ndata_batch datapoints of ne_datapoint F32 values, labels ndata_batch labels
// of ne_label values (NULL when the dataset has none); ibatch is the batch's index in the epoch,
// so datapoint i is the epoch's datapoint ibatch*ndata_batch + i. It may change both arrays. It
// must not call into the optimization context.
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

// ggml_opt_dataset_get_batch, with the batch passed through transform (may be NULL) in host
// memory before it reaches data_batch and labels_batch (labels_batch may be NULL). Host tensors
// take the batch in place; others get it in one transfer. Needs an F32 dataset. For training
// loops of their own. With ggml_opt_augment_batch_transform it is ggml_opt_augment_get_batch.
GGML_API void ggml_opt_dataset_get_batch_transform(ggml_opt_dataset_t dataset, struct ggml_tensor * data_batch,
                                                   struct ggml_tensor * labels_batch, int64_t ibatch,
                                                   ggml_opt_batch_transform transform, void * userdata);

// ggml_opt_dataset_get_batch_transform with ggml_opt_augment_batch_transform, in one pass: each
// image goes from the dataset through its transform straight into the batch, on the threads of
// params->backend, so the batch is not gathered first. The same bytes. Needs an F32 dataset of
// params->width*params->height values per datapoint.
GGML_API void ggml_opt_augment_get_batch(const struct ggml_opt_augment_params * params, ggml_opt_dataset_t dataset,
                                         struct ggml_tensor * data_batch, struct ggml_tensor * labels_batch, int64_t ibatch);

// ggml_opt_epoch, with every training batch passed through transform (when not NULL) before it
// is uploaded (ggml_opt_dataset_get_batch_transform). Needs an F32 dataset when transform is not
// NULL. With transform NULL this is ggml_opt_epoch.
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
