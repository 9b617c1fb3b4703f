// Kernels that move data without arithmetic: transpose, row gathers and their adjoint,
// concatenation and axis slices, spatial zero padding and crops of NHWC images.
#include "shape.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "binder.h"
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

// Kernel entries: the arguments of the kernel table (src/backend/kernels.ts) in order, output
// first; each checks buffer lengths and calls the compute function above.
namespace ck::k {
namespace {

void check_indices(const IdxIn& idx, int64_t rows) {
  for (int64_t i = 0; i < idx.size; ++i)
    require(idx.data[i] >= 0 && idx.data[i] < rows, "index " + std::to_string(idx.data[i]) + " at position " +
                                                        std::to_string(i) + " is out of range [0, " +
                                                        std::to_string(rows) + ")");
}

void need_nhwc(const Dims& s) {
  require(s.rank == 4, "shape must be [batch, height, width, channels], given rank " + std::to_string(s.rank));
}

void transpose(Out out, In x, const Dims& shape, const Dims& perm) {
  require(perm.rank == shape.rank,
          "perm has " + std::to_string(perm.rank) + " axes, expected " + std::to_string(shape.rank));
  bool seen[kMaxRank] = {};
  for (int i = 0; i < perm.rank; ++i) {
    const int64_t p = perm.d[i];
    require(p < shape.rank && !seen[p], "perm is not a permutation");
    seen[p] = true;
  }
  const int64_t n = product(shape);
  ck::transpose(expect(x, n), shape.d, perm.d, shape.rank, expect(out, n));
}

void gather_rows(Out out, In x, IdxIn idx, int64_t rows, int64_t row_size) {
  const float* px = expect(x, product({rows, row_size}, "x"));
  check_indices(idx, rows);
  ck::gather_rows(px, idx.data, idx.size, row_size, expect(out, product({idx.size, row_size}, "out")));
}

void scatter_add_rows(Out out, In dy, IdxIn idx, int64_t rows, int64_t row_size) {
  const float* pdy = expect(dy, product({idx.size, row_size}, "dy"));
  check_indices(idx, rows);
  ck::scatter_add_rows(pdy, idx.data, idx.size, rows, row_size, expect(out, product({rows, row_size}, "out")));
}

void concat(Out out, const InList& xs, int64_t outer, int64_t inner, const Dims& sizes) {
  require(xs.count == sizes.rank,
          "xs has " + std::to_string(xs.count) + " arrays but sizes has " + std::to_string(sizes.rank));
  int64_t total = 0;
  for (int k = 0; k < xs.count; ++k) {
    const int64_t want = product({outer, sizes.d[k], inner}, "xs");
    require(xs.size[k] == want, "'xs[" + std::to_string(k) + "]' has length " + std::to_string(xs.size[k]) +
                                    ", expected " + std::to_string(want));
    total += sizes.d[k];
  }
  ck::concat(xs.data, sizes.d, xs.count, outer, inner, expect(out, product({outer, total, inner}, "out")));
}

void slice_axis(Out out, In x, int64_t outer, int64_t size, int64_t inner, int64_t start, int64_t length) {
  const float* px = expect(x, product({outer, size, inner}, "x"));
  require(start + length <= size, "window [" + std::to_string(start) + ", " + std::to_string(start + length) +
                                      ") exceeds the axis of size " + std::to_string(size));
  ck::slice_axis(px, outer, size, inner, start, length, expect(out, product({outer, length, inner}, "out")));
}

void pad2d(Out out, In x, const Dims& s, int64_t top, int64_t bottom, int64_t left, int64_t right) {
  need_nhwc(s);
  const float* px = expect(x, product(s));
  const int64_t oh = s.d[1] + top + bottom, ow = s.d[2] + left + right;
  ck::pad2d(px, s.d[0], s.d[1], s.d[2], s.d[3], top, bottom, left, right,
            expect(out, product({s.d[0], oh, ow, s.d[3]}, "out")));
}

void crop2d(Out out, In x, const Dims& s, int64_t top, int64_t left, int64_t height, int64_t width) {
  need_nhwc(s);
  const float* px = expect(x, product(s));
  require(top + height <= s.d[1] && left + width <= s.d[2],
          "window " + std::to_string(height) + "x" + std::to_string(width) + " at (" + std::to_string(top) + ", " +
              std::to_string(left) + ") does not fit images of " + std::to_string(s.d[1]) + "x" +
              std::to_string(s.d[2]));
  ck::crop2d(px, s.d[0], s.d[1], s.d[2], s.d[3], top, left, height, width,
             expect(out, product({s.d[0], height, width, s.d[3]}, "out")));
}

}  // namespace

CK_KERNEL("transpose", transpose, "out x shape perm");
CK_KERNEL("gatherRows", gather_rows, "out x indices rows rowSize");
CK_KERNEL("scatterAddRows", scatter_add_rows, "out dy indices rows rowSize");
CK_KERNEL("concat", concat, "out xs outer inner sizes");
CK_KERNEL("sliceAxis", slice_axis, "out x outer size inner start length");
CK_KERNEL("pad2d", pad2d, "out x shape top bottom left right");
CK_KERNEL("crop2d", crop2d, "out x shape top left height width");

}  // namespace ck::k
