// The N-API binder: turns a JS call into a call of a kernel entry with typed arguments (args.h).
// A family file (pool.cc, conv.cc, ...) defines its entries, which check buffer lengths and call
// the compute functions, and registers each with one line:
//   CK_KERNEL("maxPool2d", k::max_pool2d, "out x info");
// (the JS name of the table in src/backend/kernels.ts, the entry, its argument names, output first).
// The binder reads the entry's parameter types and extracts each JS argument by type (Extract<T>):
// buffers are used in place (no copies), shapes and lists are read into fixed arrays on the stack,
// geometry records are read by field name. Every argument is checked (types, integer ranges,
// buffer lengths in the entry, overflow-checked sizes) and any mismatch becomes a JS Error naming
// the kernel, so no call from JavaScript can read or write out of bounds. binding.cc exports every
// registered entry when the addon loads.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "args.h"
#include "conv.h"
#include "elementwise.h"
#include "image.h"
#include "pool.h"
#include "reduce.h"

namespace ck::binder {

// One registered kernel: its JS name, its caller and its argument names (output first).
struct Entry {
  const char* name;
  Napi::Value (*call)(const Napi::CallbackInfo&);
  std::string names[16];
  int count;
};

// Every kernel registered by a CK_KERNEL line, filled while the addon's files initialise and
// read once when it loads (binding.cc), so the entries never move after that.
inline std::vector<Entry>& registry() {
  static std::vector<Entry> entries;
  return entries;
}

[[noreturn]] inline void fail(const Napi::Env& env, const char* kernel, const std::string& msg) {
  throw Napi::Error::New(env, std::string("convkit native ") + kernel + ": " + msg);
}

// Where an argument is read from, and what to call it in a message.
struct Slot {
  const Napi::CallbackInfo& info;
  size_t index;
  const char* name;
  Napi::Value value() const { return index < info.Length() ? info[index] : info.Env().Undefined(); }
};

[[noreturn]] inline void bad(const Slot& s, const std::string& what) {
  throw ArgError{std::string("argument '") + s.name + "' " + what};
}

inline double number(const Slot& s) {
  Napi::Value v = s.value();
  if (!v.IsNumber()) bad(s, "must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) bad(s, "must be finite");
  return d;
}

inline int64_t integer(double d, const std::string& what, int64_t min) {
  if (d != std::floor(d) || d < static_cast<double>(min) || d > 2147483647.0)
    throw ArgError{what + " must be an integer >= " + std::to_string(min) + ", given " + std::to_string(d)};
  return static_cast<int64_t>(d);
}

template <class T, napi_typedarray_type TT>
inline Buf<T> typed(const Slot& s, const char* type_name) {
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

inline std::string str(const Slot& s) {
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
inline G read_geometry(const Slot& s, void (*fill)(const Napi::Object&, G&)) {
  Napi::Value v = s.value();
  if (!v.IsObject()) bad(s, "must be a geometry record");
  G g{};
  fill(v.As<Napi::Object>(), g);
  return g;
}

inline int64_t field(const Napi::Object& o, const char* name, int64_t min) {
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
  std::tuple<Plain<P>...> args{Extract<Plain<P>>::get(Slot{info, I, e.names[I].c_str()})...};
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

// Adds a kernel to the registry, splitting its argument names; a count that differs from the
// entry's parameters is a build mistake, reported when the addon loads.
struct Registrar {
  Registrar(const char* js, Napi::Value (*call)(const Napi::CallbackInfo&), const char* arg_names, int arity) {
    Entry e{js, call, {}, 0};
    const std::string all = arg_names;
    size_t pos = 0;
    while (pos < all.size() && e.count < 16) {
      const size_t end = all.find(' ', pos);
      e.names[e.count++] = all.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      if (end == std::string::npos) break;
      pos = end + 1;
    }
    if (e.count != arity) {
      std::fprintf(stderr, "convkit: CK_KERNEL lists %d names for %s, which takes %d arguments\n", e.count, js, arity);
      std::abort();
    }
    registry().push_back(std::move(e));
  }
};

}  // namespace ck::binder

#define CK_CAT2(a, b) a##b
#define CK_CAT(a, b) CK_CAT2(a, b)
// Registers entry `fn` as the JS kernel `js` with the space-separated argument names `names`.
#define CK_KERNEL(js, fn, names)                                                \
  static const ::ck::binder::Registrar CK_CAT(ck_kernel_registrar_, __LINE__) { \
    js, &::ck::binder::Bind<&fn>::call, names, ::ck::binder::Bind<&fn>::arity   \
  }
