// Helpers shared by the simple kernels (elementwise, reductions, softmax, data movement,
// optimizer updates): a parallel loop sized by work, and name-to-enum lookup for op strings.
#pragma once

#include <cstdint>
#include <cstring>

#include "threadpool.h"

namespace ck {

constexpr double kElemPerThread = 1.0e5;

template <class F>
void par_elems(int64_t n, double cost_per_elem, F&& fn) {
  parallel_for(n, threads_for(static_cast<double>(n) * cost_per_elem, kElemPerThread), fn);
}

struct Named {
  const char* name;
  int code;
};

template <class E, size_t N>
bool lookup(const Named (&table)[N], const char* s, E* out) {
  for (const Named& e : table)
    if (!std::strcmp(e.name, s)) {
      *out = static_cast<E>(e.code);
      return true;
    }
  return false;
}

}  // namespace ck
