#pragma once
// A conv whose output feeds a 1×1 conv, computed tile by tile: the first conv's output for
// a few rows and a few hundred columns is made where the 1×1 conv reads it and stays in
// the core's cache, so its channels (FSRCNN's 56 of the whole image) never go to memory.
#include "ops/x86/constant_planes.hpp"
#include "ops/x86/conv_driver.hpp"

namespace upsample::ops::x86 {

// first_valid: the first conv packed without padding; pad_h, pad_w: the padding it has in
// the network ("same"). pointwise: the 1×1 conv. output: [N, pointwise.out_channels, H, W].
// With `constant`, first_valid reads only the input's planes before the constant ones,
// without bias or activation, and `constant` adds their term and finishes it.
void run_conv_into_pointwise(const PackedConv& first_valid, int pad_h, int pad_w, const PackedConv& pointwise,
                             const Tensor& input, Tensor& output, const ConstantPlanesTerm* constant = nullptr);

}  // namespace upsample::ops::x86
