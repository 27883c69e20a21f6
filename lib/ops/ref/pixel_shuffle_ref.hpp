#pragma once
// Plain-loop pixel (un)shuffle: the oracle for the fast paths. See ops/pixel_shuffle.hpp.
#include "ops/pixel_shuffle.hpp"

namespace upsample::ops::ref {

Tensor pixel_shuffle_forward(const Tensor& input, int factor);
Tensor pixel_shuffle_backward(const Tensor& grad_output, int factor);
Tensor pixel_unshuffle_forward(const Tensor& input, int factor);
Tensor pixel_unshuffle_backward(const Tensor& grad_output, int factor);

}  // namespace upsample::ops::ref
