// Elementwise kernels: unary maps, broadcasting binary ops and the ReLU gradient. Simple loops the
// compiler vectorises; the thread pool only for large arrays.
#include "elementwise.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "binder.h"
#include "loops.h"

namespace ck {
namespace {

const Named kUnary[] = {{"neg", 0},   {"abs", 1},    {"exp", 2},        {"log", 3},    {"sqrt", 4},
                        {"rsqrt", 5}, {"square", 6}, {"reciprocal", 7}, {"relu", 8},   {"sigmoid", 9},
                        {"tanh", 10}, {"sign", 11},  {"floor", 12},     {"round", 13}, {"softplus", 14}};
const Named kBinary[] = {{"add", 0},          {"sub", 1},     {"mul", 2},        {"div", 3},
                         {"maximum", 4},      {"minimum", 5}, {"pow", 6},        {"greater", 7},
                         {"greaterEqual", 8}, {"less", 9},    {"lessEqual", 10}, {"equal", 11}};

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
      if (sa == 1 && sb == 1)
        for (int64_t j = 0; j < inner; ++j) o[j] = f(pa[j], pb[j]);
      else if (sa == 1) {
        const float vb = pb[0];
        for (int64_t j = 0; j < inner; ++j) o[j] = f(pa[j], vb);
      } else if (sb == 1) {
        const float va = pa[0];
        for (int64_t j = 0; j < inner; ++j) o[j] = f(va, pb[j]);
      } else {
        const float v = f(pa[0], pb[0]);
        for (int64_t j = 0; j < inner; ++j) o[j] = v;
      }
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
  if (cs.empty()) {
    cs.push_back(1);
    ca.push_back(0);
    cb.push_back(0);
  }
  // The inner loop needs stride 0 or 1; a strided innermost dim (rare) gets a trailing dim of 1.
  if ((ca.back() != 0 && ca.back() != 1) || (cb.back() != 0 && cb.back() != 1)) {
    cs.push_back(1);
    ca.push_back(0);
    cb.push_back(0);
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
      return binary_loop(a, A, b, B, S, r, out, [](float x, float y) {
        return static_cast<float>(std::pow(static_cast<double>(x), static_cast<double>(y)));
      });
    case Binary::Greater: return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x > y ? 1.f : 0.f; });
    case Binary::GreaterEqual:
      return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x >= y ? 1.f : 0.f; });
    case Binary::Less: return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x < y ? 1.f : 0.f; });
    case Binary::LessEqual:
      return binary_loop(a, A, b, B, S, r, out, [](float x, float y) { return x <= y ? 1.f : 0.f; });
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

}  // namespace ck

// Kernel entries: the arguments of the kernel table (src/backend/kernels.ts) in order, output
// first; each checks buffer lengths and calls the compute function above.
namespace ck::k {
namespace {

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

}  // namespace

CK_KERNEL("unary", unary, "out op x");
CK_KERNEL("binary", binary, "out op a aShape b bShape outShape");
CK_KERNEL("reluBackward", relu_backward, "out dy y");

}  // namespace ck::k
