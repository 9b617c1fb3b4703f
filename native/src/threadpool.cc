#include "threadpool.h"

#include <sched.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ck {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

thread_local bool t_in_pool = false;

// How long an idle worker spins before sleeping (CONVKIT_SPIN_US, default 100).
int spin_us() {
  static const int v = [] {
    const char* s = std::getenv("CONVKIT_SPIN_US");
    const int x = s ? std::atoi(s) : 100;
    return x >= 0 && x <= 100000 ? x : 100;
  }();
  return v;
}

int default_threads() {
  if (const char* s = std::getenv("CONVKIT_NUM_THREADS")) {
    int v = std::atoi(s);
    if (v >= 1 && v <= 1024) return v;
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int c = CPU_COUNT(&set);
    if (c >= 1) return c;
  }
  unsigned h = std::thread::hardware_concurrency();
  return h >= 1 ? static_cast<int>(h) : 1;
}

class Pool {
 public:
  Pool() { start(default_threads()); }
  ~Pool() { stop(); }

  int size() const { return size_; }

  void resize(int n) {
    if (n <= 0) n = default_threads();
    if (n > 1024) n = 1024;
    if (n == size_) return;
    std::lock_guard<std::mutex> call(call_mu_);
    stop();
    start(n);
  }

  void run(int nthreads, const std::function<void(int, int)>& fn) {
    if (nthreads > size_) nthreads = size_;
    if (nthreads <= 1 || t_in_pool) {
      fn(0, 1);
      return;
    }
    std::lock_guard<std::mutex> call(call_mu_);
    {
      std::lock_guard<std::mutex> lk(mu_);
      job_ = &fn;
      remaining_.store(nthreads - 1, std::memory_order_relaxed);
      // One word carries the generation and the thread count, so a worker reads both consistently.
      uint64_t gen = (word_.load(std::memory_order_relaxed) >> 16) + 1;
      word_.store((gen << 16) | static_cast<uint64_t>(nthreads), std::memory_order_seq_cst);
    }
    cv_.notify_all();
    t_in_pool = true;
    std::exception_ptr err;
    try {
      fn(0, nthreads);
    } catch (...) {
      err = std::current_exception();
    }
    t_in_pool = false;
    int spins = 0;
    while (remaining_.load(std::memory_order_acquire) != 0) {
      if (++spins < 4096) cpu_relax();
      else std::this_thread::yield();
    }
    // An exception (only std::bad_alloc is possible in the kernels) is rethrown on the caller's
    // thread after every worker has finished, so the pool stays consistent and N-API turns it
    // into a JS error instead of std::terminate.
    if (!err) {
      std::lock_guard<std::mutex> lk(mu_);
      err = worker_error_;
      worker_error_ = nullptr;
    }
    if (err) std::rethrow_exception(err);
  }

  // Dynamic job: the threads claim chunks from a shared counter, so a thread that starts late (its
  // core busy with other work) takes fewer chunks instead of holding everyone up. The caller does
  // not wait for workers that never arrived: once every chunk is done it closes the job, and a late
  // worker that then registers sees the closed word and leaves without touching it.
  void run_dynamic(int nthreads, int64_t nchunks, const std::function<void(int64_t, int)>& fn) {
    if (nthreads > size_) nthreads = size_;
    if (nthreads > nchunks) nthreads = static_cast<int>(nchunks);
    if (nthreads <= 1 || t_in_pool) {
      for (int64_t i = 0; i < nchunks; ++i) fn(i, 0);
      return;
    }
    std::lock_guard<std::mutex> call(call_mu_);
    uint64_t gen;
    {
      std::lock_guard<std::mutex> lk(mu_);
      dfn_ = &fn;
      dn_ = nchunks;
      dnext_.store(0, std::memory_order_relaxed);
      ddone_.store(0, std::memory_order_relaxed);
      gen = (word_.load(std::memory_order_relaxed) >> 16) + 1;
      word_.store((gen << 16) | kDynamic | static_cast<uint64_t>(nthreads), std::memory_order_seq_cst);
    }
    cv_.notify_all();
    t_in_pool = true;
    run_chunks(0);
    t_in_pool = false;
    int spins = 0;
    while (ddone_.load(std::memory_order_acquire) < dn_) {
      if (++spins < 4096) cpu_relax();
      else std::this_thread::yield();
    }
    {
      std::lock_guard<std::mutex> lk(mu_);
      word_.store((gen + 1) << 16, std::memory_order_seq_cst);  // closed: no threads, no job
    }
    spins = 0;
    while (dusers_.load(std::memory_order_seq_cst) != 0) {
      if (++spins < 4096) cpu_relax();
      else std::this_thread::yield();
    }
    std::exception_ptr err;
    {
      std::lock_guard<std::mutex> lk(mu_);
      err = worker_error_;
      worker_error_ = nullptr;
    }
    if (err) std::rethrow_exception(err);
  }

 private:
  static constexpr uint64_t kDynamic = 0x1000;
  static constexpr uint64_t kThreadMask = 0xfff;

  void run_chunks(int tid) {
    for (;;) {
      const int64_t i = dnext_.fetch_add(1, std::memory_order_relaxed);
      if (i >= dn_) return;
      try {
        (*dfn_)(i, tid);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mu_);
        if (!worker_error_) worker_error_ = std::current_exception();
      }
      ddone_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  void start(int n) {
    size_ = n;
    stop_flag_.store(false);
    // Workers start from the current word: a job posted before a worker first runs is not missed.
    const uint64_t w0 = word_.load(std::memory_order_acquire);
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i, w0] { worker(i, w0); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_flag_.store(true);
      uint64_t gen = (word_.load(std::memory_order_relaxed) >> 16) + 1;
      word_.store(gen << 16, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  void worker(int idx, uint64_t seen) {
    t_in_pool = true;
    for (;;) {
      // Spin for ~100 us before sleeping: back-to-back kernel calls then cost no futex wake-up.
      auto t0 = std::chrono::steady_clock::now();
      int spins = 0;
      while (word_.load(std::memory_order_acquire) == seen) {
        cpu_relax();
        if ((++spins & 255) == 0 && std::chrono::steady_clock::now() - t0 > std::chrono::microseconds(spin_us())) {
          std::unique_lock<std::mutex> lk(mu_);
          cv_.wait(lk, [&] { return word_.load(std::memory_order_acquire) != seen; });
          break;
        }
      }
      seen = word_.load(std::memory_order_acquire);
      if (stop_flag_.load(std::memory_order_acquire)) return;
      const int nt = static_cast<int>(seen & kThreadMask);
      if (nt == 0 || idx >= nt) continue;  // closed job, or not needed for this one
      if (seen & kDynamic) {
        dusers_.fetch_add(1, std::memory_order_seq_cst);
        if (word_.load(std::memory_order_seq_cst) == seen) run_chunks(idx);
        dusers_.fetch_sub(1, std::memory_order_seq_cst);
        continue;
      }
      {
        try {
          (*job_)(idx, nt);
        } catch (...) {
          std::lock_guard<std::mutex> lk(mu_);
          if (!worker_error_) worker_error_ = std::current_exception();
        }
        remaining_.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex call_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> word_{0};
  std::atomic<int> remaining_{0};
  const std::function<void(int, int)>* job_ = nullptr;
  std::atomic<bool> stop_flag_{false};
  const std::function<void(int64_t, int)>* dfn_ = nullptr;
  int64_t dn_ = 0;
  std::atomic<int64_t> dnext_{0}, ddone_{0};
  std::atomic<int> dusers_{0};
  std::exception_ptr worker_error_;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: workers must not be joined during static teardown
  return *p;
}

}  // namespace

double min_work_scale() {
  static const double v = [] {
    const char* s = std::getenv("CONVKIT_MIN_WORK");
    const double x = s ? std::atof(s) : 1.0;
    return x > 0 ? x : 1.0;
  }();
  return v;
}

int num_threads() { return pool().size(); }
void set_num_threads(int n) { pool().resize(n); }
void run_parallel(int nthreads, const std::function<void(int, int)>& fn) { pool().run(nthreads, fn); }
void run_dynamic(int nthreads, int64_t nchunks, const std::function<void(int64_t, int)>& fn) {
  pool().run_dynamic(nthreads, nchunks, fn);
}

}  // namespace ck
