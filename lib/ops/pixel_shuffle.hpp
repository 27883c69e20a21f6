#pragma once
// Pixel shuffle (sub-pixel convolution's rearrangement) and its inverse, in PyTorch's
// channel order:
//   pixel_shuffle:   [N, C·r², H, W] → [N, C, H·r, W·r],
//                    out[n][c][h·r + i][w·r + j] = in[n][c·r² + i·r + j][h][w]
//   pixel_unshuffle: [N, C, H·r, W·r] → [N, C·r², H, W], the exact inverse.
// Both are permutations, so the backward of one is the other.
#include "tensor/tensor.hpp"

namespace upsample::ops {

// Throw upsample::Error unless the factor is ≥ 1 and divides the channels (shuffle) or
// the height and width (unshuffle).
Shape pixel_shuffle_output_shape(const Shape& input, int factor);
Shape pixel_unshuffle_output_shape(const Shape& input, int factor);

Tensor pixel_shuffle_forward(const Tensor& input, int factor);
// Gradient w.r.t. the input of pixel_shuffle_forward (= pixel_unshuffle of grad_output).
Tensor pixel_shuffle_backward(const Tensor& grad_output, int factor);

Tensor pixel_unshuffle_forward(const Tensor& input, int factor);
// Gradient w.r.t. the input of pixel_unshuffle_forward (= pixel_shuffle of grad_output).
Tensor pixel_unshuffle_backward(const Tensor& grad_output, int factor);

}  // namespace upsample::ops
