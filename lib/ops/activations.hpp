#pragma once
// Elementwise activations, PyTorch semantics (tensors of any rank; output shape = input
// shape). At x = 0 the ReLU family takes the negative branch's derivative, as PyTorch does
// (ReLU'(0) = 0, LeakyReLU'(0) = negative_slope).
// tanh and sigmoid compute their backward from the forward *output*, which is what a layer
// keeps.
#include "ops/activation.hpp"
#include "tensor/tensor.hpp"

namespace upsample::ops {

Tensor relu_forward(const Tensor& input);
Tensor relu_backward(const Tensor& grad_output, const Tensor& input);

Tensor leaky_relu_forward(const Tensor& input, float negative_slope);
Tensor leaky_relu_backward(const Tensor& grad_output, const Tensor& input, float negative_slope);

Tensor tanh_forward(const Tensor& input);
Tensor tanh_backward(const Tensor& grad_output, const Tensor& output);

Tensor sigmoid_forward(const Tensor& input);
Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& output);

}  // namespace upsample::ops
