#pragma once
// A 1×1 conv whose output feeds a transposed conv that upscales by its stride, computed
// tile by tile: the 1×1 conv's output for a tile and the few rows and columns around it
// that the transposed conv's kernel reaches is made where it is read and stays in the
// core's cache, so its channels (FSRCNN's 56 of the whole image) never go to memory.
#include "ops/x86/conv_driver.hpp"

namespace upsample::ops::x86 {

// The input pixels each side of a tile that a transposed conv (kernel, stride, padding,
// output exactly stride × its input) reads for the tile's outputs.
int transposed_tile_halo(int kernel, int stride, int padding);

// pointwise: the 1×1 conv; tile_transposed: the transposed conv packed with its padding
// grown by stride × halo on each axis (so output 0 of a tile is output stride × tile
// origin of the image). output: [N, Cout, stride_h · H, stride_w · W].
void run_pointwise_into_transposed(const PackedConv& pointwise, const PackedConv& tile_transposed, int halo_h,
                                   int halo_w, const Tensor& input, Tensor& output);

}  // namespace upsample::ops::x86
