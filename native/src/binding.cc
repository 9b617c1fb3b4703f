// N-API boundary. Kernels are registered from one table (kKernels below), one line each: the JS
// name, the kernel entry (kernels.h) and its argument names. The binder reads the entry's
// parameter types and extracts each JS argument by type (Extract<T>): buffers are used in place
// (no copies), shapes and lists are read into fixed arrays on the stack, geometry records are read
// by field name. Every argument is checked (types, integer ranges, buffer lengths in the entry,
// overflow-checked sizes) and any mismatch becomes a JS Error naming the kernel, so no call from
// JavaScript can read or write out of bounds. Outputs are allocated by the TypeScript side and
// passed first.
#include <malloc.h>
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <utility>

#include "args.h"
#include "conv.h"
#include "cpu.h"
#include "depthwise.h"
#include "gemm.h"
#include "kernels.h"
#include "pool.h"
#include "threadpool.h"

namespace {

using namespace ck;

[[noreturn]] void fail(const Napi::Env& env, const char* kernel, const std::string& msg) {
  throw Napi::Error::New(env, std::string("convkit native ") + kernel + ": " + msg);
}

// One registered kernel: its JS name and its argument names (space-separated, output first).
struct Entry {
  const char* name;
  Napi::Value (*call)(const Napi::CallbackInfo&);
  const char* arg_names;
  const char* names[16];
  int count;
};

// Where an argument is read from, and what to call it in a message.
struct Slot {
  const Napi::CallbackInfo& info;
  size_t index;
  const char* name;
  Napi::Value value() const { return index < info.Length() ? info[index] : info.Env().Undefined(); }
};

[[noreturn]] void bad(const Slot& s, const std::string& what) {
  throw ArgError{std::string("argument '") + s.name + "' " + what};
}

double number(const Slot& s) {
  Napi::Value v = s.value();
  if (!v.IsNumber()) bad(s, "must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) bad(s, "must be finite");
  return d;
}

int64_t integer(double d, const std::string& what, int64_t min) {
  if (d != std::floor(d) || d < static_cast<double>(min) || d > 2147483647.0)
    throw ArgError{what + " must be an integer >= " + std::to_string(min) + ", given " + std::to_string(d)};
  return static_cast<int64_t>(d);
}

template <class T, napi_typedarray_type TT>
Buf<T> typed(const Slot& s, const char* type_name) {
  Napi::Value v = s.value();
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != TT)
    bad(s, std::string("must be a ") + type_name);
  using Elem = std::remove_const_t<T>;
  auto arr = v.As<Napi::TypedArrayOf<Elem>>();
  const int64_t len = static_cast<int64_t>(arr.ElementLength());
  T* p = arr.Data();
  if (len > 0 && !p) bad(s, "has no backing store");
  return Buf<T>{p, len, s.name};
}

// Extract<T>::get reads one JS argument as the kernel parameter type T.
template <class T>
struct Extract;

template <>
struct Extract<In> {
  static In get(const Slot& s) { return typed<const float, napi_float32_array>(s, "Float32Array"); }
};
template <>
struct Extract<Out> {
  static Out get(const Slot& s) { return typed<float, napi_float32_array>(s, "Float32Array"); }
};
template <>
struct Extract<IdxIn> {
  static IdxIn get(const Slot& s) { return typed<const int32_t, napi_int32_array>(s, "Int32Array"); }
};
template <>
struct Extract<IdxOut> {
  static IdxOut get(const Slot& s) { return typed<int32_t, napi_int32_array>(s, "Int32Array"); }
};
template <>
struct Extract<U8In> {
  static U8In get(const Slot& s) { return typed<const uint8_t, napi_uint8_array>(s, "Uint8Array"); }
};
template <class T>
struct Extract<Opt<T>> {
  static Opt<T> get(const Slot& s) {
    Napi::Value v = s.value();
    if (v.IsNull() || v.IsUndefined()) return Opt<T>{{nullptr, 0, s.name}, false};
    return Opt<T>{Extract<Buf<T>>::get(s), true};
  }
};
template <>
struct Extract<int64_t> {
  static int64_t get(const Slot& s) { return integer(number(s), std::string("argument '") + s.name + "'", 0); }
};
template <>
struct Extract<double> {
  static double get(const Slot& s) { return number(s); }
};
template <>
struct Extract<bool> {
  static bool get(const Slot& s) {
    Napi::Value v = s.value();
    if (!v.IsBoolean()) bad(s, "must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }
};

std::string str(const Slot& s) {
  Napi::Value v = s.value();
  if (!v.IsString()) bad(s, "must be a string");
  return v.As<Napi::String>().Utf8Value();
}

template <>
struct Extract<Activation> {
  static Activation get(const Slot& s) {
    const std::string v = str(s);
    if (v == "relu") return Activation::Relu;
    if (v == "linear") return Activation::Linear;
    throw ArgError{"activation must be 'linear' or 'relu', given '" + v + "'"};
  }
};

template <class E, bool (*Parse)(const char*, E*)>
struct ExtractOp {
  static E get(const Slot& s) {
    const std::string v = str(s);
    E op;
    if (!Parse(v.c_str(), &op)) throw ArgError{"unknown op '" + v + "'"};
    return op;
  }
};
template <>
struct Extract<Unary> : ExtractOp<Unary, parse_unary> {};
template <>
struct Extract<Binary> : ExtractOp<Binary, parse_binary> {};
template <>
struct Extract<Reduce> : ExtractOp<Reduce, parse_reduce> {};
template <>
struct Extract<Interp> {
  static Interp get(const Slot& s) {
    const std::string v = str(s);
    Interp m;
    if (!parse_interp(v.c_str(), &m))
      throw ArgError{std::string(s.name) + " must be one of 'bilinear', 'nearest', 'bicubic', 'area', given '" + v +
                     "'"};
    return m;
  }
};

template <>
struct Extract<Dims> {
  static Dims get(const Slot& s) {
    Napi::Value v = s.value();
    if (!v.IsArray()) bad(s, "must be an array of integers");
    Napi::Array a = v.As<Napi::Array>();
    const uint32_t n = a.Length();
    if (n > static_cast<uint32_t>(kMaxRank))
      throw ArgError{std::string("'") + s.name + "' has rank " + std::to_string(n) + ", at most " +
                     std::to_string(kMaxRank)};
    Dims out;
    out.rank = static_cast<int>(n);
    out.name = s.name;
    for (uint32_t k = 0; k < n; ++k) {
      Napi::Value e = a.Get(k);
      const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1.0;
      if (!(d >= 0 && d <= 2147483647.0 && d == std::floor(d)))
        throw ArgError{std::string("'") + s.name + "' must hold non-negative integers"};
      out.d[k] = static_cast<int64_t>(d);
    }
    return out;
  }
};

template <>
struct Extract<InList> {
  static InList get(const Slot& s) {
    Napi::Value v = s.value();
    if (!v.IsArray()) bad(s, "must be an array of Float32Arrays");
    Napi::Array a = v.As<Napi::Array>();
    const uint32_t n = a.Length();
    if (n > static_cast<uint32_t>(kMaxList))
      throw ArgError{std::string("'") + s.name + "' holds " + std::to_string(n) + " arrays, at most " +
                     std::to_string(kMaxList)};
    InList out;
    out.count = static_cast<int>(n);
    out.name = s.name;
    for (uint32_t k = 0; k < n; ++k) {
      Napi::Value e = a.Get(k);
      if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
        bad(s, "must hold Float32Arrays only");
      auto arr = e.As<Napi::Float32Array>();
      out.size[k] = static_cast<int64_t>(arr.ElementLength());
      out.data[k] = arr.Data();
      if (out.size[k] > 0 && !out.data[k]) bad(s, "has no backing store");
    }
    return out;
  }
};

// Geometry records are read by field name (X-macro lists in conv.h / pool.h), never by position.
template <class G>
G read_geometry(const Slot& s, void (*fill)(const Napi::Object&, G&)) {
  Napi::Value v = s.value();
  if (!v.IsObject()) bad(s, "must be a geometry record");
  G g{};
  fill(v.As<Napi::Object>(), g);
  return g;
}

int64_t field(const Napi::Object& o, const char* name, int64_t min) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber())
    throw ArgError{std::string(name) + " must be an integer, given " +
                   (v.IsUndefined() ? "undefined" : "a non-number")};
  const double d = v.As<Napi::Number>().DoubleValue();
  if (d != std::floor(d)) throw ArgError{std::string(name) + " must be an integer, given " + std::to_string(d)};
  if (d < static_cast<double>(min) || d > 2147483647.0)
    throw ArgError{std::string(name) + " must be >= " + std::to_string(min) + ", given " +
                   std::to_string(static_cast<int64_t>(d))};
  return static_cast<int64_t>(d);
}

#define CK_READ_FIELD(js, member, min) g.member = field(o, #js, min);
template <>
struct Extract<ConvGeom> {
  static ConvGeom get(const Slot& s) {
    return read_geometry<ConvGeom>(s, [](const Napi::Object& o, ConvGeom& g) { CK_CONV_GEOM_FIELDS(CK_READ_FIELD) });
  }
};
template <>
struct Extract<PoolGeom> {
  static PoolGeom get(const Slot& s) {
    return read_geometry<PoolGeom>(s, [](const Napi::Object& o, PoolGeom& g) { CK_POOL_GEOM_FIELDS(CK_READ_FIELD) });
  }
};
#undef CK_READ_FIELD

template <class T>
using Plain = std::remove_cv_t<std::remove_reference_t<T>>;

// Calls the entry with every parameter extracted in order (a braced list evaluates left to right).
template <class... P, size_t... I>
void invoke(void (*fn)(P...), const Napi::CallbackInfo& info, const Entry& e, std::index_sequence<I...>) {
  std::tuple<Plain<P>...> args{Extract<Plain<P>>::get(Slot{info, I, e.names[I]})...};
  std::apply(fn, std::move(args));
}

template <auto Fn>
struct Bind;
template <class... P, void (*Fn)(P...)>
struct Bind<Fn> {
  static Napi::Value call(const Napi::CallbackInfo& info) {
    const Entry& e = *static_cast<const Entry*>(info.Data());
    try {
      invoke(Fn, info, e, std::index_sequence_for<P...>{});
    } catch (const ArgError& err) {
      fail(info.Env(), e.name, err.message);
    }
    return info.Env().Undefined();
  }
  static constexpr int arity = sizeof...(P);
};

#define CK_KERNEL(js, fn, names) \
  Entry { js, &Bind<&k::fn>::call, names, {}, Bind<&k::fn>::arity }

// The kernel table: JS name, entry, argument names (the output first). One line per kernel.
Entry kKernels[] = {
    CK_KERNEL("matmul", matmul, "out a b m n k transA transB bias act"),
    CK_KERNEL("conv2d", conv2d, "out x w bias info act"),
    CK_KERNEL("conv2dBackpropInput", conv2d_backprop_input, "out dy w info"),
    CK_KERNEL("conv2dBackpropFilter", conv2d_backprop_filter, "out x dy info"),
    CK_KERNEL("depthwiseConv2d", depthwise_conv2d, "out x w bias info act"),
    CK_KERNEL("depthwiseConv2dBackpropInput", depthwise_conv2d_backprop_input, "out dy w info"),
    CK_KERNEL("depthwiseConv2dBackpropFilter", depthwise_conv2d_backprop_filter, "out x dy info"),
    CK_KERNEL("maxPool2d", max_pool2d, "out x info"),
    CK_KERNEL("maxPool2dBackward", max_pool2d_backward, "out x dy info"),
    CK_KERNEL("avgPool2d", avg_pool2d, "out x info"),
    CK_KERNEL("avgPool2dBackward", avg_pool2d_backward, "out dy info"),
    CK_KERNEL("unary", unary, "out op x"),
    CK_KERNEL("binary", binary, "out op a aShape b bShape outShape"),
    CK_KERNEL("reluBackward", relu_backward, "out dy y"),
    CK_KERNEL("reduce", reduce, "out op x outer size inner"),
    CK_KERNEL("argMax", arg_max, "out x outer size inner"),
    CK_KERNEL("transpose", transpose, "out x shape perm"),
    CK_KERNEL("softmax", softmax, "out x rows cols"),
    CK_KERNEL("softmaxBackward", softmax_backward, "out y dy rows cols"),
    CK_KERNEL("logSoftmax", log_softmax, "out x rows cols"),
    CK_KERNEL("logSoftmaxBackward", log_softmax_backward, "out y dy rows cols"),
    CK_KERNEL("softmaxCrossEntropy", softmax_xent, "out logits labels rows cols"),
    CK_KERNEL("softmaxCrossEntropyBackward", softmax_xent_backward, "out logits labels dloss rows cols"),
    CK_KERNEL("gatherRows", gather_rows, "out x indices rows rowSize"),
    CK_KERNEL("scatterAddRows", scatter_add_rows, "out dy indices rows rowSize"),
    CK_KERNEL("concat", concat, "out xs outer inner sizes"),
    CK_KERNEL("sliceAxis", slice_axis, "out x outer size inner start length"),
    CK_KERNEL("pad2d", pad2d, "out x shape top bottom left right"),
    CK_KERNEL("crop2d", crop2d, "out x shape top left height width"),
    CK_KERNEL("flip2d", flip2d, "out x shape flags"),
    CK_KERNEL("resize2d", resize2d, "out x shape outH outW method"),
    CK_KERNEL("resize2dBackward", resize2d_backward, "out dy shape outH outW method"),
    CK_KERNEL("rmspropUpdate", rmsprop_update, "w g v m lr rho momentum epsilon"),
    CK_KERNEL("adamUpdate", adam_update, "w g m v alpha beta1 beta2 epsilon"),
    CK_KERNEL("sgdUpdate", sgd_update, "w g m lr momentum nesterov"),
};

// Splits each entry's argument names once, at load, into the fixed array the binder indexes.
void split_names(Entry& e) {
  static std::string storage[sizeof(kKernels) / sizeof(kKernels[0])][16];
  const size_t row = static_cast<size_t>(&e - kKernels);
  std::string all = e.arg_names;
  int n = 0;
  size_t pos = 0;
  while (pos < all.size() && n < 16) {
    const size_t end = all.find(' ', pos);
    storage[row][n] = all.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    e.names[n] = storage[row][n].c_str();
    ++n;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  if (n != e.count) {
    std::fprintf(stderr, "convkit: kernel table lists %d names for %s, which takes %d arguments\n", n, e.name, e.count);
    std::abort();
  }
}

struct Args {
  const Napi::CallbackInfo& info;
  const char* kernel;
  Napi::Env env() const { return info.Env(); }
  int64_t integer(size_t i, const char* name, int64_t min) const {
    try {
      return ::integer(number(Slot{info, i, name}), std::string("argument '") + name + "'", min);
    } catch (const ArgError& e) {
      fail(env(), kernel, e.message);
    }
  }
  std::string str(size_t i, const char* name) const {
    try {
      return ::str(Slot{info, i, name});
    } catch (const ArgError& e) {
      fail(env(), kernel, e.message);
    }
  }
};

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
  if (!ck::parse_isa(s.c_str(), &isa))
    fail(A.env(), A.kernel, "isa must be 'avx512', 'avx2' or 'generic', given '" + s + "'");
  if (!ck::set_isa(isa))
    fail(A.env(), A.kernel,
         "this CPU cannot run '" + s + "' (best available: " + ck::isa_name(ck::detected_isa()) + ")");
  return Napi::String::New(info.Env(), ck::isa_name(ck::active_isa()));
}

Napi::Value GetIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ck::isa_name(ck::active_isa()));
}

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
  for (Entry& e : kKernels) {
    split_names(e);
    exports.Set(e.name, Napi::Function::New(env, e.call, e.name, &e));
  }
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("getIsa", Napi::Function::New(env, GetIsa, "getIsa"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  return exports;
}

}  // namespace

NODE_API_MODULE(convkit, Init)
