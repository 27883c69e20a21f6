#include "ops/ref/prelu_ref.hpp"

#include <cstdint>

#include "ops/ref/accumulator.hpp"
#include "tensor/error.hpp"

namespace upsample::ops::ref {

namespace {

// The input viewed as [outer, channels, inner] with the channel axis (1) in the middle.
struct ChannelLayout {
  int64_t outer = 1, channels = 1, inner = 1;
  bool shared = false;  // one slope for all channels

  int64_t slope_index(int64_t c) const { return shared ? 0 : c; }
};

ChannelLayout layout(const Shape& input, const Shape& weight) {
  prelu_output_shape(input, weight);
  ChannelLayout l;
  if (input.rank() >= 2) {
    l.outer = input[0];
    l.channels = input[1];
    for (int axis = 2; axis < input.rank(); ++axis) l.inner *= input[axis];
  } else {
    l.inner = input[0];
  }
  l.shared = weight[0] == 1;
  return l;
}

}  // namespace

Tensor prelu_forward(const Tensor& input, const Tensor& weight) {
  const ChannelLayout l = layout(input.shape(), weight.shape());
  Tensor output(input.shape());
  const float* x = input.data();
  float* y = output.data();
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t c = 0; c < l.channels; ++c) {
      const float slope = weight.data()[l.slope_index(c)];
      const int64_t base = (o * l.channels + c) * l.inner;
      for (int64_t i = base; i < base + l.inner; ++i) y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
    }
  }
  return output;
}

PReluGrads prelu_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight) {
  const ChannelLayout l = layout(input.shape(), weight.shape());
  check_shape(grad_output.shape(), input.shape(), "prelu backward: grad_output");
  Tensor grad_input(input.shape());
  Accumulator grad_weight(weight.shape());
  const float* x = input.data();
  const float* g = grad_output.data();
  float* gx = grad_input.data();
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t c = 0; c < l.channels; ++c) {
      const int64_t s = l.slope_index(c);
      const float slope = weight.data()[s];
      const int64_t base = (o * l.channels + c) * l.inner;
      for (int64_t i = base; i < base + l.inner; ++i) {
        if (x[i] > 0.0f) {
          gx[i] = g[i];
        } else {
          gx[i] = slope * g[i];
          grad_weight[s] += static_cast<double>(x[i]) * static_cast<double>(g[i]);
        }
      }
    }
  }
  return {grad_input, grad_weight.to_tensor()};
}

}  // namespace upsample::ops::ref
