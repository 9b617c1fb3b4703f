// N-API boundary: every argument is checked here (types, integer ranges, buffer lengths against the
// dimensions, with overflow-checked products) and a JS Error naming the kernel is thrown on mismatch,
// so no call from JavaScript can read or write out of bounds. Buffers are used in place (no copies);
// outputs are allocated by the TypeScript face and passed in as the last argument.
#include <malloc.h>
#include <napi.h>

#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <string>
#include <vector>

#include "conv.h"
#include "cpu.h"
#include "elementwise.h"
#include "gemm.h"
#include "pool.h"
#include "threadpool.h"

namespace {

using ck::ConvGeom;
using ck::PoolGeom;

[[noreturn]] void fail(const Napi::Env& env, const char* kernel, const std::string& msg) {
  throw Napi::Error::New(env, std::string("convkit native ") + kernel + ": " + msg);
}

struct Args {
  const Napi::CallbackInfo& info;
  const char* kernel;

  Napi::Env env() const { return info.Env(); }

  Napi::Value at(size_t i, const char* name) const {
    if (i >= info.Length()) fail(env(), kernel, std::string("missing argument '") + name + "'");
    return info[i];
  }

  template <class T, napi_typedarray_type TT>
  T* typed(size_t i, const char* name, size_t* len, bool nullable) const {
    Napi::Value v = at(i, name);
    if (nullable && (v.IsNull() || v.IsUndefined())) { *len = 0; return nullptr; }
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != TT)
      fail(env(), kernel, std::string("argument '") + name + "' must be a " +
                              (TT == napi_float32_array ? "Float32Array" : "Int32Array"));
    auto arr = v.As<Napi::TypedArrayOf<T>>();
    *len = arr.ElementLength();
    T* p = arr.Data();
    if (*len > 0 && !p) fail(env(), kernel, std::string("argument '") + name + "' has no backing store");
    return p;
  }

  float* f32(size_t i, const char* name, int64_t expected, bool nullable = false) const {
    size_t len;
    float* p = typed<float, napi_float32_array>(i, name, &len, nullable);
    if (!p && nullable && (info[i].IsNull() || info[i].IsUndefined())) return nullptr;
    if (static_cast<int64_t>(len) != expected)
      fail(env(), kernel, std::string("'") + name + "' has length " + std::to_string(len) + ", expected " +
                              std::to_string(expected));
    return p;
  }

  int32_t* i32(size_t i, const char* name, size_t* len) const { return typed<int32_t, napi_int32_array>(i, name, len, false); }

  double num(size_t i, const char* name) const {
    Napi::Value v = at(i, name);
    if (!v.IsNumber()) fail(env(), kernel, std::string("argument '") + name + "' must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d)) fail(env(), kernel, std::string("argument '") + name + "' must be finite");
    return d;
  }

  int64_t integer(size_t i, const char* name, int64_t min) const {
    double d = num(i, name);
    if (d != std::floor(d) || d < static_cast<double>(min) || d > 2147483647.0)
      fail(env(), kernel, std::string("argument '") + name + "' must be an integer >= " + std::to_string(min) +
                              ", given " + std::to_string(d));
    return static_cast<int64_t>(d);
  }

  bool boolean(size_t i, const char* name) const {
    Napi::Value v = at(i, name);
    if (!v.IsBoolean()) fail(env(), kernel, std::string("argument '") + name + "' must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }

  std::string str(size_t i, const char* name) const {
    Napi::Value v = at(i, name);
    if (!v.IsString()) fail(env(), kernel, std::string("argument '") + name + "' must be a string");
    return v.As<Napi::String>().Utf8Value();
  }

  // Reads a JS array of non-negative integers (a shape or permutation).
  std::vector<int64_t> dims(size_t i, const char* name) const {
    Napi::Value v = at(i, name);
    if (!v.IsArray()) fail(env(), kernel, std::string("argument '") + name + "' must be an array of integers");
    Napi::Array a = v.As<Napi::Array>();
    uint32_t n = a.Length();
    if (n > 64) fail(env(), kernel, std::string("'") + name + "' has rank " + std::to_string(n) + ", at most 64");
    std::vector<int64_t> out(n);
    for (uint32_t k = 0; k < n; ++k) {
      Napi::Value e = a.Get(k);
      double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1.0;
      if (!(d >= 0 && d <= 2147483647.0 && d == std::floor(d)))
        fail(env(), kernel, std::string("'") + name + "' must hold non-negative integers");
      out[k] = static_cast<int64_t>(d);
    }
    return out;
  }

  int64_t product(std::initializer_list<int64_t> xs, const char* what) const {
    int64_t p = 1;
    for (int64_t x : xs)
      if (__builtin_mul_overflow(p, x, &p) || p > (int64_t(1) << 40))
        fail(env(), kernel, std::string("size of '") + what + "' overflows");
    return p;
  }
};

int64_t shape_size(const Args& A, const std::vector<int64_t>& s, const char* what) {
  int64_t p = 1;
  for (int64_t x : s)
    if (__builtin_mul_overflow(p, x, &p) || p > (int64_t(1) << 40)) fail(A.env(), A.kernel, std::string("size of '") + what + "' overflows");
  return p;
}

ConvGeom conv_geom(const Args& A, size_t i) {
  size_t len;
  int32_t* v = A.i32(i, "info", &len);
  if (len != 15) fail(A.env(), A.kernel, "info must be an Int32Array of 15 values, given " + std::to_string(len));
  static const char* names[15] = {"batch", "inH", "inW", "inC", "outH", "outW", "outC", "kH", "kW",
                                  "strideH", "strideW", "dilationH", "dilationW", "padTop", "padLeft"};
  for (int k = 0; k < 15; ++k) {
    const int32_t min = k >= 13 ? 0 : 1;
    if (v[k] < min)
      fail(A.env(), A.kernel, std::string(names[k]) + " must be >= " + std::to_string(min) + ", given " + std::to_string(v[k]));
  }
  return ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
}

PoolGeom pool_geom(const Args& A, size_t i) {
  size_t len;
  int32_t* v = A.i32(i, "info", &len);
  if (len != 12) fail(A.env(), A.kernel, "info must be an Int32Array of 12 values, given " + std::to_string(len));
  static const char* names[12] = {"batch", "inH", "inW", "channels", "outH", "outW", "poolH", "poolW",
                                  "strideH", "strideW", "padTop", "padLeft"};
  for (int k = 0; k < 12; ++k) {
    const int32_t min = k >= 10 ? 0 : 1;
    if (v[k] < min)
      fail(A.env(), A.kernel, std::string(names[k]) + " must be >= " + std::to_string(min) + ", given " + std::to_string(v[k]));
  }
  return PoolGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
}

bool activation(const Args& A, size_t i) {
  std::string s = A.str(i, "activation");
  if (s == "relu") return true;
  if (s == "linear") return false;
  fail(A.env(), A.kernel, "activation must be 'linear' or 'relu', given '" + s + "'");
}

// matmul(a, b, m, n, k, transA, transB, bias|null, act, out)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Args A{info, "matmul"};
  const int64_t m = A.integer(2, "m", 0), n = A.integer(3, "n", 0), k = A.integer(4, "k", 0);
  const bool ta = A.boolean(5, "transA"), tb = A.boolean(6, "transB");
  const float* a = A.f32(0, "a", A.product({m, k}, "a"));
  const float* b = A.f32(1, "b", A.product({k, n}, "b"));
  const float* bias = A.f32(7, "bias", n, true);
  const bool relu = activation(A, 8);
  float* out = A.f32(9, "out", A.product({m, n}, "out"));
  const int nt = ck::threads_for(2.0 * m * n * k);
  ck::sgemm(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, out, n, bias, relu, nt);
  return info.Env().Undefined();
}

// conv2d(x, w, bias|null, info, act, out)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  Args A{info, "conv2d"};
  const ConvGeom g = conv_geom(A, 3);
  const float* x = A.f32(0, "x", A.product({g.N, g.H, g.W, g.C}, "x"));
  const float* w = A.f32(1, "w", A.product({g.KH, g.KW, g.C, g.F}, "w"));
  const float* bias = A.f32(2, "bias", g.F, true);
  const bool relu = activation(A, 4);
  float* y = A.f32(5, "out", A.product({g.N, g.OH, g.OW, g.F}, "out"));
  ck::conv2d_forward(g, x, w, bias, relu, y);
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, w, info, out)
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  Args A{info, "conv2dBackpropInput"};
  const ConvGeom g = conv_geom(A, 2);
  const float* dy = A.f32(0, "dy", A.product({g.N, g.OH, g.OW, g.F}, "dy"));
  const float* w = A.f32(1, "w", A.product({g.KH, g.KW, g.C, g.F}, "w"));
  float* dx = A.f32(3, "out", A.product({g.N, g.H, g.W, g.C}, "out"));
  ck::conv2d_backprop_input(g, dy, w, dx);
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, info, out)
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  Args A{info, "conv2dBackpropFilter"};
  const ConvGeom g = conv_geom(A, 2);
  const float* x = A.f32(0, "x", A.product({g.N, g.H, g.W, g.C}, "x"));
  const float* dy = A.f32(1, "dy", A.product({g.N, g.OH, g.OW, g.F}, "dy"));
  float* dw = A.f32(3, "out", A.product({g.KH, g.KW, g.C, g.F}, "out"));
  ck::conv2d_backprop_filter(g, x, dy, dw);
  return info.Env().Undefined();
}

// maxPool2d(x, info, out) / avgPool2d(x, info, out)
template <bool Max>
Napi::Value PoolFwd(const Napi::CallbackInfo& info) {
  Args A{info, Max ? "maxPool2d" : "avgPool2d"};
  const PoolGeom g = pool_geom(A, 1);
  const float* x = A.f32(0, "x", A.product({g.N, g.H, g.W, g.C}, "x"));
  float* y = A.f32(2, "out", A.product({g.N, g.OH, g.OW, g.C}, "out"));
  if (Max) ck::max_pool_forward(g, x, y);
  else ck::avg_pool_forward(g, x, y);
  return info.Env().Undefined();
}

// maxPool2dBackward(x, dy, info, out)
Napi::Value MaxPoolBwd(const Napi::CallbackInfo& info) {
  Args A{info, "maxPool2dBackward"};
  const PoolGeom g = pool_geom(A, 2);
  const float* x = A.f32(0, "x", A.product({g.N, g.H, g.W, g.C}, "x"));
  const float* dy = A.f32(1, "dy", A.product({g.N, g.OH, g.OW, g.C}, "dy"));
  float* dx = A.f32(3, "out", A.product({g.N, g.H, g.W, g.C}, "out"));
  ck::max_pool_backward(g, x, dy, dx);
  return info.Env().Undefined();
}

// avgPool2dBackward(dy, info, out)
Napi::Value AvgPoolBwd(const Napi::CallbackInfo& info) {
  Args A{info, "avgPool2dBackward"};
  const PoolGeom g = pool_geom(A, 1);
  const float* dy = A.f32(0, "dy", A.product({g.N, g.OH, g.OW, g.C}, "dy"));
  float* dx = A.f32(2, "out", A.product({g.N, g.H, g.W, g.C}, "out"));
  ck::avg_pool_backward(g, dy, dx);
  return info.Env().Undefined();
}

// unary(op, x, out)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args A{info, "unary"};
  std::string name = A.str(0, "op");
  ck::Unary op;
  if (!ck::parse_unary(name.c_str(), &op)) fail(A.env(), A.kernel, "unknown op '" + name + "'");
  size_t n;
  const float* x = A.typed<float, napi_float32_array>(1, "x", &n, false);
  float* y = A.f32(2, "out", static_cast<int64_t>(n));
  ck::unary(op, x, y, static_cast<int64_t>(n));
  return info.Env().Undefined();
}

// binary(op, a, aShape, b, bShape, outShape, out)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args A{info, "binary"};
  std::string name = A.str(0, "op");
  ck::Binary op;
  if (!ck::parse_binary(name.c_str(), &op)) fail(A.env(), A.kernel, "unknown op '" + name + "'");
  std::vector<int64_t> as = A.dims(2, "aShape"), bs = A.dims(4, "bShape"), os = A.dims(5, "outShape");
  if (as.size() > os.size() || bs.size() > os.size())
    fail(A.env(), A.kernel, "operand rank exceeds the output rank " + std::to_string(os.size()));
  for (size_t d = 0; d < os.size(); ++d) {
    const int64_t o = os[os.size() - 1 - d];
    const int64_t ad = d < as.size() ? as[as.size() - 1 - d] : 1;
    const int64_t bd = d < bs.size() ? bs[bs.size() - 1 - d] : 1;
    if ((ad != 1 && ad != o) || (bd != 1 && bd != o))
      fail(A.env(), A.kernel, "shapes do not broadcast to the output shape at axis " + std::to_string(os.size() - 1 - d));
  }
  const float* a = A.f32(1, "a", shape_size(A, as, "a"));
  const float* b = A.f32(3, "b", shape_size(A, bs, "b"));
  float* out = A.f32(6, "out", shape_size(A, os, "out"));
  ck::binary(op, a, as.data(), static_cast<int>(as.size()), b, bs.data(), static_cast<int>(bs.size()), os.data(),
             static_cast<int>(os.size()), out);
  return info.Env().Undefined();
}

// reluBackward(dy, y, out)
Napi::Value ReluBackward(const Napi::CallbackInfo& info) {
  Args A{info, "reluBackward"};
  size_t n;
  const float* dy = A.typed<float, napi_float32_array>(0, "dy", &n, false);
  const float* y = A.f32(1, "y", static_cast<int64_t>(n));
  float* out = A.f32(2, "out", static_cast<int64_t>(n));
  ck::relu_backward(dy, y, out, static_cast<int64_t>(n));
  return info.Env().Undefined();
}

// reduce(op, x, outer, size, inner, out)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Args A{info, "reduce"};
  std::string name = A.str(0, "op");
  ck::Reduce op;
  if (!ck::parse_reduce(name.c_str(), &op)) fail(A.env(), A.kernel, "unknown op '" + name + "'");
  const int64_t outer = A.integer(2, "outer", 0), size = A.integer(3, "size", 0), inner = A.integer(4, "inner", 0);
  const float* x = A.f32(1, "x", A.product({outer, size, inner}, "x"));
  float* out = A.f32(5, "out", A.product({outer, inner}, "out"));
  ck::reduce(op, x, outer, size, inner, out);
  return info.Env().Undefined();
}

// argMax(x, outer, size, inner, out:Int32Array)
Napi::Value ArgMax(const Napi::CallbackInfo& info) {
  Args A{info, "argMax"};
  const int64_t outer = A.integer(1, "outer", 0), size = A.integer(2, "size", 0), inner = A.integer(3, "inner", 0);
  const float* x = A.f32(0, "x", A.product({outer, size, inner}, "x"));
  size_t len;
  int32_t* out = A.i32(4, "out", &len);
  if (static_cast<int64_t>(len) != A.product({outer, inner}, "out"))
    fail(A.env(), A.kernel, "'out' has length " + std::to_string(len) + ", expected " + std::to_string(outer * inner));
  ck::arg_max(x, outer, size, inner, out);
  return info.Env().Undefined();
}

// transpose(x, shape, perm, out)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  Args A{info, "transpose"};
  std::vector<int64_t> shape = A.dims(1, "shape"), perm = A.dims(2, "perm");
  if (perm.size() != shape.size())
    fail(A.env(), A.kernel, "perm has " + std::to_string(perm.size()) + " axes, expected " + std::to_string(shape.size()));
  std::vector<char> seen(shape.size(), 0);
  for (int64_t p : perm) {
    if (p >= static_cast<int64_t>(shape.size()) || seen[p]) fail(A.env(), A.kernel, "perm is not a permutation");
    seen[p] = 1;
  }
  const int64_t n = shape_size(A, shape, "x");
  const float* x = A.f32(0, "x", n);
  float* out = A.f32(3, "out", n);
  ck::transpose(x, shape.data(), perm.data(), static_cast<int>(shape.size()), out);
  return info.Env().Undefined();
}

// softmax / logSoftmax (x, rows, cols, out)
template <bool Log>
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args A{info, Log ? "logSoftmax" : "softmax"};
  const int64_t rows = A.integer(1, "rows", 0), cols = A.integer(2, "cols", 0);
  const float* x = A.f32(0, "x", A.product({rows, cols}, "x"));
  float* out = A.f32(3, "out", A.product({rows, cols}, "out"));
  if (Log) ck::log_softmax(x, rows, cols, out);
  else ck::softmax(x, rows, cols, out);
  return info.Env().Undefined();
}

// softmaxCrossEntropy(logits, labels, rows, cols, out)
Napi::Value Xent(const Napi::CallbackInfo& info) {
  Args A{info, "softmaxCrossEntropy"};
  const int64_t rows = A.integer(2, "rows", 0), cols = A.integer(3, "cols", 0);
  const int64_t n = A.product({rows, cols}, "logits");
  const float* logits = A.f32(0, "logits", n);
  const float* labels = A.f32(1, "labels", n);
  float* out = A.f32(4, "out", rows);
  ck::softmax_xent(logits, labels, rows, cols, out);
  return info.Env().Undefined();
}

// softmaxCrossEntropyBackward(logits, labels, dloss, rows, cols, out)
Napi::Value XentBwd(const Napi::CallbackInfo& info) {
  Args A{info, "softmaxCrossEntropyBackward"};
  const int64_t rows = A.integer(3, "rows", 0), cols = A.integer(4, "cols", 0);
  const int64_t n = A.product({rows, cols}, "logits");
  const float* logits = A.f32(0, "logits", n);
  const float* labels = A.f32(1, "labels", n);
  const float* dloss = A.f32(2, "dloss", rows);
  float* out = A.f32(5, "out", n);
  ck::softmax_xent_backward(logits, labels, dloss, rows, cols, out);
  return info.Env().Undefined();
}

// rmspropUpdate(w, g, v, m|null, lr, rho, momentum, epsilon)
Napi::Value Rmsprop(const Napi::CallbackInfo& info) {
  Args A{info, "rmspropUpdate"};
  size_t n;
  float* w = A.typed<float, napi_float32_array>(0, "w", &n, false);
  const int64_t len = static_cast<int64_t>(n);
  const float* g = A.f32(1, "g", len);
  float* v = A.f32(2, "v", len);
  float* m = A.f32(3, "m", len, true);
  ck::rmsprop_update(w, g, v, m, len, A.num(4, "lr"), A.num(5, "rho"), A.num(6, "momentum"), A.num(7, "epsilon"));
  return info.Env().Undefined();
}

// adamUpdate(w, g, m, v, alpha, beta1, beta2, epsilon)
Napi::Value Adam(const Napi::CallbackInfo& info) {
  Args A{info, "adamUpdate"};
  size_t n;
  float* w = A.typed<float, napi_float32_array>(0, "w", &n, false);
  const int64_t len = static_cast<int64_t>(n);
  const float* g = A.f32(1, "g", len);
  float* m = A.f32(2, "m", len);
  float* v = A.f32(3, "v", len);
  ck::adam_update(w, g, m, v, len, A.num(4, "alpha"), A.num(5, "beta1"), A.num(6, "beta2"), A.num(7, "epsilon"));
  return info.Env().Undefined();
}

// sgdUpdate(w, g, m|null, lr, momentum, nesterov)
Napi::Value Sgd(const Napi::CallbackInfo& info) {
  Args A{info, "sgdUpdate"};
  size_t n;
  float* w = A.typed<float, napi_float32_array>(0, "w", &n, false);
  const int64_t len = static_cast<int64_t>(n);
  const float* g = A.f32(1, "g", len);
  float* m = A.f32(2, "m", len, true);
  ck::sgd_update(w, g, m, len, A.num(3, "lr"), A.num(4, "momentum"), A.boolean(5, "nesterov"));
  return info.Env().Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Args A{info, "setNumThreads"};
  ck::set_num_threads(static_cast<int>(A.integer(0, "n", 0)));
  return Napi::Number::New(info.Env(), ck::num_threads());
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), ck::num_threads()); }

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  Args A{info, "setIsa"};
  std::string s = A.str(0, "isa");
  ck::Isa isa;
  if (!ck::parse_isa(s.c_str(), &isa)) fail(A.env(), A.kernel, "isa must be 'avx512', 'avx2' or 'generic', given '" + s + "'");
  if (!ck::set_isa(isa))
    fail(A.env(), A.kernel, "this CPU cannot run '" + s + "' (best available: " + ck::isa_name(ck::detected_isa()) + ")");
  return Napi::String::New(info.Env(), ck::isa_name(ck::active_isa()));
}

Napi::Value GetIsa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), ck::isa_name(ck::active_isa())); }

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const ck::UKernel& uk = ck::active_ukernel();
  const ck::Blocking bl = ck::blocking_for(uk);
  o.Set("isa", ck::isa_name(ck::active_isa()));
  o.Set("detectedIsa", ck::isa_name(ck::detected_isa()));
  o.Set("microKernel", uk.name);
  o.Set("mr", uk.mr);
  o.Set("nr", uk.nr);
  o.Set("mc", static_cast<double>(bl.mc));
  o.Set("kc", static_cast<double>(bl.kc));
  o.Set("nc", static_cast<double>(bl.nc));
  o.Set("threads", ck::num_threads());
  return o;
}

// Fresh large allocations fault on every page at first touch (microseconds each under
// virtualisation), and a training step allocates the same large sizes again and again. Keeping
// blocks below 32 MiB on the malloc heap and never trimming it lets freed tensor storage be reused
// warm; resident memory then plateaus at the working set instead of being returned and re-faulted.
void tune_malloc() {
#ifdef M_MMAP_THRESHOLD
  if (!std::getenv("CONVKIT_NO_MALLOPT")) {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
  }
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tune_malloc();
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d, "conv2d"));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput, "conv2dBackpropInput"));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter, "conv2dBackpropFilter"));
  exports.Set("maxPool2d", Napi::Function::New(env, PoolFwd<true>, "maxPool2d"));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPoolBwd, "maxPool2dBackward"));
  exports.Set("avgPool2d", Napi::Function::New(env, PoolFwd<false>, "avgPool2d"));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, AvgPoolBwd, "avgPool2dBackward"));
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("reluBackward", Napi::Function::New(env, ReluBackward, "reluBackward"));
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
  exports.Set("argMax", Napi::Function::New(env, ArgMax, "argMax"));
  exports.Set("transpose", Napi::Function::New(env, Transpose, "transpose"));
  exports.Set("softmax", Napi::Function::New(env, Softmax<false>, "softmax"));
  exports.Set("logSoftmax", Napi::Function::New(env, Softmax<true>, "logSoftmax"));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, Xent, "softmaxCrossEntropy"));
  exports.Set("softmaxCrossEntropyBackward", Napi::Function::New(env, XentBwd, "softmaxCrossEntropyBackward"));
  exports.Set("rmspropUpdate", Napi::Function::New(env, Rmsprop, "rmspropUpdate"));
  exports.Set("adamUpdate", Napi::Function::New(env, Adam, "adamUpdate"));
  exports.Set("sgdUpdate", Napi::Function::New(env, Sgd, "sgdUpdate"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("getIsa", Napi::Function::New(env, GetIsa, "getIsa"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  return exports;
}

}  // namespace

NODE_API_MODULE(convkit, Init)
