#pragma once
// Tiles of a tensor for the fused passes that run two convolutions tile by tile.
#include <cstdint>

#include "tensor/tensor.hpp"

namespace upsample::ops::x86 {

// Fused passes work on tiles of this many rows and as many columns (a multiple of 32, or
// the whole width) as keep the intermediate, all its channels and halo, within about half
// of a core's L2 cache: `floats_per_column` of it per tile column.
inline constexpr int64_t kFusedTileRows = 8;
int64_t fused_tile_columns(int64_t floats_per_column, int64_t halo_columns, int64_t width);

// One tile of a batch [N, C, H, W]: image n, rows y0.. and columns x0.., h × w of them.
struct FusedTile {
  int64_t n = 0, y0 = 0, x0 = 0, h = 0, w = 0;
};

// The tiles a batch is cut into: bands of kFusedTileRows rows, each in chunks of `columns`.
class FusedTiles {
 public:
  FusedTiles(const Shape& batch, int64_t columns);
  int64_t count() const { return batch_.n() * bands_ * chunks_; }
  FusedTile operator[](int64_t item) const;

 private:
  Shape batch_;
  int64_t columns_, bands_, chunks_;
};

// `tile` with `shape`, keeping its storage when it already has that shape.
void ensure_tile_shape(Tensor& tile, const Shape& shape);

// Fills `window` [1, C, h, w] from image n of `input` [N, C', H, W] (its first C ≤ C'
// planes), its row 0 and column 0 at (top, left) of the image, with zeros where it lies
// beyond the image.
void copy_window(const Tensor& input, int64_t n, int64_t top, int64_t left, Tensor& window);

// Sets to zero the parts of `tile` [1, C, h, w] (placed as copy_window places it) that lie
// beyond an image of `height` × `width`.
void zero_beyond_image(Tensor& tile, int64_t top, int64_t left, int64_t height, int64_t width);

}  // namespace upsample::ops::x86
