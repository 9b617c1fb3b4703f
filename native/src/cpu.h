// CPU feature detection and the run-time choice of instruction set for the GEMM micro-kernels.
// The shipped binary is compiled for baseline x86-64; the AVX2 and AVX-512 kernels live in their own
// translation units built with per-file ISA flags and are only called after cpuid says they are safe.
#pragma once

// A function compiled twice, for x86-64-v3 (AVX2 + FMA) and the baseline, the copy chosen once by CPU
// features when the addon loads. Not "arch=haswell": GCC resolves that clone by the CPU model, so
// AMD and later Intel CPUs would always run the baseline copy.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define CK_AVX2_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CK_AVX2_CLONES
#endif

namespace ck {

enum class Isa { Generic = 0, Avx2 = 1, Avx512 = 2 };

const char* isa_name(Isa isa);
// Parses "generic" | "avx2" | "avx512"; returns false for anything else.
bool parse_isa(const char* s, Isa* out);
// Best ISA this CPU (and OS) supports.
Isa detected_isa();
// ISA used by the kernels now (CONVKIT_ISA at load, or set_isa).
Isa active_isa();
// Forces an ISA; returns false (and changes nothing) when the CPU cannot run it.
bool set_isa(Isa isa);

}  // namespace ck
