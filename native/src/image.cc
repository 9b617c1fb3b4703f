// Image kernels (see image.h). Resizing is separable: per output row and column a few source
// indices and weights (taps), computed as the reference does so both backends agree; bilinear
// keeps TF's lerp form a + (b - a)·t so flat regions stay exact. Parallel over images.
#include "image.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "binder.h"
#include "loops.h"

namespace ck {
namespace {

const Named kInterp[] = {{"bilinear", 0}, {"nearest", 1}, {"bicubic", 2}, {"area", 3}};

struct AxisWeights {
  std::vector<int64_t> idx;
  std::vector<float> wt;
  int64_t taps;
};

float keys(double t) {
  const double a = -0.5, x = std::fabs(t);
  if (x <= 1) return static_cast<float>(((a + 2) * x - (a + 3)) * x * x + 1);
  if (x < 2) return static_cast<float>(((a * x - 5 * a) * x + 8 * a) * x - 4 * a);
  return 0.f;
}

AxisWeights axis_weights(Interp m, int64_t in, int64_t out) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  AxisWeights w;
  switch (m) {
    case Interp::Bilinear: w.taps = 2; break;
    case Interp::Nearest: w.taps = 1; break;
    case Interp::Bicubic: w.taps = 4; break;
    case Interp::Area: w.taps = static_cast<int64_t>(std::ceil(scale)) + 1; break;
  }
  w.idx.assign(static_cast<size_t>(out * w.taps), 0);
  w.wt.assign(static_cast<size_t>(out * w.taps), 0.f);
  for (int64_t o = 0; o < out; ++o) {
    int64_t* idx = &w.idx[o * w.taps];
    float* wt = &w.wt[o * w.taps];
    if (m == Interp::Bilinear) {
      const double x = (o + 0.5) * scale - 0.5, xf = std::floor(x);
      idx[0] = std::max<int64_t>(static_cast<int64_t>(xf), 0);
      idx[1] = std::min<int64_t>(static_cast<int64_t>(std::ceil(x)), in - 1);
      wt[1] = static_cast<float>(x - xf);
      wt[0] = static_cast<float>(1 - (x - xf));
    } else if (m == Interp::Nearest) {
      idx[0] = std::max<int64_t>(0, std::min<int64_t>(static_cast<int64_t>(std::floor((o + 0.5) * scale)), in - 1));
      wt[0] = 1.f;
    } else if (m == Interp::Bicubic) {
      const double x = (o + 0.5) * scale - 0.5, loc = std::floor(x), d = x - loc;
      double sum = 0;
      for (int k = 0; k < 4; ++k) {
        const int64_t i = static_cast<int64_t>(loc) - 1 + k;
        const float v = i >= 0 && i < in ? keys(d - (k - 1)) : 0.f;
        idx[k] = std::max<int64_t>(0, std::min<int64_t>(i, in - 1));
        wt[k] = v;
        sum += v;
      }
      if (std::fabs(sum) > 1e-30)
        for (int k = 0; k < 4; ++k) wt[k] = static_cast<float>(wt[k] / sum);
    } else {
      const double a = o * scale, b = (o + 1) * scale;
      const int64_t start = static_cast<int64_t>(std::floor(a)), end = static_cast<int64_t>(std::ceil(b));
      for (int64_t k = 0; k < w.taps; ++k) {
        const int64_t i = start + k;
        if (i < end) {
          idx[k] = std::min(i, in - 1);
          wt[k] = static_cast<float>((std::min(static_cast<double>(i + 1), b) - std::max(static_cast<double>(i), a)) /
                                     scale);
        }
      }
    }
  }
  return w;
}

}  // namespace

bool parse_interp(const char* s, Interp* out) { return lookup(kInterp, s, out); }

void flip2d(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, const uint8_t* flags, float* out) {
  par_elems(n * h, static_cast<double>(w * c), [=](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / h, i = r % h;
      const bool hf = flags[b] & 1, vf = flags[b] & 2;
      const float* src = x + ((b * h + (vf ? h - 1 - i : i)) * w) * c;
      float* dst = out + r * w * c;
      if (!hf) {
        std::memcpy(dst, src, static_cast<size_t>(w * c) * sizeof(float));
        continue;
      }
      for (int64_t j = 0; j < w; ++j)
        std::memcpy(dst + j * c, src + (w - 1 - j) * c, static_cast<size_t>(c) * sizeof(float));
    }
  });
}

void resize2d(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow, Interp m,
              float* out) {
  if (h == oh && w == ow) {
    std::memcpy(out, x, static_cast<size_t>(n * h * w * c) * sizeof(float));
    return;
  }
  const AxisWeights wy = axis_weights(m, h, oh), wx = axis_weights(m, w, ow);
  const int64_t row = w * c;
  par_elems(n, static_cast<double>(oh * ow * c * (wy.taps + wx.taps)), [&](int64_t b0, int64_t b1) {
    std::vector<float> tmp(static_cast<size_t>(oh * row));
    for (int64_t b = b0; b < b1; ++b) {
      const float* src = x + b * h * row;
      float* dst = out + b * oh * ow * c;
      // Rows first into [oh, w, c], then columns.
      for (int64_t y = 0; y < oh; ++y) {
        float* t = tmp.data() + y * row;
        if (m == Interp::Bilinear) {
          const float* a = src + wy.idx[2 * y] * row;
          const float* bb = src + wy.idx[2 * y + 1] * row;
          const float l = wy.wt[2 * y + 1];
          for (int64_t i = 0; i < row; ++i) t[i] = a[i] + (bb[i] - a[i]) * l;
          continue;
        }
        std::fill(t, t + row, 0.f);
        for (int64_t k = 0; k < wy.taps; ++k) {
          const float g = wy.wt[y * wy.taps + k];
          if (g == 0.f) continue;
          const float* s = src + wy.idx[y * wy.taps + k] * row;
          for (int64_t i = 0; i < row; ++i) t[i] += g * s[i];
        }
      }
      for (int64_t y = 0; y < oh; ++y) {
        const float* t = tmp.data() + y * row;
        for (int64_t xo = 0; xo < ow; ++xo) {
          float* o = dst + (y * ow + xo) * c;
          if (m == Interp::Bilinear) {
            const float* a = t + wx.idx[2 * xo] * c;
            const float* bb = t + wx.idx[2 * xo + 1] * c;
            const float l = wx.wt[2 * xo + 1];
            for (int64_t ch = 0; ch < c; ++ch) o[ch] = a[ch] + (bb[ch] - a[ch]) * l;
            continue;
          }
          for (int64_t ch = 0; ch < c; ++ch) o[ch] = 0.f;
          for (int64_t k = 0; k < wx.taps; ++k) {
            const float g = wx.wt[xo * wx.taps + k];
            if (g == 0.f) continue;
            const float* s = t + wx.idx[xo * wx.taps + k] * c;
            for (int64_t ch = 0; ch < c; ++ch) o[ch] += g * s[ch];
          }
        }
      }
    }
  });
}

void resize2d_backward(const float* dy, int64_t n, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow, Interp m,
                       float* dx) {
  if (h == oh && w == ow) {
    std::memcpy(dx, dy, static_cast<size_t>(n * h * w * c) * sizeof(float));
    return;
  }
  const AxisWeights wy = axis_weights(m, h, oh), wx = axis_weights(m, w, ow);
  const int64_t row = w * c;
  par_elems(n, static_cast<double>(oh * ow * c * (wy.taps + wx.taps)), [&](int64_t b0, int64_t b1) {
    std::vector<float> tmp(static_cast<size_t>(oh * row));
    for (int64_t b = b0; b < b1; ++b) {
      const float* g = dy + b * oh * ow * c;
      float* d = dx + b * h * row;
      std::fill(tmp.begin(), tmp.end(), 0.f);
      std::fill(d, d + h * row, 0.f);
      // The forward's passes in reverse: columns back into [oh, w, c], then rows.
      for (int64_t y = 0; y < oh; ++y) {
        float* t = tmp.data() + y * row;
        for (int64_t xo = 0; xo < ow; ++xo) {
          const float* gi = g + (y * ow + xo) * c;
          for (int64_t k = 0; k < wx.taps; ++k) {
            const float wgt = wx.wt[xo * wx.taps + k];
            if (wgt == 0.f) continue;
            float* s = t + wx.idx[xo * wx.taps + k] * c;
            for (int64_t ch = 0; ch < c; ++ch) s[ch] += wgt * gi[ch];
          }
        }
      }
      for (int64_t y = 0; y < oh; ++y) {
        const float* t = tmp.data() + y * row;
        for (int64_t k = 0; k < wy.taps; ++k) {
          const float wgt = wy.wt[y * wy.taps + k];
          if (wgt == 0.f) continue;
          float* s = d + wy.idx[y * wy.taps + k] * row;
          for (int64_t i = 0; i < row; ++i) s[i] += wgt * t[i];
        }
      }
    }
  });
}

}  // namespace ck

// Kernel entries: the arguments of the kernel table (src/backend/kernels.ts) in order, output
// first; each checks buffer lengths and calls the compute function above.
namespace ck::k {
namespace {

void need_nhwc(const Dims& s) {
  require(s.rank == 4, "shape must be [batch, height, width, channels], given rank " + std::to_string(s.rank));
}

void need_sizes(const Dims& s, int64_t oh, int64_t ow) {
  need_nhwc(s);
  require(oh >= 1 && ow >= 1 && s.d[1] >= 1 && s.d[2] >= 1, "sizes must be >= 1, given " + std::to_string(s.d[1]) +
                                                                "x" + std::to_string(s.d[2]) + " to " +
                                                                std::to_string(oh) + "x" + std::to_string(ow));
}

void flip2d(Out out, In x, const Dims& s, U8In flags) {
  need_nhwc(s);
  const float* px = expect(x, product(s));
  ck::flip2d(px, s.d[0], s.d[1], s.d[2], s.d[3], expect(flags, s.d[0]), expect(out, product(s)));
}

void resize2d(Out out, In x, const Dims& s, int64_t oh, int64_t ow, Interp m) {
  need_sizes(s, oh, ow);
  const float* px = expect(x, product(s));
  ck::resize2d(px, s.d[0], s.d[1], s.d[2], s.d[3], oh, ow, m, expect(out, product({s.d[0], oh, ow, s.d[3]}, "out")));
}

void resize2d_backward(Out out, In dy, const Dims& s, int64_t oh, int64_t ow, Interp m) {
  need_sizes(s, oh, ow);
  const float* pdy = expect(dy, product({s.d[0], oh, ow, s.d[3]}, "dy"));
  ck::resize2d_backward(pdy, s.d[0], s.d[1], s.d[2], s.d[3], oh, ow, m, expect(out, product(s)));
}

}  // namespace

CK_KERNEL("flip2d", flip2d, "out x shape flags");
CK_KERNEL("resize2d", resize2d, "out x shape outH outW method");
CK_KERNEL("resize2dBackward", resize2d_backward, "out dy shape outH outW method");

}  // namespace ck::k
