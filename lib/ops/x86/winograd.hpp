#pragma once
// Winograd F(4×4, 3×3): a stride-1 3×3 convolution with padding 1 computes each 4×4 block
// of outputs (a "tile") with 36 multiplies per input–output channel pair instead of 144.
// For a block of tiles along one tile row:
//   1. U[pos][cin][tile] = (Bᵀ d B)[pos], d the tile's 6×6 input patch (zeros outside);
//   2. M[pos][cout][tile] = Σ_cin W[pos][cout][cin] · U[pos][cin][tile], 36 small matrix
//      products, with W = G g Gᵀ transformed once when the weights are packed;
//   3. out = Aᵀ M A (the 4×4 tile), plus bias, through the activation.
// The kernels (winograd_kernels.inl) are compiled once per instruction set.
#include <cstdint>

#include "ops/activation.hpp"

namespace upsample::ops::x86 {

inline constexpr int kWinogradPositions = 36;  // the 6×6 transformed patch
inline constexpr int kWinogradTileEdge = 4;    // output rows and columns of a tile
inline constexpr int kWinogradVectorsPerBlock = 3;  // tile vectors per block, every ISA

struct WinogradRun {
  const float* input = nullptr;
  int64_t in_image_stride = 0, in_plane_stride = 0, in_row_stride = 0;
  float* output = nullptr;
  int64_t out_image_stride = 0, out_plane_stride = 0, out_row_stride = 0;
  int32_t height = 0, width = 0;  // of the input, and of the output before any shuffle
  int32_t in_channels = 0, out_channels = 0;
  // [36][⌈Cout / slots⌉][Cin][slots], zero for the padding outputs of the last block.
  const float* weights = nullptr;
  const float* bias = nullptr;    // [Cout]
  const float* slopes = nullptr;  // [Cout], for PReLU
  Activation act = Activation::None;
  // > 1: the output is written pixel-shuffled, [N, Cout/shuffle², H·shuffle, W·shuffle],
  // and the output strides are those of that tensor.
  int32_t shuffle = 1;
};

// Per instruction set: the entry points of winograd_<isa>.cpp.
#define UPSAMPLE_WINOGRAD_DECLARATIONS                                                          \
  /* Output channels per weight block, and tiles per block along a tile row. */                \
  int winograd_slots();                                                                         \
  int winograd_block_tiles();                                                                   \
  /* Floats per staged patch row: 4 per tile of a block, and the patches' overhang. */          \
  int winograd_row_length();                                                                    \
  /* Floats of scratch one thread needs. */                                                     \
  int64_t winograd_scratch_floats(int in_channels, int out_channels);                           \
  /* Items [first, last) of the (image, tile row, block of tiles) range. */                    \
  void winograd_rows(const WinogradRun& run, int64_t first, int64_t last, float* scratch);        \
  /* One block from input rows the caller staged: [Cin][6][row length], from row             \
     4·tile_row − 1 and column 4·first_tile − 1, zeros outside the image (run.input unused). */ \
  void winograd_staged(const WinogradRun& run, const float* staged, int64_t image, int tile_row,  \
                       int first_tile, float* scratch);                                          \
  /* One block whose input rows are anywhere: rows[6·c + i] is channel c's patch row i from   \
     the column left of the block, kRowLength floats readable (zeros outside the image);      \
     written as image 0, tile row 0, first tile 0. */                                         \
  void winograd_row_pointers(const WinogradRun& run, const float* const* rows, float* scratch);

namespace avx2 {
UPSAMPLE_WINOGRAD_DECLARATIONS
}
namespace avx512 {
UPSAMPLE_WINOGRAD_DECLARATIONS
}

}  // namespace upsample::ops::x86
