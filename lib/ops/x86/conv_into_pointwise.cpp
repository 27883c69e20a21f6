#include "ops/x86/conv_into_pointwise.hpp"

#include <algorithm>

#include "ops/x86/parallel.hpp"
#include "tensor/error.hpp"

namespace upsample::ops::x86 {

namespace {

// A tile's rows and the most columns whose first-conv output (mid channels, in floats)
// fits in about half of a core's L2 cache, in whole 64-column steps.
constexpr int64_t kTileRows = 8;
constexpr int64_t kTileBytes = 512 * 1024;

int64_t tile_columns(int64_t mid_channels, int64_t width) {
  const int64_t fit = kTileBytes / (mid_channels * kTileRows * static_cast<int64_t>(sizeof(float)));
  return std::min(width, std::max<int64_t>(64, fit / 64 * 64));
}

// `t` reshaped to `shape`, keeping its storage when it already has that shape.
void ensure_shape(Tensor& t, const Shape& shape) {
  if (t.empty() || t.shape() != shape) t = Tensor::uninitialized(shape);
}

}  // namespace

void run_conv_into_pointwise(const PackedConv& first_valid, int pad_h, int pad_w, const PackedConv& pointwise,
                             const Tensor& input, Tensor& output) {
  check_rank4(input, "conv into 1×1 conv");
  const Shape& s = input.shape();
  if (s.c() != first_valid.in_channels || first_valid.out_channels != pointwise.in_channels ||
      output.shape() != Shape{s.n(), pointwise.out_channels, s.h(), s.w()})
    throw Error("conv into 1×1 conv: channels " + std::to_string(s.c()) + " → " +
                std::to_string(first_valid.in_channels) + "→" + std::to_string(first_valid.out_channels) + " → " +
                std::to_string(pointwise.in_channels) + "→" + std::to_string(pointwise.out_channels) +
                " or the output " + output.shape().str() + " do not chain");
  const int64_t mid = first_valid.out_channels, out_channels = pointwise.out_channels;
  const int64_t cols = tile_columns(mid, s.w());
  const int64_t bands = (s.h() + kTileRows - 1) / kTileRows, chunks = (s.w() + cols - 1) / cols;
  const double work = static_cast<double>(s.n() * s.h() * s.w()) *
                      static_cast<double>(s.c() / first_valid.geometry.groups * mid * first_valid.kernel_h *
                                              first_valid.kernel_w +
                                          mid * out_channels);
  for_each_thread_range(
      s.n() * bands * chunks,
      [&](int64_t first, int64_t last, int) {
        Tensor window, mid_tile, out_tile;
        for (int64_t item = first; item < last; ++item) {
          const int64_t n = item / (bands * chunks), y0 = item / chunks % bands * kTileRows,
                        x0 = item % chunks * cols;
          const int64_t h = std::min(kTileRows, s.h() - y0), w = std::min(cols, s.w() - x0);
          ensure_shape(window, Shape{1, s.c(), h + 2 * pad_h, w + 2 * pad_w});
          ensure_shape(mid_tile, Shape{1, mid, h, w});
          ensure_shape(out_tile, Shape{1, out_channels, h, w});
          // The tile's input with the first conv's zero padding where it crosses the border.
          const int64_t win_w = window.shape().w(), left = x0 - pad_w;
          const int64_t x_lo = std::max<int64_t>(0, -left), x_hi = std::clamp<int64_t>(s.w() - left, 0, win_w);
          for (int64_t c = 0; c < s.c(); ++c)
            for (int64_t r = 0; r < window.shape().h(); ++r) {
              float* dst = window.row(0, c, r);
              const int64_t y = y0 - pad_h + r;
              if (y < 0 || y >= s.h()) {
                std::fill_n(dst, win_w, 0.0f);
                continue;
              }
              const float* src = input.row(n, c, y);
              std::fill_n(dst, x_lo, 0.0f);
              std::copy(src + (left + x_lo), src + (left + x_hi), dst + x_lo);
              std::fill(dst + x_hi, dst + win_w, 0.0f);
            }
          run_packed(first_valid, window, mid_tile);
          run_packed(pointwise, mid_tile, out_tile);
          for (int64_t c = 0; c < out_channels; ++c)
            for (int64_t r = 0; r < h; ++r) std::copy_n(out_tile.row(0, c, r), w, output.row(n, c, y0 + r) + x0);
        }
      },
      work);
}

}  // namespace upsample::ops::x86
