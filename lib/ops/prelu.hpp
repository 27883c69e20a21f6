#pragma once
// PReLU as PyTorch's nn.PReLU: y = x for x > 0, else weight[c]·x, where c is the channel
// (axis 1). The weight is [C] (one learnable slope per channel) or [1] (one shared slope);
// a rank-1 input only takes the shared form.
#include "tensor/tensor.hpp"

namespace upsample::ops {

struct PReluGrads {
  Tensor input;   // same shape as the input
  Tensor weight;  // same shape as the weight
};

// Throws upsample::Error unless the weight fits the input; returns the output shape.
Shape prelu_output_shape(const Shape& input, const Shape& weight);

Tensor prelu_forward(const Tensor& input, const Tensor& weight);
PReluGrads prelu_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight);

}  // namespace upsample::ops
