// Row-wise softmax and log-softmax with their backward passes, and the fused softmax
// cross-entropy (forward and backward), over [rows, cols]. Row statistics in double.
#include "softmax.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "binder.h"
#include "loops.h"

namespace ck {

namespace {
// Row max and sum of exp(x - max); returns log-sum-exp pieces.
inline void row_stats(const float* x, int64_t cols, float* mx, double* sum) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < cols; ++j) m = x[j] > m ? x[j] : m;
  double s = 0;
  for (int64_t j = 0; j < cols; ++j) s += std::exp(static_cast<double>(x[j] - m));
  *mx = m;
  *sum = s;
}
}  // namespace

void softmax(const float* x, int64_t rows, int64_t cols, float* y) {
  par_elems(rows, static_cast<double>(cols) * 8, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      float m;
      double s;
      row_stats(xr, cols, &m, &s);
      for (int64_t j = 0; j < cols; ++j) yr[j] = static_cast<float>(std::exp(static_cast<double>(xr[j] - m)) / s);
    }
  });
}

void log_softmax(const float* x, int64_t rows, int64_t cols, float* y) {
  par_elems(rows, static_cast<double>(cols) * 8, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      float m;
      double s;
      row_stats(xr, cols, &m, &s);
      const double ls = std::log(s);
      for (int64_t j = 0; j < cols; ++j) yr[j] = static_cast<float>(static_cast<double>(xr[j] - m) - ls);
    }
  });
}

void softmax_xent(const float* logits, const float* labels, int64_t rows, int64_t cols, float* loss) {
  par_elems(rows, static_cast<double>(cols) * 8, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = logits + r * cols;
      const float* lr = labels + r * cols;
      float m;
      double s;
      row_stats(xr, cols, &m, &s);
      const double ls = std::log(s);
      double acc = 0;
      for (int64_t j = 0; j < cols; ++j) acc -= static_cast<double>(lr[j]) * (static_cast<double>(xr[j] - m) - ls);
      loss[r] = static_cast<float>(acc);
    }
  });
}

void softmax_xent_backward(const float* logits, const float* labels, const float* dloss, int64_t rows, int64_t cols,
                           float* dlogits) {
  par_elems(rows, static_cast<double>(cols) * 8, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = logits + r * cols;
      const float* lr = labels + r * cols;
      float* dr = dlogits + r * cols;
      float m;
      double s;
      row_stats(xr, cols, &m, &s);
      double lsum = 0;
      for (int64_t j = 0; j < cols; ++j) lsum += lr[j];
      const double g = dloss[r];
      for (int64_t j = 0; j < cols; ++j)
        dr[j] = static_cast<float>(g * (std::exp(static_cast<double>(xr[j] - m)) / s * lsum - lr[j]));
    }
  });
}

void softmax_backward(const float* y, const float* dy, int64_t rows, int64_t cols, float* dx) {
  par_elems(rows, static_cast<double>(cols) * 2, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* yr = y + r * cols;
      const float* gr = dy + r * cols;
      float* dr = dx + r * cols;
      double dot = 0;
      for (int64_t j = 0; j < cols; ++j) dot += static_cast<double>(gr[j]) * yr[j];
      for (int64_t j = 0; j < cols; ++j) dr[j] = static_cast<float>(yr[j] * (gr[j] - dot));
    }
  });
}

void log_softmax_backward(const float* y, const float* dy, int64_t rows, int64_t cols, float* dx) {
  par_elems(rows, static_cast<double>(cols) * 8, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* yr = y + r * cols;
      const float* gr = dy + r * cols;
      float* dr = dx + r * cols;
      double s = 0;
      for (int64_t j = 0; j < cols; ++j) s += gr[j];
      for (int64_t j = 0; j < cols; ++j) dr[j] = static_cast<float>(gr[j] - std::exp(static_cast<double>(yr[j])) * s);
    }
  });
}

}  // namespace ck

// Kernel entries: the arguments of the kernel table (src/backend/kernels.ts) in order, output
// first; each checks buffer lengths and calls the compute function above.
namespace ck::k {
namespace {

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

}  // namespace

CK_KERNEL("softmax", softmax, "out x rows cols");
CK_KERNEL("softmaxBackward", softmax_backward, "out y dy rows cols");
CK_KERNEL("logSoftmax", log_softmax, "out x rows cols");
CK_KERNEL("logSoftmaxBackward", log_softmax_backward, "out y dy rows cols");
CK_KERNEL("softmaxCrossEntropy", softmax_xent, "out logits labels rows cols");
CK_KERNEL("softmaxCrossEntropyBackward", softmax_xent_backward, "out logits labels dloss rows cols");

}  // namespace ck::k
