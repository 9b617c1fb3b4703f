// Reductions over the middle axis of [outer, size, inner] (sum, max, min) and argMax.
#include "reduce.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "binder.h"
#include "loops.h"

namespace ck {
namespace {
const Named kReduce[] = {{"sum", 0}, {"max", 1}, {"min", 2}};
}  // namespace

bool parse_reduce(const char* s, Reduce* op) { return lookup(kReduce, s, op); }

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
            d[j] = (v != v || d[j] != d[j]) ? std::numeric_limits<float>::quiet_NaN()
                   : mx                     ? (v > d[j] ? v : d[j])
                                            : (v < d[j] ? v : d[j]);
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
          if (s[i * inner] > bv) {
            bv = s[i * inner];
            best = i;
          }
        out[o * inner + j] = static_cast<int32_t>(best);
      }
  });
}

}  // namespace ck

// Kernel entries: the arguments of the kernel table (src/backend/kernels.ts) in order, output
// first; each checks buffer lengths and calls the compute function above.
namespace ck::k {
namespace {

void reduce(Out out, Reduce op, In x, int64_t outer, int64_t size, int64_t inner) {
  ck::reduce(op, expect(x, product({outer, size, inner}, "x")), outer, size, inner,
             expect(out, product({outer, inner}, "out")));
}

void arg_max(IdxOut out, In x, int64_t outer, int64_t size, int64_t inner) {
  ck::arg_max(expect(x, product({outer, size, inner}, "x")), outer, size, inner,
              expect(out, product({outer, inner}, "out")));
}

}  // namespace

CK_KERNEL("reduce", reduce, "out op x outer size inner");
CK_KERNEL("argMax", arg_max, "out x outer size inner");

}  // namespace ck::k
