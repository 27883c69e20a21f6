#include "ops/x86/conv_into_pointwise.hpp"

#include <algorithm>

#include "ops/x86/parallel.hpp"
#include "ops/x86/tile_window.hpp"
#include "tensor/error.hpp"

namespace upsample::ops::x86 {

void run_conv_into_pointwise(const PackedConv& first_valid, int pad_h, int pad_w, const PackedConv& pointwise,
                             const Tensor& input, Tensor& output, const ConstantPlanesTerm* constant) {
  check_rank4(input, "conv into 1×1 conv");
  const Shape& s = input.shape();
  const int64_t read = first_valid.in_channels;
  if ((constant != nullptr ? read >= s.c() : read != s.c()) || first_valid.out_channels != pointwise.in_channels ||
      output.shape() != Shape{s.n(), pointwise.out_channels, s.h(), s.w()})
    throw Error("conv into 1×1 conv: channels " + std::to_string(s.c()) + " → " +
                std::to_string(first_valid.in_channels) + "→" + std::to_string(first_valid.out_channels) + " → " +
                std::to_string(pointwise.in_channels) + "→" + std::to_string(pointwise.out_channels) +
                " or the output " + output.shape().str() + " do not chain");
  const int64_t mid = first_valid.out_channels, out_channels = pointwise.out_channels;
  const FusedTiles tiles(s, fused_tile_columns(mid * kFusedTileRows, 0, s.w()));
  const double work = static_cast<double>(s.n() * s.h() * s.w()) *
                      static_cast<double>(read / first_valid.geometry.groups * mid * first_valid.kernel_h *
                                              first_valid.kernel_w +
                                          mid * out_channels);
  for_each_thread_range(
      tiles.count(),
      [&](int64_t first, int64_t last, int) {
        Tensor window, mid_tile, out_tile;
        for (int64_t item = first; item < last; ++item) {
          const auto [n, y0, x0, h, w] = tiles[item];
          ensure_tile_shape(window, Shape{1, read, h + 2 * pad_h, w + 2 * pad_w});
          ensure_tile_shape(mid_tile, Shape{1, mid, h, w});
          ensure_tile_shape(out_tile, Shape{1, out_channels, h, w});
          copy_window(input, n, y0 - pad_h, x0 - pad_w, window);  // with the first conv's zero padding
          run_packed(first_valid, window, mid_tile);
          if (constant != nullptr) constant->finish(mid_tile, n, y0, x0);
          run_packed(pointwise, mid_tile, out_tile);
          for (int64_t c = 0; c < out_channels; ++c)
            for (int64_t r = 0; r < h; ++r) std::copy_n(out_tile.row(0, c, r), w, output.row(n, c, y0 + r) + x0);
        }
      },
      work);
}

}  // namespace upsample::ops::x86
