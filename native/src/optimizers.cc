// Optimizer updates in place (RMSprop, Adam, SGD with momentum and Nesterov).
#include "optimizers.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "binder.h"
#include "loops.h"

namespace ck {

// Optimizer updates: float32 arithmetic on local restrict pointers so the loops vectorise; the
// state is rounded to float32 at the same points as the reference backend stores it.
void rmsprop_update(float* w, const float* g, float* v, float* m, int64_t n, double lr, double rho, double momentum,
                    double eps) {
  const float flr = static_cast<float>(lr), frho = static_cast<float>(rho), f1mrho = static_cast<float>(1.0 - rho);
  const float fmom = static_cast<float>(momentum), feps = static_cast<float>(eps);
  par_elems(n, 4, [=](int64_t b, int64_t e) {
    float* __restrict W = w;
    const float* __restrict G = g;
    float* __restrict V = v;
    float* __restrict M = m;
    if (M) {
      for (int64_t i = b; i < e; ++i) {
        const float vi = frho * V[i] + f1mrho * G[i] * G[i];
        V[i] = vi;
        const float mi = fmom * M[i] + flr * G[i] / std::sqrt(vi + feps);
        M[i] = mi;
        W[i] -= mi;
      }
    } else {
      for (int64_t i = b; i < e; ++i) {
        const float vi = frho * V[i] + f1mrho * G[i] * G[i];
        V[i] = vi;
        W[i] -= flr * G[i] / std::sqrt(vi + feps);
      }
    }
  });
}

void adam_update(float* w, const float* g, float* m, float* v, int64_t n, double alpha, double beta1, double beta2,
                 double eps) {
  const float fa = static_cast<float>(alpha), f1mb1 = static_cast<float>(1.0 - beta1);
  const float f1mb2 = static_cast<float>(1.0 - beta2), feps = static_cast<float>(eps);
  par_elems(n, 4, [=](int64_t b, int64_t e) {
    float* __restrict W = w;
    const float* __restrict G = g;
    float* __restrict M = m;
    float* __restrict V = v;
    for (int64_t i = b; i < e; ++i) {
      const float mi = M[i] + (G[i] - M[i]) * f1mb1;
      const float vi = V[i] + (G[i] * G[i] - V[i]) * f1mb2;
      M[i] = mi;
      V[i] = vi;
      W[i] -= fa * mi / (std::sqrt(vi) + feps);
    }
  });
}

void sgd_update(float* w, const float* g, float* m, int64_t n, double lr, double momentum, bool nesterov) {
  const float flr = static_cast<float>(lr), fmom = static_cast<float>(momentum);
  par_elems(n, 2, [=](int64_t b, int64_t e) {
    float* __restrict W = w;
    const float* __restrict G = g;
    float* __restrict M = m;
    if (!M) {
      for (int64_t i = b; i < e; ++i) W[i] -= flr * G[i];
      return;
    }
    for (int64_t i = b; i < e; ++i) {
      const float mi = fmom * M[i] - flr * G[i];
      M[i] = mi;
      W[i] += nesterov ? fmom * mi - flr * G[i] : mi;
    }
  });
}

}  // namespace ck

// Kernel entries: the arguments of the kernel table (src/backend/kernels.ts) in order, output
// first; each checks buffer lengths and calls the compute function above.
namespace ck::k {
namespace {

void rmsprop_update(Out w, In g, Out v, OptOut m, double lr, double rho, double momentum, double eps) {
  ck::rmsprop_update(w.data, expect(g, w.size), expect(v, w.size), expect(m, w.size), w.size, lr, rho, momentum, eps);
}

void adam_update(Out w, In g, Out m, Out v, double alpha, double beta1, double beta2, double eps) {
  ck::adam_update(w.data, expect(g, w.size), expect(m, w.size), expect(v, w.size), w.size, alpha, beta1, beta2, eps);
}

void sgd_update(Out w, In g, OptOut m, double lr, double momentum, bool nesterov) {
  ck::sgd_update(w.data, expect(g, w.size), expect(m, w.size), w.size, lr, momentum, nesterov);
}

}  // namespace

CK_KERNEL("rmspropUpdate", rmsprop_update, "w g v m lr rho momentum epsilon");
CK_KERNEL("adamUpdate", adam_update, "w g m v alpha beta1 beta2 epsilon");
CK_KERNEL("sgdUpdate", sgd_update, "w g m lr momentum nesterov");

}  // namespace ck::k
