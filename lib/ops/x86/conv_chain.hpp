#pragma once
// A chain of "same" convolutions run depth-first (FSRCNN's mapping layers): each thread
// takes a strip of columns and walks down it one tile row (4 rows) at a time, every layer
// computing its next 4 rows from the rows the layer before it has just made. Each layer
// keeps its last 3 tile rows in a ring, so the maps between layers (32 channels of the
// whole image each, for the damage models) never go to memory. A strip's layers reach
// one tile further out per layer still to come, the halo the convs after them read.
// Winograd layers start their tiles on the image's 4-pixel grid, as they do alone, so the
// chain computes exactly what the layers one by one do.
#include <cstdint>
#include <vector>

#include "ops/x86/winograd_conv.hpp"
#include "tensor/tensor.hpp"

namespace upsample::ops::x86 {

// `layers` from pack_row_pass_conv, without shuffles: input [N, C0, H, W] → output
// [N, C_last, H, W] (allocated by the caller). Strips are at most `strip_tiles` tiles
// wide, or (0) as wide as the rings' cache budget allows.
void run_conv_chain(const std::vector<RowPassConv>& layers, const Tensor& input, Tensor& output,
                    int64_t strip_tiles = 0);

}  // namespace upsample::ops::x86
