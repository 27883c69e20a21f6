#include "ops/x86/pointwise_into_transposed.hpp"

#include <algorithm>

#include "ops/x86/parallel.hpp"
#include "ops/x86/tile_window.hpp"
#include "tensor/error.hpp"

namespace upsample::ops::x86 {

int transposed_tile_halo(int kernel, int stride, int padding) {
  // Output y reads input i = (y + padding − k) / stride for taps k in [0, kernel).
  const int before = (kernel - 1 - padding + stride - 1) / stride, after = (stride - 1 + padding) / stride;
  return std::max({before, after, 0});
}

void run_pointwise_into_transposed(const PackedConv& pointwise, const PackedConv& tile_transposed, int halo_h,
                                   int halo_w, const Tensor& input, Tensor& output) {
  check_rank4(input, "1×1 conv into transposed conv");
  const Shape& s = input.shape();
  const int sh = tile_transposed.geometry.stride_h, sw = tile_transposed.geometry.stride_w;
  const int64_t mid = pointwise.out_channels, out_channels = tile_transposed.out_channels;
  if (s.c() != pointwise.in_channels || mid != tile_transposed.in_channels ||
      output.shape() != Shape{s.n(), out_channels, sh * s.h(), sw * s.w()})
    throw Error("1×1 conv into transposed conv: channels " + std::to_string(s.c()) + " → " +
                std::to_string(pointwise.in_channels) + "→" + std::to_string(mid) + " → " +
                std::to_string(tile_transposed.in_channels) + "→" + std::to_string(out_channels) + " or the output " +
                output.shape().str() + " do not chain");
  // Tiles as wide as the cache budget allows, to the nearest multiple of the transposed
  // conv's kernel call: a tile of 10 vectors would run as two calls of 5 where one of 12
  // runs as one call, with more accumulators to hide the FMAs' latency.
  const int64_t fit = fused_tile_columns(mid * (kFusedTileRows + 2 * halo_h), halo_w, s.w());
  const int64_t chunk = kernel_chunk_columns(tile_transposed);
  const int64_t columns = fit >= s.w() ? fit : std::max<int64_t>(chunk, (fit + chunk / 2) / chunk * chunk);
  const FusedTiles tiles(s, columns);
  const double work =
      static_cast<double>(s.n() * s.h() * s.w()) *
      static_cast<double>(s.c() * mid + mid * out_channels / tile_transposed.geometry.groups *
                                            tile_transposed.kernel_h * tile_transposed.kernel_w);
  for_each_thread_range(
      tiles.count(),
      [&](int64_t first, int64_t last, int) {
        Tensor window, mid_tile, out_tile;
        for (int64_t item = first; item < last; ++item) {
          const auto [n, y0, x0, h, w] = tiles[item];
          const int64_t win_h = h + 2 * halo_h, win_w = w + 2 * halo_w, top = y0 - halo_h, left = x0 - halo_w;
          ensure_tile_shape(window, Shape{1, s.c(), win_h, win_w});
          ensure_tile_shape(mid_tile, Shape{1, mid, win_h, win_w});
          ensure_tile_shape(out_tile, Shape{1, out_channels, sh * h, sw * w});
          copy_window(input, n, top, left, window);
          run_packed(pointwise, window, mid_tile);
          // The transposed conv reads zeros beyond the image, not the 1×1 conv of zeros.
          zero_beyond_image(mid_tile, top, left, s.h(), s.w());
          run_packed(tile_transposed, mid_tile, out_tile);
          for (int64_t c = 0; c < out_channels; ++c)
            for (int64_t r = 0; r < sh * h; ++r)
              std::copy_n(out_tile.row(0, c, r), sw * w, output.row(n, c, sh * y0 + r) + sw * x0);
        }
      },
      work);
}

}  // namespace upsample::ops::x86
