#pragma once
// Plain-loop conv2d: the oracle for the fast paths. See ops/conv2d.hpp for the contract.
#include "ops/conv2d.hpp"

namespace upsample::ops::ref {

Tensor conv2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& params);
ConvGrads conv2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight, bool has_bias,
                          const Conv2dParams& params);

}  // namespace upsample::ops::ref
