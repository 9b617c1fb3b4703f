// Optimizer updates, in place, with Keras's semantics.
#pragma once

#include <cstdint>

namespace ck {

void rmsprop_update(float* w, const float* g, float* v, float* m, int64_t n, double lr, double rho, double momentum,
                    double eps);
void adam_update(float* w, const float* g, float* m, float* v, int64_t n, double alpha, double beta1, double beta2,
                 double eps);
void sgd_update(float* w, const float* g, float* m, int64_t n, double lr, double momentum, bool nesterov);

}  // namespace ck
