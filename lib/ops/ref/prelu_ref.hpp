#pragma once
// Plain-loop PReLU: the oracle for the fast paths. See ops/prelu.hpp.
#include "ops/prelu.hpp"

namespace upsample::ops::ref {

Tensor prelu_forward(const Tensor& input, const Tensor& weight);
PReluGrads prelu_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight);

}  // namespace upsample::ops::ref
