#include "ops/activations.hpp"

#include "ops/ref/activations_ref.hpp"

namespace upsample::ops {

Tensor relu_forward(const Tensor& input) { return ref::relu_forward(input); }
Tensor relu_backward(const Tensor& grad_output, const Tensor& input) { return ref::relu_backward(grad_output, input); }

Tensor leaky_relu_forward(const Tensor& input, float negative_slope) {
  return ref::leaky_relu_forward(input, negative_slope);
}
Tensor leaky_relu_backward(const Tensor& grad_output, const Tensor& input, float negative_slope) {
  return ref::leaky_relu_backward(grad_output, input, negative_slope);
}

Tensor tanh_forward(const Tensor& input) { return ref::tanh_forward(input); }
Tensor tanh_backward(const Tensor& grad_output, const Tensor& output) {
  return ref::tanh_backward(grad_output, output);
}

Tensor sigmoid_forward(const Tensor& input) { return ref::sigmoid_forward(input); }
Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& output) {
  return ref::sigmoid_backward(grad_output, output);
}

}  // namespace upsample::ops
