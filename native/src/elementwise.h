// Elementwise, broadcasting, reduction, softmax/cross-entropy and optimizer kernels.
#pragma once

#include <cstdint>

namespace ck {

enum class Unary { Neg, Abs, Exp, Log, Sqrt, Rsqrt, Square, Reciprocal, Relu, Sigmoid, Tanh, Sign, Floor, Round, Softplus };
enum class Binary { Add, Sub, Mul, Div, Maximum, Minimum, Pow, Greater, GreaterEqual, Less, LessEqual, Equal };
enum class Reduce { Sum, Max, Min };

bool parse_unary(const char* s, Unary* op);
bool parse_binary(const char* s, Binary* op);
bool parse_reduce(const char* s, Reduce* op);

void unary(Unary op, const float* x, float* y, int64_t n);
// Shapes are right-aligned against outShape (rank r); a dimension of 1 broadcasts.
void binary(Binary op, const float* a, const int64_t* ashape, int ar, const float* b, const int64_t* bshape, int br,
            const int64_t* oshape, int orank, float* out);
void relu_backward(const float* dy, const float* y, float* dx, int64_t n);
void reduce(Reduce op, const float* x, int64_t outer, int64_t size, int64_t inner, float* out);
void arg_max(const float* x, int64_t outer, int64_t size, int64_t inner, int32_t* out);
void transpose(const float* x, const int64_t* shape, const int64_t* perm, int rank, float* out);

void softmax(const float* x, int64_t rows, int64_t cols, float* y);
void log_softmax(const float* x, int64_t rows, int64_t cols, float* y);
void softmax_xent(const float* logits, const float* labels, int64_t rows, int64_t cols, float* loss);
void softmax_xent_backward(const float* logits, const float* labels, const float* dloss, int64_t rows, int64_t cols,
                           float* dlogits);

void rmsprop_update(float* w, const float* g, float* v, float* m, int64_t n, double lr, double rho, double momentum,
                    double eps);
void adam_update(float* w, const float* g, float* m, float* v, int64_t n, double alpha, double beta1, double beta2,
                 double eps);
void sgd_update(float* w, const float* g, float* m, int64_t n, double lr, double momentum, bool nesterov);

}  // namespace ck
