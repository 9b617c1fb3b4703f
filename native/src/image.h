// Image kernels on NHWC float32 batches: per-image flips and resizing with tf.image.resize's
// half-pixel centres (the weights of src/backend/image_geometry.ts), with the resize's adjoint.
#pragma once

#include <cstdint>

namespace ck {

enum class Interp { Bilinear, Nearest, Bicubic, Area };
bool parse_interp(const char* s, Interp* out);

// flags[b] & 1: flip image b left-right; & 2: upside-down.
void flip2d(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, const uint8_t* flags, float* out);
void resize2d(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow, Interp m, float* out);
void resize2d_backward(const float* dy, int64_t n, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow, Interp m,
                       float* dx);

}  // namespace ck
