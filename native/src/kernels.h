// The kernel entries: one function per native kernel of the table (src/backend/kernels.ts), with
// the same arguments in the same order, the output buffer first. Each checks every buffer length
// against the others (throwing ArgError) and calls the compute function of its family. The binder
// (binding.cc) extracts these parameter types from JS values by their C++ type alone.
#pragma once

#include <cstdint>

#include "args.h"
#include "conv.h"
#include "elementwise.h"
#include "image.h"
#include "pool.h"
#include "reduce.h"

namespace ck::k {

using OptIn = Opt<const float>;
using OptOut = Opt<float>;

void matmul(Out out, In a, In b, int64_t m, int64_t n, int64_t k, bool ta, bool tb, OptIn bias, Activation act);
void conv2d(Out out, In x, In w, OptIn bias, const ConvGeom& g, Activation act);
void conv2d_backprop_input(Out out, In dy, In w, const ConvGeom& g);
void conv2d_backprop_filter(Out out, In x, In dy, const ConvGeom& g);
void max_pool2d(Out out, In x, const PoolGeom& g);
void max_pool2d_backward(Out out, In x, In dy, const PoolGeom& g);
void avg_pool2d(Out out, In x, const PoolGeom& g);
void avg_pool2d_backward(Out out, In dy, const PoolGeom& g);
void unary(Out out, Unary op, In x);
void binary(Out out, Binary op, In a, const Dims& as, In b, const Dims& bs, const Dims& os);
void relu_backward(Out out, In dy, In y);
void reduce(Out out, Reduce op, In x, int64_t outer, int64_t size, int64_t inner);
void arg_max(IdxOut out, In x, int64_t outer, int64_t size, int64_t inner);
void transpose(Out out, In x, const Dims& shape, const Dims& perm);
void softmax(Out out, In x, int64_t rows, int64_t cols);
void softmax_backward(Out out, In y, In dy, int64_t rows, int64_t cols);
void log_softmax(Out out, In x, int64_t rows, int64_t cols);
void log_softmax_backward(Out out, In y, In dy, int64_t rows, int64_t cols);
void softmax_xent(Out out, In logits, In labels, int64_t rows, int64_t cols);
void softmax_xent_backward(Out out, In logits, In labels, In dloss, int64_t rows, int64_t cols);
void gather_rows(Out out, In x, IdxIn idx, int64_t rows, int64_t row_size);
void scatter_add_rows(Out out, In dy, IdxIn idx, int64_t rows, int64_t row_size);
void concat(Out out, const InList& xs, int64_t outer, int64_t inner, const Dims& sizes);
void slice_axis(Out out, In x, int64_t outer, int64_t size, int64_t inner, int64_t start, int64_t length);
void pad2d(Out out, In x, const Dims& shape, int64_t top, int64_t bottom, int64_t left, int64_t right);
void crop2d(Out out, In x, const Dims& shape, int64_t top, int64_t left, int64_t height, int64_t width);
void flip2d(Out out, In x, const Dims& shape, U8In flags);
void resize2d(Out out, In x, const Dims& shape, int64_t out_h, int64_t out_w, Interp method);
void resize2d_backward(Out out, In dy, const Dims& shape, int64_t out_h, int64_t out_w, Interp method);
void rmsprop_update(Out w, In g, Out v, OptOut m, double lr, double rho, double momentum, double eps);
void adam_update(Out w, In g, Out m, Out v, double alpha, double beta1, double beta2, double eps);
void sgd_update(Out w, In g, OptOut m, double lr, double momentum, bool nesterov);

}  // namespace ck::k
