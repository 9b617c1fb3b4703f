// FMA peak of this machine: independent chains of vector FMAs (no loads or stores) on 1 thread and
// on N threads at once, for AVX2 (8 lanes) and, when the CPU has it, AVX-512 (16 lanes).
// Built and run by bench/peak.ts:  gcc -O2 -pthread bench/peak.c -o peak && ./peak N
// Output, one line each:  "1 thread: avx2 G [avx512 G]"  and  "N threads: avx2 G [avx512 G]"  (GFLOP/s).
// The ISA code is compiled with target attributes, so no -march flag is needed and the AVX-512 part
// only runs where cpuid reports it.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

// 12 chains: covers 2 FMA pipes x 4-6 cycles of latency on current x86 cores.
__attribute__((target("avx2,fma"))) static double fma_avx2(long iters) {
  __m256 a[12];
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-6f);
  for (int i = 0; i < 12; ++i) a[i] = _mm256_set1_ps((float)i);
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) a[i] = _mm256_fmadd_ps(a[i], m, c);
  }
  __m256 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, a[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0];
}

__attribute__((target("avx512f"))) static double fma_avx512(long iters) {
  __m512 a[16];
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-6f);
  for (int i = 0; i < 16; ++i) a[i] = _mm512_set1_ps((float)i);
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) a[i] = _mm512_fmadd_ps(a[i], m, c);
  }
  __m512 s = a[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, a[i]);
  return _mm512_reduce_add_ps(s);
}

typedef struct {
  int isa;  // 0: avx2, 1: avx512
  long iters;
  double seconds, sink;
  pthread_barrier_t* start;
} Job;

static void* worker(void* p) {
  Job* j = (Job*)p;
  pthread_barrier_wait(j->start);
  const double t0 = now();
  j->sink = j->isa ? fma_avx512(j->iters) : fma_avx2(j->iters);
  j->seconds = now() - t0;
  return NULL;
}

// GFLOP/s of `threads` threads together (each runs `iters`; the slowest thread sets the time).
static double measure(int isa, int threads, long iters) {
  pthread_t* tid = calloc(threads, sizeof(pthread_t));
  Job* jobs = calloc(threads, sizeof(Job));
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, threads);
  for (int i = 0; i < threads; ++i) {
    jobs[i] = (Job){isa, iters, 0, 0, &start};
    pthread_create(&tid[i], NULL, worker, &jobs[i]);
  }
  double slowest = 0, sink = 0;
  for (int i = 0; i < threads; ++i) {
    pthread_join(tid[i], NULL);
    if (jobs[i].seconds > slowest) slowest = jobs[i].seconds;
    sink += jobs[i].sink;
  }
  pthread_barrier_destroy(&start);
  free(tid);
  free(jobs);
  const double flops_per_iter = isa ? 16.0 * 16 * 2 : 12.0 * 8 * 2;
  if (sink == 12345.678) printf("%f\n", sink);  // keeps the chains alive
  return flops_per_iter * iters * threads / slowest / 1e9;
}

// Best of 5 short runs (about 0.05 s each): the least disturbed by other work on the machine.
static double best(int isa, int threads) {
  double b = 0;
  const long iters = isa ? 2500000 : 5000000;
  for (int r = 0; r < 5; ++r) {
    const double g = measure(isa, threads, iters);
    if (g > b) b = g;
  }
  return b;
}

int main(int argc, char** argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 1;
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    printf("no AVX2+FMA on this CPU\n");
    return 1;
  }
  const int has512 = __builtin_cpu_supports("avx512f");
  const int counts[2] = {1, n > 1 ? n : 1};
  for (int k = 0; k < (n > 1 ? 2 : 1); ++k) {
    const int t = counts[k];
    printf("%d thread%s: avx2 %.1f", t, t > 1 ? "s" : "", best(0, t));
    if (has512) printf(" avx512 %.1f", best(1, t));
    printf("\n");
  }
  return 0;
}
#else
int main(void) {
  printf("not an x86 CPU: no FMA peak measured\n");
  return 1;
}
#endif
