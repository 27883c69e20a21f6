#pragma once
// Plain-loop activations: the oracle for the fast paths. See ops/activations.hpp.
#include "ops/activations.hpp"

namespace upsample::ops::ref {

Tensor relu_forward(const Tensor& input);
Tensor relu_backward(const Tensor& grad_output, const Tensor& input);
Tensor leaky_relu_forward(const Tensor& input, float negative_slope);
Tensor leaky_relu_backward(const Tensor& grad_output, const Tensor& input, float negative_slope);
Tensor tanh_forward(const Tensor& input);
Tensor tanh_backward(const Tensor& grad_output, const Tensor& output);
Tensor sigmoid_forward(const Tensor& input);
Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& output);

}  // namespace upsample::ops::ref
