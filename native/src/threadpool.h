// Persistent thread pool: one worker per core minus the caller, which always takes part as thread 0.
// Workers spin briefly after each job (many kernel calls are small and come in quick succession),
// then sleep on a condition variable. Nested calls from inside a job run inline on one thread.
#pragma once

#include <cstdint>
#include <functional>

namespace ck {

int num_threads();
// n <= 0 restores the default (CONVKIT_NUM_THREADS, else the CPUs this process may run on).
void set_num_threads(int n);
// Runs fn(tid, nthreads) for tid in [0, nthreads); nthreads is clamped to the pool size.
void run_parallel(int nthreads, const std::function<void(int, int)>& fn);
// Runs fn(chunk, tid) for every chunk in [0, nchunks) on up to nthreads threads that claim chunks
// dynamically (robust when a core is busy with other work); tid < nthreads identifies the thread.
void run_dynamic(int nthreads, int64_t nchunks, const std::function<void(int64_t, int)>& fn);

// Splits [0, n) into nthreads contiguous ranges, each a multiple of `align` except the last.
inline void split_range(int64_t n, int64_t align, int tid, int nthreads, int64_t* b, int64_t* e) {
  int64_t units = (n + align - 1) / align;
  int64_t per = units / nthreads, rem = units % nthreads;
  int64_t ub = tid * per + (tid < rem ? tid : rem);
  int64_t ue = ub + per + (tid < rem ? 1 : 0);
  *b = ub * align < n ? ub * align : n;
  *e = ue * align < n ? ue * align : n;
}

// Scale of the per-thread minimum work (CONVKIT_MIN_WORK, default 1): waking a sleeping worker
// costs tens of microseconds or more in a VM, so small jobs stay on the calling thread.
double min_work_scale();

// Threads worth using for `work` units of roughly one flop each (small jobs stay single-threaded).
inline int threads_for(double work, double min_per_thread = 2.0e6) {
  int nt = num_threads();
  int useful = static_cast<int>(work / (min_per_thread * min_work_scale()));
  if (useful < 1) useful = 1;
  return useful < nt ? useful : nt;
}

// Parallel loop over [0, n): fn(begin, end) on contiguous chunks.
// Parallel loop over [0, n): fn(begin, end) on contiguous chunks, about four per thread, claimed
// dynamically.
template <class F>
void parallel_for(int64_t n, int nthreads, F&& fn) {
  if (n <= 0) return;
  if (nthreads > n) nthreads = static_cast<int>(n);
  if (nthreads <= 1) {
    fn(int64_t(0), n);
    return;
  }
  const int64_t chunks = n < 4 * nthreads ? n : 4 * nthreads;
  run_dynamic(nthreads, chunks, [&](int64_t c, int) {
    const int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
    if (b < e) fn(b, e);
  });
}

}  // namespace ck
