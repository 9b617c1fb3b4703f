// Row-wise softmax / log-softmax (and their backward passes) and the fused softmax cross-entropy.
#pragma once

#include <cstdint>

namespace ck {

void softmax(const float* x, int64_t rows, int64_t cols, float* y);
void softmax_backward(const float* y, const float* dy, int64_t rows, int64_t cols, float* dx);
void log_softmax(const float* x, int64_t rows, int64_t cols, float* y);
void log_softmax_backward(const float* y, const float* dy, int64_t rows, int64_t cols, float* dx);
void softmax_xent(const float* logits, const float* labels, int64_t rows, int64_t cols, float* loss);
void softmax_xent_backward(const float* logits, const float* labels, const float* dloss, int64_t rows, int64_t cols,
                           float* dlogits);

}  // namespace ck
