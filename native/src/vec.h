// Four floats as one value for the memory-bound kernels compiled for the baseline ISA (SSE on
// x86-64, plain code elsewhere); loads and stores need no alignment.
#pragma once

#include <cstring>

namespace ck {

typedef float v4 __attribute__((vector_size(16)));

inline v4 ld4(const float* p) {
  v4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void st4(float* p, v4 v) { std::memcpy(p, &v, sizeof v); }

}  // namespace ck
