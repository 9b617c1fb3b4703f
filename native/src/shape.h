// Data movement: transpose, row gathers and their adjoint, concatenation, axis slices, spatial pad
// and crop of NHWC images. Index ranges are checked by the kernel entries (shape.cc).
#pragma once

#include <cstdint>

namespace ck {

void transpose(const float* x, const int64_t* shape, const int64_t* perm, int rank, float* out);
void gather_rows(const float* x, const int32_t* idx, int64_t n, int64_t row, float* out);
void scatter_add_rows(const float* dy, const int32_t* idx, int64_t n, int64_t rows, int64_t row, float* out);
void concat(const float* const* xs, const int64_t* sizes, int64_t count, int64_t outer, int64_t inner, float* out);
void slice_axis(const float* x, int64_t outer, int64_t size, int64_t inner, int64_t start, int64_t length, float* out);
void pad2d(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int64_t top, int64_t bottom, int64_t left,
           int64_t right, float* out);
void crop2d(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int64_t top, int64_t left, int64_t height,
            int64_t width, float* out);

}  // namespace ck
