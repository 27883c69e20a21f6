#include "ops/x86/tile_window.hpp"

#include <algorithm>
#include <string>

#include "tensor/error.hpp"

namespace upsample::ops::x86 {

int64_t fused_tile_columns(int64_t floats_per_column, int64_t halo_columns, int64_t width) {
  constexpr int64_t kTileFloats = 512 * 1024 / sizeof(float);
  const int64_t fit = kTileFloats / std::max<int64_t>(1, floats_per_column) - 2 * halo_columns;
  return std::min(width, std::max<int64_t>(32, fit / 32 * 32));
}

FusedTiles::FusedTiles(const Shape& batch, int64_t columns)
    : batch_(batch),
      columns_(columns),
      bands_((batch.h() + kFusedTileRows - 1) / kFusedTileRows),
      chunks_((batch.w() + columns - 1) / columns) {}

FusedTile FusedTiles::operator[](int64_t item) const {
  FusedTile t;
  t.n = item / (bands_ * chunks_);
  t.y0 = item / chunks_ % bands_ * kFusedTileRows;
  t.x0 = item % chunks_ * columns_;
  t.h = std::min(kFusedTileRows, batch_.h() - t.y0);
  t.w = std::min(columns_, batch_.w() - t.x0);
  return t;
}

void ensure_tile_shape(Tensor& tile, const Shape& shape) {
  if (tile.empty() || tile.shape() != shape) tile = Tensor::uninitialized(shape);
}

void copy_window(const Tensor& input, int64_t n, int64_t top, int64_t left, Tensor& window) {
  const Shape& s = input.shape();
  const int64_t win_h = window.shape().h(), win_w = window.shape().w();
  const int64_t x_lo = std::clamp<int64_t>(-left, 0, win_w), x_hi = std::clamp<int64_t>(s.w() - left, x_lo, win_w);
  if (window.shape().c() > s.c())
    throw Error("tile window: " + std::to_string(window.shape().c()) + " planes from an input of " +
                std::to_string(s.c()));
  for (int64_t c = 0; c < window.shape().c(); ++c)
    for (int64_t r = 0; r < win_h; ++r) {
      float* dst = window.row(0, c, r);
      const int64_t y = top + r;
      if (y < 0 || y >= s.h()) {
        std::fill_n(dst, win_w, 0.0f);
        continue;
      }
      const float* src = input.row(n, c, y);
      std::fill_n(dst, x_lo, 0.0f);
      std::copy(src + (left + x_lo), src + (left + x_hi), dst + x_lo);
      std::fill(dst + x_hi, dst + win_w, 0.0f);
    }
}

void zero_beyond_image(Tensor& tile, int64_t top, int64_t left, int64_t height, int64_t width) {
  const Shape& t = tile.shape();
  const int64_t x_lo = std::clamp<int64_t>(-left, 0, t.w()), x_hi = std::clamp<int64_t>(width - left, x_lo, t.w());
  for (int64_t c = 0; c < t.c(); ++c)
    for (int64_t r = 0; r < t.h(); ++r) {
      float* row = tile.row(0, c, r);
      const int64_t y = top + r;
      if (y < 0 || y >= height) {
        std::fill_n(row, t.w(), 0.0f);
        continue;
      }
      std::fill_n(row, x_lo, 0.0f);
      std::fill(row + x_hi, row + t.w(), 0.0f);
    }
}

}  // namespace upsample::ops::x86
