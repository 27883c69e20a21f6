#pragma once
// Packs a 3×3 convolution's weights for the Winograd kernels (winograd.hpp) once, and runs
// them over tensors. The caller decides when the Winograd form applies (conv_plan.cpp).
#include <cstdint>
#include <vector>

#include "ops/x86/conv_driver.hpp"
#include "tensor/tensor.hpp"

namespace upsample::ops::x86 {

struct PackedWinograd {
  Isa isa = Isa::Avx2;
  int64_t in_channels = 0, out_channels = 0;
  std::vector<float> weights;  // the layout of WinogradRun::weights
  std::vector<float> bias;     // [Cout], zeros when none
  std::vector<float> slopes;   // [Cout] for PReLU, else empty
  Activation act = Activation::None;
  int shuffle = 1;  // the output written through a pixel shuffle of this factor
};

// weight [Cout, Cin, 3, 3]; bias [Cout] or empty. For a stride-1 conv with padding 1 on
// every side, no dilation, one group; with shuffle r > 1 (r² dividing Cout) the output is
// pixel-shuffled.
PackedWinograd pack_winograd(const Tensor& weight, const Tensor& bias, const Epilogue& epilogue, Isa isa,
                             int shuffle = 1);

// input [N, Cin, H, W] → output [N, Cout, H, W], or [N, Cout/r², H·r, W·r] when shuffled
// (allocated by the caller).
void run_winograd(const PackedWinograd& packed, const Tensor& input, Tensor& output);

// One block of one tile row, for callers that stage their own input rows (conv chains):
// `staged` holds [Cin][6][block_row_length] from the row above the tile row and the
// column left of the block's first tile; `output` gets the first `rows` (≤ 4) rows of the
// block's first `width` columns (at most 4 · block tiles), through the epilogue (packed
// without shuffle).
struct WinogradBlock {
  int tiles = 0;              // per block
  int vector_tiles = 0;       // the tiles a vector holds: blocks are computed in these steps
  int row_length = 0;         // floats per staged row
  int64_t scratch_floats = 0;  // per thread
};
WinogradBlock winograd_block(const PackedWinograd& packed);
void run_winograd_block(const PackedWinograd& packed, const float* staged, float* output, int64_t plane_stride,
                        int64_t row_stride, int width, int rows, float* scratch);
// The same from rows that are anywhere: input_rows[6·c + i] is channel c's row i, from the
// column left of the block, row_length floats readable each (zeros outside the image).
void run_winograd_block(const PackedWinograd& packed, const float* const* input_rows, float* output,
                        int64_t plane_stride, int64_t row_stride, int width, int rows, float* scratch);

// A stride-1, one-group "same" conv with padding `pad` of at most one tile, packed for a
// pass that walks down the image a tile row at a time (the conv after a conv pair, the
// links of a conv chain): by Winograd when `winograd` holds weights (3×3, its output
// through a shuffle of `shuffle`), else directly (`direct_valid`, packed without padding,
// run on windows that hold it).
struct RowPassConv {
  PackedWinograd winograd;
  PackedConv direct_valid;
  int pad = 0;
  int shuffle = 1;
  int64_t in_channels = 0, out_channels = 0;  // out_channels before the shuffle
  bool by_winograd() const { return !winograd.weights.empty(); }
};
// weight [Cout, Cin, k, k] (k odd, up to 9); Winograd needs k = 3.
RowPassConv pack_row_pass_conv(const Tensor& weight, const Tensor& bias, bool by_winograd, const Epilogue& epilogue,
                               Isa isa, int shuffle = 1);

// A stride-1 "same" conv (packed without padding, `pad_h`/`pad_w` its padding) whose output
// feeds the Winograd conv `second`, in one pass: each thread computes the first conv's
// rows for one block of tiles at a time into the Winograd staging rows, so its output
// (64 channels of the whole image for ESPCN) is never written to memory. Down a column
// of blocks, the two patch rows tiles share are kept, not recomputed. With a `tail`, the
// Winograd conv's rows feed it the same way (its output is `output`), so the second
// output (ESPCN's 32 channels) stays in cache too: blocks then overlap by one tile on
// each side, whose outputs are the tail's halo.
void run_conv_into_winograd(const PackedConv& first_valid, int pad_h, int pad_w, const PackedWinograd& second,
                            const Tensor& input, Tensor& output, const RowPassConv* tail = nullptr);

}  // namespace upsample::ops::x86
