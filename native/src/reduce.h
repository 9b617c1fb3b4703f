// Reductions over the middle axis of [outer, size, inner], and argMax.
#pragma once

#include <cstdint>

namespace ck {

enum class Reduce { Sum, Max, Min };
bool parse_reduce(const char* s, Reduce* op);

void reduce(Reduce op, const float* x, int64_t outer, int64_t size, int64_t inner, float* out);
void arg_max(const float* x, int64_t outer, int64_t size, int64_t inner, int32_t* out);

}  // namespace ck
