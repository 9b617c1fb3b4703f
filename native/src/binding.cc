// The addon's module: exports every kernel registered with CK_KERNEL in the family files (see
// binder.h for how a JS call reaches a kernel entry), and the controls: thread count, ISA, info.
// Outputs are allocated by the TypeScript side and passed first.
#include <malloc.h>
#include <napi.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "binder.h"
#include "cpu.h"
#include "gemm.h"
#include "threadpool.h"

namespace {

using namespace ck;
using namespace ck::binder;

struct Args {
  const Napi::CallbackInfo& info;
  const char* kernel;
  Napi::Env env() const { return info.Env(); }
  int64_t integer(size_t i, const char* name, int64_t min) const {
    try {
      return binder::integer(number(Slot{info, i, name}), std::string("argument '") + name + "'", min);
    } catch (const ArgError& e) {
      fail(env(), kernel, e.message);
    }
  }
  std::string str(size_t i, const char* name) const {
    try {
      return binder::str(Slot{info, i, name});
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
  for (Entry& e : registry()) {
    if (exports.Has(e.name)) {
      std::fprintf(stderr, "convkit: two native kernels are registered as %s\n", e.name);
      std::abort();
    }
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
