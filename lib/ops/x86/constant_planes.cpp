#include "ops/x86/constant_planes.hpp"

#include <algorithm>
#include <string>

#include "ops/x86/fast_ops.hpp"
#include "tensor/error.hpp"

namespace upsample::ops::x86 {

int64_t planes_before_constant(const Tensor& input) {
  check_rank4(input, "constant planes");
  const Shape& s = input.shape();
  const int64_t area = s.h() * s.w();
  auto constant = [&](int64_t c) {
    for (int64_t n = 0; n < s.n(); ++n) {
      const float* p = input.plane(n, c);
      if (std::any_of(p, p + area, [v = p[0]](float x) { return x != v; })) return false;
    }
    return true;
  };
  int64_t first = s.c();
  while (first > 1 && area > 0 && constant(first - 1)) --first;
  return first;
}

ConstantPlanesTerm::ConstantPlanesTerm(const Tensor& weight, const PackedConv& packed, int pad_h, int pad_w,
                                       int64_t first, const Tensor& input)
    : out_channels_(weight.shape()[0]),
      kh_(weight.shape()[2]),
      kw_(weight.shape()[3]),
      height_(input.shape().h()),
      width_(input.shape().w()),
      pad_h_(pad_h),
      pad_w_(pad_w),
      packed_(packed) {
  check_rank4(input, "constant planes");
  const Shape& s = input.shape();
  const int64_t channels = weight.shape()[1], taps = kh_ * kw_;
  if (channels != s.c() || first < 1 || first >= channels || packed.out_channels != out_channels_ ||
      packed.in_channels != channels)
    throw Error("constant planes: a conv of weight " + weight.shape().str() + " packed for " +
                std::to_string(packed.in_channels) + "→" + std::to_string(packed.out_channels) +
                " channels cannot take planes " + std::to_string(first) + ".. of " + s.str() + " as constants");
  weighted_.assign(static_cast<size_t>(s.n() * out_channels_ * taps), 0.0f);
  for (int64_t n = 0; n < s.n(); ++n)
    for (int64_t co = 0; co < out_channels_; ++co) {
      float* dst = weighted_.data() + (n * out_channels_ + co) * taps;
      for (int64_t c = first; c < channels; ++c) {
        const float value = input.plane(n, c)[0];
        const float* w = weight.data() + (co * channels + c) * taps;
        for (int64_t t = 0; t < taps; ++t) dst[t] += value * w[t];
      }
    }
}

float ConstantPlanesTerm::term(const float* weighted, int64_t y, int64_t x) const {
  const int64_t ky0 = std::max<int64_t>(0, pad_h_ - y), ky1 = std::min(kh_, height_ + pad_h_ - y);
  const int64_t kx0 = std::max<int64_t>(0, pad_w_ - x), kx1 = std::min(kw_, width_ + pad_w_ - x);
  float sum = 0.0f;
  for (int64_t ky = ky0; ky < ky1; ++ky)
    for (int64_t kx = kx0; kx < kx1; ++kx) sum += weighted[ky * kw_ + kx];
  return sum;
}

void ConstantPlanesTerm::finish(Tensor& tile, int64_t n, int64_t y0, int64_t x0) const {
  const Shape& t = tile.shape();
  if (t.c() != out_channels_) throw Error("constant planes: a tile of " + t.str() + " for " + std::to_string(out_channels_) + " channels");
  const int64_t w = t.w();
  // Columns [inner_lo, inner_hi) of the tile have every tap's column inside the image.
  const int64_t inner_lo = std::clamp<int64_t>(pad_w_ - x0, 0, w);
  const int64_t inner_hi = std::clamp<int64_t>(width_ + pad_w_ - kw_ + 1 - x0, inner_lo, w);
  for (int64_t co = 0; co < out_channels_; ++co) {
    const float* weighted = weighted_.data() + (n * out_channels_ + co) * kh_ * kw_;
    const float bias = packed_.bias[static_cast<size_t>(co)];
    const Epilogue& epilogue = packed_.epilogue;
    for (int64_t r = 0; r < t.h(); ++r) {
      const int64_t y = y0 + r;
      float* row = tile.row(0, co, r);
      for (int64_t i = 0; i < inner_lo; ++i) row[i] += bias + term(weighted, y, x0 + i);
      if (inner_hi > inner_lo) {
        const float inner = bias + term(weighted, y, x0 + inner_lo);
        for (int64_t i = inner_lo; i < inner_hi; ++i) row[i] += inner;
      }
      for (int64_t i = inner_hi; i < w; ++i) row[i] += bias + term(weighted, y, x0 + i);
      if (epilogue.act != Activation::None) activate_span(epilogue.act, row, row, w, epilogue.slope(co), packed_.isa);
    }
  }
}

}  // namespace upsample::ops::x86
