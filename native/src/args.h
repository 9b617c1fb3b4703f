// The typed arguments kernels receive from the binder (binder.h), free of N-API: buffers that
// know their name and length, shapes, lists of buffers, op enums. A kernel entry (in its family file)
// checks lengths with expect() and throws ArgError, which the binder turns into a JS Error naming
// the kernel. Nothing here allocates: shapes and lists live in fixed arrays on the stack.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

namespace ck {

struct ArgError {
  std::string message;
};

template <class T>
struct Buf {
  T* data;
  int64_t size;
  const char* name;
};
using In = Buf<const float>;  // a Float32Array read by the kernel
using Out = Buf<float>;       // a Float32Array the kernel writes (outputs, in-place state)
using IdxIn = Buf<const int32_t>;
using IdxOut = Buf<int32_t>;
using U8In = Buf<const uint8_t>;
// Null or undefined from JS: present == false, data == nullptr, size 0.
template <class T>
struct Opt : Buf<T> {
  bool present;
};
using OptIn = Opt<const float>;
using OptOut = Opt<float>;

constexpr int kMaxRank = 64;
struct Dims {
  int64_t d[kMaxRank];
  int rank;
  const char* name;
};

constexpr int kMaxList = kMaxRank;  // a list comes with its sizes, a Dims
struct InList {
  const float* data[kMaxList];
  int64_t size[kMaxList];
  int count;
  const char* name;
};

enum class Activation { Linear, Relu };

// Overflow-checked product of non-negative sizes (at most 2^40 elements).
inline int64_t product(std::initializer_list<int64_t> xs, const char* what) {
  int64_t p = 1;
  for (int64_t x : xs)
    if (__builtin_mul_overflow(p, x, &p) || p > (int64_t(1) << 40))
      throw ArgError{std::string("size of '") + what + "' overflows"};
  return p;
}

inline int64_t product(const Dims& s) {
  int64_t p = 1;
  for (int i = 0; i < s.rank; ++i)
    if (__builtin_mul_overflow(p, s.d[i], &p) || p > (int64_t(1) << 40))
      throw ArgError{std::string("size of '") + s.name + "' overflows"};
  return p;
}

// The buffer's length must be `expected`; the message matches the TypeScript validation's.
template <class T>
T* expect(const Buf<T>& b, int64_t expected) {
  if (b.size != expected)
    throw ArgError{std::string("'") + b.name + "' has length " + std::to_string(b.size) + ", expected " +
                   std::to_string(expected)};
  return b.data;
}

// An optional buffer: null passes, otherwise the length must be `expected`.
template <class T>
T* expect(const Opt<T>& b, int64_t expected) {
  return b.present ? expect(static_cast<const Buf<T>&>(b), expected) : nullptr;
}

inline void require(bool ok, const std::string& message) {
  if (!ok) throw ArgError{message};
}

}  // namespace ck
