#include "ops/ref/activations_ref.hpp"

#include <cmath>
#include <string>

#include "tensor/error.hpp"

namespace upsample::ops::ref {

namespace {

void check_input(const Tensor& t, const char* op) {
  if (t.empty()) throw Error(std::string(op) + ": the input is empty");
}

// y[i] = f(x[i])
template <typename F>
Tensor map(const Tensor& x, const char* op, F f) {
  check_input(x, op);
  Tensor y(x.shape());
  const auto in = x.values();
  const auto out = y.values();
  for (size_t i = 0; i < in.size(); ++i) out[i] = f(in[i]);
  return y;
}

// grad_in[i] = f(grad_out[i], saved[i]) where `saved` is the forward input or output.
template <typename F>
Tensor map_backward(const Tensor& grad_output, const Tensor& saved, const char* op, F f) {
  check_input(saved, op);
  check_shape(grad_output.shape(), saved.shape(), std::string(op) + " backward: grad_output");
  Tensor grad_input(saved.shape());
  const auto g = grad_output.values();
  const auto s = saved.values();
  const auto out = grad_input.values();
  for (size_t i = 0; i < s.size(); ++i) out[i] = f(g[i], s[i]);
  return grad_input;
}

}  // namespace

Tensor relu_forward(const Tensor& input) {
  return map(input, "relu", [](float x) { return x > 0.0f ? x : 0.0f; });
}

Tensor relu_backward(const Tensor& grad_output, const Tensor& input) {
  return map_backward(grad_output, input, "relu", [](float g, float x) { return x > 0.0f ? g : 0.0f; });
}

Tensor leaky_relu_forward(const Tensor& input, float negative_slope) {
  return map(input, "leaky_relu", [=](float x) { return x > 0.0f ? x : x * negative_slope; });
}

Tensor leaky_relu_backward(const Tensor& grad_output, const Tensor& input, float negative_slope) {
  return map_backward(grad_output, input, "leaky_relu",
                      [=](float g, float x) { return x > 0.0f ? g : g * negative_slope; });
}

Tensor tanh_forward(const Tensor& input) {
  return map(input, "tanh", [](float x) { return std::tanh(x); });
}

Tensor tanh_backward(const Tensor& grad_output, const Tensor& output) {
  return map_backward(grad_output, output, "tanh", [](float g, float y) { return g * (1.0f - y * y); });
}

Tensor sigmoid_forward(const Tensor& input) {
  // Written so that exp never overflows: for x < 0 use e^x / (1 + e^x).
  return map(input, "sigmoid", [](float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
    const float e = std::exp(x);
    return e / (1.0f + e);
  });
}

Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& output) {
  return map_backward(grad_output, output, "sigmoid", [](float g, float y) { return g * y * (1.0f - y); });
}

}  // namespace upsample::ops::ref
