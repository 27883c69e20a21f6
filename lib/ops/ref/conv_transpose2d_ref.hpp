#pragma once
// Plain-loop conv_transpose2d: the oracle for the fast paths. See ops/conv_transpose2d.hpp.
#include "ops/conv_transpose2d.hpp"

namespace upsample::ops::ref {

Tensor conv_transpose2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                const ConvTranspose2dParams& params);
ConvGrads conv_transpose2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                    bool has_bias, const ConvTranspose2dParams& params);

}  // namespace upsample::ops::ref
