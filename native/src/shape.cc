// Kernels that move data without arithmetic: transpose, row gathers and their adjoint,
// concatenation and axis slices, spatial zero padding and crops of NHWC images.
#include "shape.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "loops.h"

namespace ck {

void transpose(const float* x, const int64_t* shape, const int64_t* perm, int rank, float* out) {
  int64_t total = 1;
  for (int i = 0; i < rank; ++i) total *= shape[i];
  if (total == 0) return;
  if (rank == 0) {
    out[0] = x[0];
    return;
  }
  std::vector<int64_t> istride(rank), os(rank), ost(rank);
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; --d) {
    istride[d] = s;
    s *= shape[d];
  }
  for (int d = 0; d < rank; ++d) {
    os[d] = shape[perm[d]];
    ost[d] = istride[perm[d]];
  }
  const int64_t inner = os[rank - 1], is = ost[rank - 1];
  const int64_t rows = total / inner;
  par_elems(rows, static_cast<double>(inner), [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> idx(rank, 0);
    int64_t rem = r0, off = 0;
    for (int d = rank - 2; d >= 0; --d) {
      idx[d] = rem % os[d];
      rem /= os[d];
      off += idx[d] * ost[d];
    }
    for (int64_t r = r0; r < r1; ++r) {
      float* o = out + r * inner;
      const float* p = x + off;
      for (int64_t j = 0; j < inner; ++j) o[j] = p[j * is];
      for (int d = rank - 2; d >= 0; --d) {
        off += ost[d];
        if (++idx[d] < os[d]) break;
        off -= ost[d] * os[d];
        idx[d] = 0;
      }
    }
  });
}

void gather_rows(const float* x, const int32_t* idx, int64_t n, int64_t row, float* out) {
  par_elems(n, static_cast<double>(row), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      std::memcpy(out + i * row, x + static_cast<int64_t>(idx[i]) * row, row * sizeof(float));
  });
}

void scatter_add_rows(const float* dy, const int32_t* idx, int64_t n, int64_t rows, int64_t row, float* out) {
  std::memset(out, 0, static_cast<size_t>(rows * row) * sizeof(float));
  // Serial over indices (repeats add into the same row), parallel within long rows.
  for (int64_t i = 0; i < n; ++i) {
    float* o = out + static_cast<int64_t>(idx[i]) * row;
    const float* g = dy + i * row;
    par_elems(row, 1, [o, g](int64_t b, int64_t e) {
      float* __restrict os = o;
      const float* __restrict gs = g;
      for (int64_t j = b; j < e; ++j) os[j] += gs[j];
    });
  }
}

void copy_rows(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int64_t rows, int64_t width) {
  par_elems(rows, static_cast<double>(width), [=](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) std::memcpy(dst + r * dst_stride, src + r * src_stride, width * sizeof(float));
  });
}

void concat(const float* const* xs, const int64_t* sizes, int64_t count, int64_t outer, int64_t inner, float* out) {
  int64_t total = 0;
  for (int64_t k = 0; k < count; ++k) total += sizes[k];
  int64_t offset = 0;
  for (int64_t k = 0; k < count; ++k) {
    copy_rows(xs[k], sizes[k] * inner, out + offset * inner, total * inner, outer, sizes[k] * inner);
    offset += sizes[k];
  }
}

void slice_axis(const float* x, int64_t outer, int64_t size, int64_t inner, int64_t start, int64_t length, float* out) {
  copy_rows(x + start * inner, size * inner, out, length * inner, outer, length * inner);
}

void pad2d(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int64_t top, int64_t bottom, int64_t left,
           int64_t right, float* out) {
  const int64_t oh = h + top + bottom, ow = w + left + right;
  std::memset(out, 0, static_cast<size_t>(n * oh * ow * c) * sizeof(float));
  for (int64_t b = 0; b < n; ++b)
    copy_rows(x + b * h * w * c, w * c, out + ((b * oh + top) * ow + left) * c, ow * c, h, w * c);
}

void crop2d(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int64_t top, int64_t left, int64_t height,
            int64_t width, float* out) {
  for (int64_t b = 0; b < n; ++b)
    copy_rows(x + ((b * h + top) * w + left) * c, w * c, out + b * height * width * c, width * c, height, width * c);
}

}  // namespace ck
