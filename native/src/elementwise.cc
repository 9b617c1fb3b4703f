// Simple loops the compiler vectorises; the thread pool only for large arrays.
#include "elementwise.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "threadpool.h"

namespace ck {
namespace {

constexpr double kElemPerThread = 1.0e5;

template <class F>
void par_elems(int64_t n, double cost_per_elem, F&& fn) {
  parallel_for(n, threads_for(static_cast<double>(n) * cost_per_elem, kElemPerThread), fn);
}

struct Named { const char* name; int code; };

template <class E, size_t N>
bool lookup(const Named (&table)[N], const char* s, E* out) {
  for (const Named& e : table)
    if (!std::strcmp(e.name, s)) { *out = static_cast<E>(e.code); return true; }
  return false;
}

const Named kUnary[] = {{"neg", 0}, {"abs", 1}, {"exp", 2}, {"log", 3}, {"sqrt", 4}, {"rsqrt", 5}, {"square", 6},
                        {"reciprocal", 7}, {"relu", 8}, {"sigmoid", 9}, {"tanh", 10}, {"sign", 11}, {"floor", 12},
                        {"round", 13}, {"softplus", 14}};
const Named kBinary[] = {{"add", 0}, {"sub", 1}, {"mul", 2}, {"div", 3}, {"maximum", 4}, {"minimum", 5},
                         {"pow", 6}, {"greater", 7}, {"greaterEqual", 8}, {"less", 9}, {"lessEqual", 10},
                         {"equal", 11}};
const Named kReduce[] = {{"sum", 0}, {"max", 1}, {"min", 2}};

template <class F>
void map1(const float* x, float* y, int64_t n, double cost, F f) {
  par_elems(n, cost, [x, y, f](int64_t b, int64_t e) {
    // Local restrict copies: with by-reference captures GCC reloads the pointers after every store
    // and does not vectorise.
    const float* __restrict xs = x;
    float* __restrict ys = y;
    for (int64_t i = b; i < e; ++i) ys[i] = f(xs[i]);
  });
}

inline float softplus(float v) {
  // log(1 + e^v) without overflow: v + log1p(e^-v) for v > 0.
  return v > 0.f ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
}

// Round half to even (TensorFlow/Keras semantics).
inline float round_even(float v) { return std::nearbyint(v); }

template <class F>
void binary_loop(const float* a, const int64_t* as, const float* b, const int64_t* bs, const int64_t* os, int r,
                 float* out, F f) {
  // Inner dimension is a contiguous loop with per-operand stride 0 or 1; outer dims walk an odometer.
  int64_t total = 1;
  for (int i = 0; i < r; ++i) total *= os[i];
  if (total == 0) return;
  const int64_t inner = r > 0 ? os[r - 1] : 1;
  const int64_t sa = r > 0 ? as[r - 1] : 0, sb = r > 0 ? bs[r - 1] : 0;
  const int64_t rows = total / inner;
  par_elems(rows, static_cast<double>(inner), [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> idx(static_cast<size_t>(r > 1 ? r - 1 : 1), 0);
    // Position the odometer at row r0.
    int64_t rem = r0, offa = 0, offb = 0;
    for (int d = r - 2; d >= 0; --d) {
      idx[d] = rem % os[d];
      rem /= os[d];
      offa += idx[d] * as[d];
      offb += idx[d] * bs[d];
    }
    for (int64_t row = r0; row < r1; ++row) {
      float* __restrict o = out + row * inner;
      const float* __restrict pa = a + offa;
      const float* __restrict pb = b + offb;
      if (sa == 1 && sb == 1) for (int64_t j = 0; j < inner; ++j) o[j] = f(pa[j], pb[j]);
      else if (sa == 1) { const float vb = pb[0]; for (int64_t j = 0; j < inner; ++j) o[j] = f(pa[j], vb); }
      else if (sb == 1) { const float va = pa[0]; for (int64_t j = 0; j < inner; ++j) o[j] = f(va, pb[j]); }
      else { const float v = f(pa[0], pb[0]); for (int64_t j = 0; j < inner; ++j) o[j] = v; }
      for (int d = r - 2; d >= 0; --d) {
        offa += as[d];
        offb += bs[d];
        if (++idx[d] < os[d]) break;
        offa -= as[d] * os[d];
        offb -= bs[d] * os[d];
        idx[d] = 0;
      }
    }
  });
}

}  // namespace

bool parse_unary(const char* s, Unary* op) { return lookup(kUnary, s, op); }
bool parse_binary(const char* s, Binary* op) { return lookup(kBinary, s, op); }
bool parse_reduce(const char* s, Reduce* op) { return lookup(kReduce, s, op); }

void unary(Unary op, const float* x, float* y, int64_t n) {
  switch (op) {
    case Unary::Neg: return map1(x, y, n, 1, [](float v) { return -v; });
    case Unary::Abs: return map1(x, y, n, 1, [](float v) { return std::fabs(v); });
    case Unary::Exp: return map1(x, y, n, 8, [](float v) { return std::exp(v); });
    case Unary::Log: return map1(x, y, n, 8, [](float v) { return std::log(v); });
    case Unary::Sqrt: return map1(x, y, n, 2, [](float v) { return std::sqrt(v); });
    case Unary::Rsqrt: return map1(x, y, n, 2, [](float v) { return 1.f / std::sqrt(v); });
    case Unary::Square: return map1(x, y, n, 1, [](float v) { return v * v; });
    case Unary::Reciprocal: return map1(x, y, n, 2, [](float v) { return 1.f / v; });
    case Unary::Relu: return map1(x, y, n, 1, [](float v) { return v > 0.f ? v : 0.f; });
    case Unary::Sigmoid: return map1(x, y, n, 8, [](float v) { return 1.f / (1.f + std::exp(-v)); });
    case Unary::Tanh: return map1(x, y, n, 8, [](float v) { return std::tanh(v); });
    case Unary::Sign: return map1(x, y, n, 1, [](float v) { return v > 0.f ? 1.f : v < 0.f ? -1.f : 0.f; });
    case Unary::Floor: return map1(x, y, n, 1, [](float v) { return std::floor(v); });
    case Unary::Round: return map1(x, y, n, 1, [](float v) { return round_even(v); });
    case Unary::Softplus: return map1(x, y, n, 12, [](float v) { return softplus(v); });
  }
}

void binary(Binary op, const float* a, const int64_t* ashape, int ar, const float* b, const int64_t* bshape, int br,
            const int64_t* oshape, int orank, float* out) {
  // Element strides of a and b in output coordinates (0 where broadcast), collapsed where possible.
  std::vector<int64_t> as(orank), bs(orank), os(oshape, oshape + orank);
  int64_t sa = 1, sb = 1;
  for (int d = orank - 1; d >= 0; --d) {
    const int ai = d - (orank - ar), bi = d - (orank - br);
    const int64_t ad = ai >= 0 ? ashape[ai] : 1, bd = bi >= 0 ? bshape[bi] : 1;
    as[d] = ad == 1 ? 0 : sa;
    bs[d] = bd == 1 ? 0 : sb;
    sa *= ad;
    sb *= bd;
  }
  // Merge adjacent dims whose strides chain (both contiguous-or-broadcast in the same way).
  std::vector<int64_t> cs, ca, cb;
  for (int d = 0; d < orank; ++d) {
    if (os[d] == 1) continue;
    if (!cs.empty()) {
      const size_t l = cs.size() - 1;
      if (ca[l] == as[d] * os[d] && cb[l] == bs[d] * os[d]) {
        cs[l] *= os[d];
        ca[l] = as[d];
        cb[l] = bs[d];
        continue;
      }
    }
    cs.push_back(os[d]);
    ca.push_back(as[d]);
    cb.push_back(bs[d]);
  }
  if (cs.empty()) { cs.push_back(1); ca.push_back(0); cb.push_back(0); }
  // The inner loop needs stride 0 or 1; a strided innermost dim (rare) gets a trailing dim of 1.
  if ((ca.back() != 0 && ca.back() != 1) || (cb.back() != 0 && cb.back() != 1)) {
    cs.push_back(1); ca.push_back(0); cb.push_back(0);
  }
  const int r = static_cast<int>(cs.size());
  const int64_t* S = cs.data();
  const int64_t* A = ca.data();
  const int64_t* B = cb.data();
  switch (op) {
    case Binary::Add: return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x + y; });
    case Binary::Sub: return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x - y; });
    case Binary::Mul: return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x * y; });
    case Binary::Div: return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x / y; });
    case Binary::Maximum:
      return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x >= y || x != x ? x : y; });
    case Binary::Minimum:
      return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x <= y || x != x ? x : y; });
    case Binary::Pow:
      return binary_loop(a, A, b, B, S, r, out,
                         [](float x, float y) { return static_cast<float>(std::pow(static_cast<double>(x), static_cast<double>(y))); });
    case Binary::Greater: return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x > y ? 1.f : 0.f; });
    case Binary::GreaterEqual: return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x >= y ? 1.f : 0.f; });
    case Binary::Less: return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x < y ? 1.f : 0.f; });
    case Binary::LessEqual: return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x <= y ? 1.f : 0.f; });
    case Binary::Equal: return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x == y ? 1.f : 0.f; });
  }
}

void relu_backward(const float* dy, const float* y, float* dx, int64_t n) {
  par_elems(n, 1, [dy, y, dx](int64_t b, int64_t e) {
    const float* __restrict g = dy;
    const float* __restrict v = y;
    float* __restrict o = dx;
    for (int64_t i = b; i < e; ++i) {
      const float gi = g[i], vi = v[i];  // both loads unconditional, so the select vectorises
      o[i] = vi > 0.f ? gi : 0.f;
    }
  });
}

void reduce(Reduce op, const float* x, int64_t outer, int64_t size, int64_t inner, float* out) {
  if (inner == 1) {
    par_elems(outer, static_cast<double>(size), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        const float* s = x + o * size;
        if (op == Reduce::Sum) {
          // Eight double partial sums: accurate like the reference, and still vectorised.
          double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
          int64_t i = 0;
          for (; i + 8 <= size; i += 8)
            for (int j = 0; j < 8; ++j) acc[j] += s[i + j];
          for (; i < size; ++i) acc[0] += s[i];
          double t = 0;
          for (int j = 0; j < 8; ++j) t += acc[j];
          out[o] = static_cast<float>(t);
        } else if (size == 0) {
          out[o] = op == Reduce::Max ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
        } else {
          float m = s[0];
          bool nan = false;
          for (int64_t i = 0; i < size; ++i) {
            const float v = s[i];
            nan |= v != v;
            m = op == Reduce::Max ? (v > m ? v : m) : (v < m ? v : m);
          }
          out[o] = nan ? std::numeric_limits<float>::quiet_NaN() : m;
        }
      }
    });
    return;
  }
  // Reduce rows of length `inner` into one: work in column blocks, parallel over outer x blocks.
  const int64_t blk = 256;
  const int64_t nblk = (inner + blk - 1) / blk;
  par_elems(outer * nblk, static_cast<double>(size * (inner < blk ? inner : blk)), [&](int64_t u0, int64_t u1) {
    double acc[256];
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t o = u / nblk, j0 = (u % nblk) * blk, jn = inner - j0 < blk ? inner - j0 : blk;
      const float* s = x + o * size * inner + j0;
      float* d = out + o * inner + j0;
      if (op == Reduce::Sum) {
        // Float partial sums over 32 rows (vectorised), folded into double accumulators.
        float part[256];
        for (int64_t j = 0; j < jn; ++j) acc[j] = 0;
        for (int64_t i0 = 0; i0 < size; i0 += 32) {
          const int64_t i1 = i0 + 32 < size ? i0 + 32 : size;
          for (int64_t j = 0; j < jn; ++j) part[j] = 0.f;
          for (int64_t i = i0; i < i1; ++i) {
            const float* __restrict r = s + i * inner;
            for (int64_t j = 0; j < jn; ++j) part[j] += r[j];
          }
          for (int64_t j = 0; j < jn; ++j) acc[j] += part[j];
        }
        for (int64_t j = 0; j < jn; ++j) d[j] = static_cast<float>(acc[j]);
      } else {
        const bool mx = op == Reduce::Max;
        const float init = mx ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < jn; ++j) d[j] = init;
        for (int64_t i = 0; i < size; ++i)
          for (int64_t j = 0; j < jn; ++j) {
            const float v = s[i * inner + j];
            d[j] = (v != v || d[j] != d[j]) ? std::numeric_limits<float>::quiet_NaN() : mx ? (v > d[j] ? v : d[j]) : (v < d[j] ? v : d[j]);
          }
      }
    }
  });
}

void arg_max(const float* x, int64_t outer, int64_t size, int64_t inner, int32_t* out) {
  par_elems(outer, static_cast<double>(size * inner), [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t j = 0; j < inner; ++j) {
        const float* s = x + o * size * inner + j;
        int64_t best = 0;
        float bv = -std::numeric_limits<float>::infinity();
        for (int64_t i = 0; i < size; ++i)
          if (s[i * inner] > bv) { bv = s[i * inner]; best = i; }
        out[o * inner + j] = static_cast<int32_t>(best);
      }
  });
}

void transpose(const float* x, const int64_t* shape, const int64_t* perm, int rank, float* out) {
  int64_t total = 1;
  for (int i = 0; i < rank; ++i) total *= shape[i];
  if (total == 0) return;
  if (rank == 0) { out[0] = x[0]; return; }
  std::vector<int64_t> istride(rank), os(rank), ost(rank);
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; --d) { istride[d] = s; s *= shape[d]; }
  for (int d = 0; d < rank; ++d) { os[d] = shape[perm[d]]; ost[d] = istride[perm[d]]; }
  const int64_t inner = os[rank - 1], is = ost[rank - 1];
  const int64_t rows = total / inner;
  par_elems(rows, static_cast<double>(inner), [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> idx(rank, 0);
    int64_t rem = r0, off = 0;
    for (int d = rank - 2; d >= 0; --d) { idx[d] = rem % os[d]; rem /= os[d]; off += idx[d] * ost[d]; }
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
