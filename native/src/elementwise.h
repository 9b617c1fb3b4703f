// Elementwise kernels: unary maps, broadcasting binary ops, the ReLU gradient.
#pragma once

#include <cstdint>

namespace ck {

enum class Unary {
  Neg,
  Abs,
  Exp,
  Log,
  Sqrt,
  Rsqrt,
  Square,
  Reciprocal,
  Relu,
  Sigmoid,
  Tanh,
  Sign,
  Floor,
  Round,
  Softplus
};
enum class Binary { Add, Sub, Mul, Div, Maximum, Minimum, Pow, Greater, GreaterEqual, Less, LessEqual, Equal };

bool parse_unary(const char* s, Unary* op);
bool parse_binary(const char* s, Binary* op);

void unary(Unary op, const float* x, float* y, int64_t n);
// Shapes are right-aligned against outShape (rank r); a dimension of 1 broadcasts.
void binary(Binary op, const float* a, const int64_t* ashape, int ar, const float* b, const int64_t* bshape, int br,
            const int64_t* oshape, int orank, float* out);
void relu_backward(const float* dy, const float* y, float* dx, int64_t n);

}  // namespace ck
