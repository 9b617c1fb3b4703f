// The kernel entries (see kernels.h): length checks, then the compute functions.
#include "kernels.h"

#include <string>

#include "gemm.h"
#include "optimizers.h"
#include "shape.h"
#include "softmax.h"
#include "threadpool.h"

namespace ck::k {

void matmul(Out out, In a, In b, int64_t m, int64_t n, int64_t k, bool ta, bool tb, OptIn bias, Activation act) {
  const float* pa = expect(a, product({m, k}, "a"));
  const float* pb = expect(b, product({k, n}, "b"));
  const float* pbias = expect(bias, n);
  float* po = expect(out, product({m, n}, "out"));
  const int nt = threads_for(2.0 * m * n * k);
  sgemm(ta, tb, m, n, k, pa, ta ? m : k, pb, tb ? k : n, po, n, pbias, act == Activation::Relu, nt);
}

void conv2d(Out out, In x, In w, OptIn bias, const ConvGeom& g, Activation act) {
  conv2d_forward(g, expect(x, product({g.N, g.H, g.W, g.C}, "x")), expect(w, product({g.KH, g.KW, g.C, g.F}, "w")),
                 expect(bias, g.F), act == Activation::Relu, expect(out, product({g.N, g.OH, g.OW, g.F}, "out")));
}

void conv2d_backprop_input(Out out, In dy, In w, const ConvGeom& g) {
  ck::conv2d_backprop_input(g, expect(dy, product({g.N, g.OH, g.OW, g.F}, "dy")),
                            expect(w, product({g.KH, g.KW, g.C, g.F}, "w")),
                            expect(out, product({g.N, g.H, g.W, g.C}, "out")));
}

void conv2d_backprop_filter(Out out, In x, In dy, const ConvGeom& g) {
  ck::conv2d_backprop_filter(g, expect(x, product({g.N, g.H, g.W, g.C}, "x")),
                             expect(dy, product({g.N, g.OH, g.OW, g.F}, "dy")),
                             expect(out, product({g.KH, g.KW, g.C, g.F}, "out")));
}

void max_pool2d(Out out, In x, const PoolGeom& g) {
  max_pool_forward(g, expect(x, product({g.N, g.H, g.W, g.C}, "x")),
                   expect(out, product({g.N, g.OH, g.OW, g.C}, "out")));
}

void max_pool2d_backward(Out out, In x, In dy, const PoolGeom& g) {
  max_pool_backward(g, expect(x, product({g.N, g.H, g.W, g.C}, "x")), expect(dy, product({g.N, g.OH, g.OW, g.C}, "dy")),
                    expect(out, product({g.N, g.H, g.W, g.C}, "out")));
}

void avg_pool2d(Out out, In x, const PoolGeom& g) {
  avg_pool_forward(g, expect(x, product({g.N, g.H, g.W, g.C}, "x")),
                   expect(out, product({g.N, g.OH, g.OW, g.C}, "out")));
}

void avg_pool2d_backward(Out out, In dy, const PoolGeom& g) {
  avg_pool_backward(g, expect(dy, product({g.N, g.OH, g.OW, g.C}, "dy")),
                    expect(out, product({g.N, g.H, g.W, g.C}, "out")));
}

void unary(Out out, Unary op, In x) { ck::unary(op, x.data, expect(out, x.size), x.size); }

void binary(Out out, Binary op, In a, const Dims& as, In b, const Dims& bs, const Dims& os) {
  require(as.rank <= os.rank && bs.rank <= os.rank, "operand rank exceeds the output rank " + std::to_string(os.rank));
  for (int d = 1; d <= os.rank; ++d) {
    const int64_t o = os.d[os.rank - d];
    const int64_t ad = d <= as.rank ? as.d[as.rank - d] : 1;
    const int64_t bd = d <= bs.rank ? bs.d[bs.rank - d] : 1;
    require((ad == 1 || ad == o) && (bd == 1 || bd == o),
            "shapes do not broadcast to the output shape at axis " + std::to_string(os.rank - d));
  }
  ck::binary(op, expect(a, product(as)), as.d, as.rank, expect(b, product(bs)), bs.d, bs.rank, os.d, os.rank,
             expect(out, product(os)));
}

void relu_backward(Out out, In dy, In y) {
  ck::relu_backward(dy.data, expect(y, dy.size), expect(out, dy.size), dy.size);
}

void reduce(Out out, Reduce op, In x, int64_t outer, int64_t size, int64_t inner) {
  ck::reduce(op, expect(x, product({outer, size, inner}, "x")), outer, size, inner,
             expect(out, product({outer, inner}, "out")));
}

void arg_max(IdxOut out, In x, int64_t outer, int64_t size, int64_t inner) {
  ck::arg_max(expect(x, product({outer, size, inner}, "x")), outer, size, inner,
              expect(out, product({outer, inner}, "out")));
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

void softmax(Out out, In x, int64_t rows, int64_t cols) {
  const int64_t n = product({rows, cols}, "x");
  ck::softmax(expect(x, n), rows, cols, expect(out, n));
}

void softmax_backward(Out out, In y, In dy, int64_t rows, int64_t cols) {
  const int64_t n = product({rows, cols}, "y");
  ck::softmax_backward(expect(y, n), expect(dy, n), rows, cols, expect(out, n));
}

void log_softmax(Out out, In x, int64_t rows, int64_t cols) {
  const int64_t n = product({rows, cols}, "x");
  ck::log_softmax(expect(x, n), rows, cols, expect(out, n));
}

void log_softmax_backward(Out out, In y, In dy, int64_t rows, int64_t cols) {
  const int64_t n = product({rows, cols}, "y");
  ck::log_softmax_backward(expect(y, n), expect(dy, n), rows, cols, expect(out, n));
}

void softmax_xent(Out out, In logits, In labels, int64_t rows, int64_t cols) {
  const int64_t n = product({rows, cols}, "logits");
  ck::softmax_xent(expect(logits, n), expect(labels, n), rows, cols, expect(out, rows));
}

void softmax_xent_backward(Out out, In logits, In labels, In dloss, int64_t rows, int64_t cols) {
  const int64_t n = product({rows, cols}, "logits");
  ck::softmax_xent_backward(expect(logits, n), expect(labels, n), expect(dloss, rows), rows, cols, expect(out, n));
}

static void check_indices(const IdxIn& idx, int64_t rows) {
  for (int64_t i = 0; i < idx.size; ++i)
    require(idx.data[i] >= 0 && idx.data[i] < rows, "index " + std::to_string(idx.data[i]) + " at position " +
                                                        std::to_string(i) + " is out of range [0, " +
                                                        std::to_string(rows) + ")");
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

static void need_nhwc(const Dims& s) {
  require(s.rank == 4, "shape must be [batch, height, width, channels], given rank " + std::to_string(s.rank));
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

void flip2d(Out out, In x, const Dims& s, U8In flags) {
  need_nhwc(s);
  const float* px = expect(x, product(s));
  ck::flip2d(px, s.d[0], s.d[1], s.d[2], s.d[3], expect(flags, s.d[0]), expect(out, product(s)));
}

static void need_sizes(const Dims& s, int64_t oh, int64_t ow) {
  need_nhwc(s);
  require(oh >= 1 && ow >= 1 && s.d[1] >= 1 && s.d[2] >= 1, "sizes must be >= 1, given " + std::to_string(s.d[1]) +
                                                                "x" + std::to_string(s.d[2]) + " to " +
                                                                std::to_string(oh) + "x" + std::to_string(ow));
}

void resize2d(Out out, In x, const Dims& s, int64_t oh, int64_t ow, Interp m) {
  need_sizes(s, oh, ow);
  const float* px = expect(x, product(s));
  ck::resize2d(px, s.d[0], s.d[1], s.d[2], s.d[3], oh, ow, m, expect(out, product({s.d[0], oh, ow, s.d[3]}, "out")));
}

void resize2d_backward(Out out, In dy, const Dims& s, int64_t oh, int64_t ow, Interp m) {
  need_sizes(s, oh, ow);
  const float* pdy = expect(dy, product({s.d[0], oh, ow, s.d[3]}, "dy"));
  ck::resize2d_backward(pdy, s.d[0], s.d[1], s.d[2], s.d[3], oh, ow, m, expect(out, product(s)));
}

void rmsprop_update(Out w, In g, Out v, OptOut m, double lr, double rho, double momentum, double eps) {
  ck::rmsprop_update(w.data, expect(g, w.size), expect(v, w.size), expect(m, w.size), w.size, lr, rho, momentum, eps);
}

void adam_update(Out w, In g, Out m, Out v, double alpha, double beta1, double beta2, double eps) {
  ck::adam_update(w.data, expect(g, w.size), expect(m, w.size), expect(v, w.size), w.size, alpha, beta1, beta2, eps);
}

void sgd_update(Out w, In g, OptOut m, double lr, double momentum, bool nesterov) {
  ck::sgd_update(w.data, expect(g, w.size), expect(m, w.size), w.size, lr, momentum, nesterov);
}

}  // namespace ck::k
