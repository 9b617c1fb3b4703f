// Matrix multiply entry point, kernel selection, cache blocking and the matmul A/B providers.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "binder.h"
#include "cpu.h"
#include "threadpool.h"

namespace ck {

const UKernel& active_ukernel() {
  static const UKernel generic = ukernel_generic();
#if defined(CK_X86_KERNELS)
  static const UKernel avx2 = ukernel_avx2();
  static const UKernel avx512 = ukernel_avx512();
#else  // other architectures: only the portable kernel is built (cpu.cc never reports AVX there)
  static const UKernel avx2 = generic;
  static const UKernel avx512 = generic;
#endif
  switch (active_isa()) {
    case Isa::Avx512: return avx512;
    case Isa::Avx2: return avx2;
    default: return generic;
  }
}

static int64_t env_int(const char* name, int64_t dflt) {
  const char* s = std::getenv(name);
  if (!s) return dflt;
  long long v = std::atoll(s);
  return v > 0 ? v : dflt;
}

Blocking blocking_for(const UKernel& uk) {
  // Zen 5: 48 KiB L1d, 1 MiB L2 per core. The KC x NR B micro-panel (48 KiB at KC=384, NR=32) is
  // reused from L1/L2 across the MC rows of A (about 600 KiB of A rows in L2); the KC x NC B block
  // sits in L2/L3. KC=384 measured ~15% faster than 256 for SGEMM 1024 here; override with
  // CONVKIT_KC / CONVKIT_MC / CONVKIT_NC for experiments.
  static const int64_t kc = env_int("CONVKIT_KC", 384);
  static const int64_t mc = env_int("CONVKIT_MC", 384);
  static const int64_t nc = env_int("CONVKIT_NC", 3072);
  Blocking b;
  b.kc = kc;
  b.mc = round_up(mc, uk.mr);
  b.nc = round_up(nc, uk.nr);
  return b;
}

uint64_t next_call_key() {
  static std::atomic<uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

Workspace& thread_workspace() {
  static thread_local Workspace ws;
  return ws;
}

std::vector<KBlock> make_kblocks(int64_t ntaps, int64_t C, int64_t kc_target) {
  std::vector<KBlock> out;
  if (ntaps <= 0 || C <= 0) return out;
  if (C >= kc_target) {
    const int64_t nb = (C + kc_target - 1) / kc_target;
    const int64_t cc = (C + nb - 1) / nb;
    for (int64_t t = 0; t < ntaps; ++t)
      for (int64_t c0 = 0; c0 < C; c0 += cc) out.push_back({t, 1, c0, C - c0 < cc ? C - c0 : cc});
  } else {
    int64_t tb = kc_target / C;
    if (tb < 1) tb = 1;
    const int64_t nb = (ntaps + tb - 1) / tb;
    tb = (ntaps + nb - 1) / nb;
    for (int64_t t0 = 0; t0 < ntaps; t0 += tb) out.push_back({t0, ntaps - t0 < tb ? ntaps - t0 : tb, 0, C});
  }
  return out;
}

namespace {

// A rows of a stored matrix. Untransposed A is used in place (row pointers); transposed A is copied
// into a contiguous row-major block first (padded leading dimension avoids cache-set aliasing).
struct MatA {
  const float* a;
  int64_t lda;
  bool trans;
  Workspace* ws;
  void build(int64_t i0, int64_t mc, const KBlock& kb, const float** ind, int MR) const {
    const int64_t p0 = kb.c0, kc = kb.cc;
    static const bool force_copy = env_int("CONVKIT_ACOPY", 1) != 0;
    if (!trans && !force_copy) {
      for (int64_t ir = 0; ir < mc; ir += MR)
        for (int r = 0; r < MR; ++r) {
          const int64_t i = i0 + (ir + r < mc ? ir + r : ir);
          ind[ir + r] = a + i * lda + p0;
        }
      return;
    }
    const int64_t ld = round_up(kc, 16) + 16;
    float* buf = ws->apack.get<float>(static_cast<size_t>(mc * ld));
    if (!trans) {
      for (int64_t r = 0; r < mc; ++r) std::memcpy(buf + r * ld, a + (i0 + r) * lda + p0, sizeof(float) * kc);
    } else {
      for (int64_t pb = 0; pb < kc; pb += 64) {
        const int64_t pe = pb + 64 < kc ? pb + 64 : kc;
        for (int64_t r = 0; r < mc; ++r) {
          float* d = buf + r * ld;
          const float* s = a + i0 + r;
          for (int64_t p = pb; p < pe; ++p) d[p] = s[(p0 + p) * lda];
        }
      }
    }
    for (int64_t ir = 0; ir < mc; ir += MR)
      for (int r = 0; r < MR; ++r) ind[ir + r] = buf + (ir + r < mc ? ir + r : ir) * ld;
  }
};

struct MatB {
  const float* b;
  int64_t ldb;
  bool trans;
  const float* direct(const KBlock& kb, int64_t j0, int64_t nc, int NR) const {
    return !trans && nc == NR && ldb == NR && j0 == 0 ? b + kb.c0 * ldb : nullptr;
  }
  void pack(const KBlock& kb, int64_t j0, int64_t nc, float* bp, int NR) const {
    const int64_t p0 = kb.c0, kc = kb.cc;
    if (!trans) {
      pack_b_rows(kc, nc, bp, NR, [&](int64_t k) { return b + (p0 + k) * ldb + j0; });
      return;
    }
    for (int64_t jr = 0; jr < nc; jr += NR) {
      const int64_t w = nc - jr < NR ? nc - jr : NR;
      float* dst = bp + (jr / NR) * kc * NR;
      for (int64_t j = 0; j < NR; ++j) {
        if (j < w) {
          const float* s = b + (j0 + jr + j) * ldb + p0;
          for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = s[k];
        } else {
          for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = 0.f;
        }
      }
    }
  }
};

}  // namespace

// Several threads: B is packed once, whole (every NC x KC block), by the threads together, then
// the threads claim MC-row blocks of C dynamically and multiply them against the packed B. A thread
// whose core is busy with other work simply takes fewer blocks.
static void sgemm_prepacked_b(const UKernel& uk, const Blocking& bl, bool transA, bool transB, int64_t m, int64_t n,
                              int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                              int64_t ldc, const float* bias, bool relu, int nthreads) {
  const int MR = uk.mr, NR = uk.nr;
  const std::vector<KBlock> kbs = make_kblocks(1, k, bl.kc);
  const int64_t njc = (n + bl.nc - 1) / bl.nc, nkb = static_cast<int64_t>(kbs.size());
  // Block (jc, kb) starts at offset[jc * nkb + kb]; each holds ceil(nc/NR) panels of depth x NR.
  std::vector<int64_t> offset(static_cast<size_t>(njc * nkb + 1), 0);
  for (int64_t jb = 0; jb < njc; ++jb) {
    const int64_t nc = std::min<int64_t>(bl.nc, n - jb * bl.nc);
    for (int64_t kb = 0; kb < nkb; ++kb) {
      const size_t idx = static_cast<size_t>(jb * nkb + kb);
      offset[idx + 1] = offset[idx] + round_up(nc, NR) * kbs[static_cast<size_t>(kb)].cc;
    }
  }
  // The calling thread's grow-only scratch (no zero fill, no fresh pages on repeated calls).
  float* const packed_b = thread_workspace().shared_b.get<float>(static_cast<size_t>(offset.back()));
  MatB bpv{b, ldb, transB};
  // Pack tasks: one NR panel group of one block each (about 8 per block) so both threads share it.
  const int64_t groups = 8;
  run_dynamic(nthreads, njc * nkb * groups, [&](int64_t task, int) {
    const int64_t blk = task / groups, grp = task % groups;
    const int64_t jb = blk / nkb, kb = blk % nkb;
    const int64_t nc = std::min<int64_t>(bl.nc, n - jb * bl.nc);
    const int64_t panels = (nc + NR - 1) / NR;
    const int64_t p0 = panels * grp / groups, p1 = panels * (grp + 1) / groups;
    if (p0 >= p1) return;
    const KBlock& kbk = kbs[static_cast<size_t>(kb)];
    const int64_t c0 = p0 * NR, c1 = std::min(p1 * NR, nc);
    bpv.pack(kbk, jb * bl.nc + c0, c1 - c0, packed_b + offset[static_cast<size_t>(blk)] + p0 * kbk.cc * NR, NR);
  });
  // Row blocks of at most MC rows, as many as a multiple of the threads and of near-equal size:
  // with MC-sized blocks, 1024 rows would split 392/392/240 and leave one core idle a fifth of the time.
  int64_t mchunks = (m + bl.mc - 1) / bl.mc;
  mchunks = (mchunks + nthreads - 1) / nthreads * nthreads;
  const int64_t mcs = round_up((m + mchunks - 1) / mchunks, MR);
  mchunks = (m + mcs - 1) / mcs;
  run_dynamic(nthreads, mchunks, [&](int64_t ch, int) {
    const int64_t ic = ch * mcs, mc = std::min(mcs, m - ic);
    Workspace& ws = thread_workspace();
    const float** ind = ws.ind.get<const float*>(static_cast<size_t>(round_up(mc, MR)));
    MatA ap{transA ? a + ic : a + ic * lda, lda, transA, &ws};
    for (int64_t jb = 0; jb < njc; ++jb) {
      const int64_t jc = jb * bl.nc, nc = std::min<int64_t>(bl.nc, n - jc);
      for (int64_t kb = 0; kb < nkb; ++kb) {
        const KBlock& kbk = kbs[static_cast<size_t>(kb)];
        const bool first = kb == 0, last = kb + 1 == nkb;
        const float* bp = packed_b + offset[static_cast<size_t>(jb * nkb + kb)];
        ap.build(0, mc, kbk, ind, MR);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int nr = static_cast<int>(std::min<int64_t>(NR, nc - jr));
          const float* bpanel = bp + (jr / NR) * kbk.cc * NR;
          const float* bj = last && bias ? bias + jc + jr : nullptr;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int mr = static_cast<int>(std::min<int64_t>(MR, mc - ir));
            uk.fn(1, kbk.cc, ind + ir, bpanel, c + (ic + ir) * ldc + jc + jr, ldc, mr, nr, first ? 0 : 1, bj,
                  last && relu ? 1 : 0);
          }
        }
      }
    }
  });
}

void sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float* c, int64_t ldc, const float* bias, bool relu, int nthreads) {
  if (m <= 0 || n <= 0) return;
  const UKernel& uk = active_ukernel();
  const Blocking bl = blocking_for(uk);
  const bool split_m = m >= n || m >= 4 * uk.mr * nthreads;
  const int64_t units = split_m ? (m + uk.mr - 1) / uk.mr : (n + uk.nr - 1) / uk.nr;
  if (nthreads > units) nthreads = static_cast<int>(units);
  if (nthreads < 1) nthreads = 1;
  // Large B (up to 64 MiB packed) with enough row blocks: pack once, share, claim rows dynamically.
  if (nthreads > 1 && split_m && k > 0 && n * k >= (int64_t(1) << 16) && n * k <= (int64_t(1) << 24) &&
      m >= 2 * bl.mc) {
    sgemm_prepacked_b(uk, bl, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, bias, relu, nthreads);
    return;
  }
  // Row (or column) ranges of whole micro-panels, up to about four per thread, claimed dynamically
  // so a worker that is slow to wake never holds up the caller.
  const int64_t align = split_m ? uk.mr : uk.nr;
  const int64_t per = std::max<int64_t>(1, (units + 4 * nthreads - 1) / (4 * nthreads)) * align;
  const int64_t total = split_m ? m : n;
  const int64_t chunks = nthreads > 1 ? (total + per - 1) / per : 1;
  // Row chunks share all of B: a thread packs it once for all the chunks it takes (when it is one block).
  const uint64_t key = next_call_key();
  run_dynamic(nthreads, chunks, [&](int64_t ch, int) {
    Workspace& ws = thread_workspace();
    const int64_t b0 = chunks == 1 ? 0 : ch * per, b1 = chunks == 1 ? total : std::min(total, b0 + per);
    if (split_m) {
      MatA ap{transA ? a + b0 : a + b0 * lda, lda, transA, &ws};
      MatB bpv{b, ldb, transB};
      igemm_serial(uk, bl, b1 - b0, n, 1, k, ap, bpv, c + b0 * ldc, ldc, bias, relu, ws, key);
    } else {
      MatA ap{a, lda, transA, &ws};
      MatB bpv{transB ? b + b0 * ldb : b + b0, ldb, transB};
      igemm_serial(uk, bl, m, b1 - b0, 1, k, ap, bpv, c + b0, ldc, bias ? bias + b0 : nullptr, relu, ws);
    }
  });
}

}  // namespace ck

// Kernel entries: the arguments of the kernel table (src/backend/kernels.ts) in order, output
// first; each checks buffer lengths and calls the compute function above.
namespace ck::k {
namespace {

void matmul(Out out, In a, In b, int64_t m, int64_t n, int64_t k, bool ta, bool tb, OptIn bias, Activation act) {
  const float* pa = expect(a, product({m, k}, "a"));
  const float* pb = expect(b, product({k, n}, "b"));
  const float* pbias = expect(bias, n);
  float* po = expect(out, product({m, n}, "out"));
  const int nt = threads_for(2.0 * m * n * k);
  sgemm(ta, tb, m, n, k, pa, ta ? m : k, pb, tb ? k : n, po, n, pbias, act == Activation::Relu, nt);
}

}  // namespace

CK_KERNEL("matmul", matmul, "out a b m n k transA transB bias act");

}  // namespace ck::k
