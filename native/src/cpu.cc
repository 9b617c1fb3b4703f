// Run-time ISA detection. __builtin_cpu_supports checks cpuid and the OS-enabled register state (XCR0).
#include "cpu.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace ck {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "generic";
  }
}

bool parse_isa(const char* s, Isa* out) {
  if (!s) return false;
  if (!std::strcmp(s, "avx512")) {
    *out = Isa::Avx512;
    return true;
  }
  if (!std::strcmp(s, "avx2")) {
    *out = Isa::Avx2;
    return true;
  }
  if (!std::strcmp(s, "generic")) {
    *out = Isa::Generic;
    return true;
  }
  return false;
}

Isa detected_isa() {
#if defined(__x86_64__) || defined(__i386__)
  static const Isa isa = [] {
    __builtin_cpu_init();
    const bool fma = __builtin_cpu_supports("fma");
    if (fma && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
      return Isa::Avx512;
    if (fma && __builtin_cpu_supports("avx2")) return Isa::Avx2;
    return Isa::Generic;
  }();
  return isa;
#else
  return Isa::Generic;
#endif
}

static std::atomic<int> g_isa{-1};

Isa active_isa() {
  int v = g_isa.load(std::memory_order_relaxed);
  if (v < 0) {
    Isa isa = detected_isa();
    Isa forced;
    if (parse_isa(std::getenv("CONVKIT_ISA"), &forced) && static_cast<int>(forced) <= static_cast<int>(isa))
      isa = forced;
    v = static_cast<int>(isa);
    g_isa.store(v, std::memory_order_relaxed);
  }
  return static_cast<Isa>(v);
}

bool set_isa(Isa isa) {
  if (static_cast<int>(isa) > static_cast<int>(detected_isa())) return false;
  g_isa.store(static_cast<int>(isa), std::memory_order_relaxed);
  return true;
}

}  // namespace ck
