#include "ops/ref/conv2d_ref.hpp"

#include <cstdint>

#include "ops/ref/accumulator.hpp"
#include "ops/ref/conv_taps.hpp"

namespace upsample::ops::ref {

namespace {

// conv2d_output_shape validates the shapes and the parameters.
ConvGeometry geometry(const Shape& input, const Shape& weight, const Conv2dParams& p) {
  return conv_geometry(input, weight, conv2d_output_shape(input, weight, p), p.groups);
}

// The taps read the input; those that land in the zero padding add nothing.
TapSteps tap_steps(const Conv2dParams& p) {
  return {p.stride_h, p.stride_w, p.pad_top, p.pad_left, p.dilation_h, p.dilation_w};
}

}  // namespace

Tensor conv2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& p) {
  const ConvGeometry g = geometry(input.shape(), weight.shape(), p);
  check_bias(bias, g, "conv2d");
  Accumulator output(g.output_shape());
  if (!bias.empty()) add_bias(output, bias);  // each output pixel's sum starts from its bias
  for_each_tap(g, TapDirection::Gather, tap_steps(p), [&](const Tap& t) {
    output.at(t.n, t.from_c, t.from_y, t.from_x) +=
        static_cast<double>(input.at(t.n, t.to_c, t.to_y, t.to_x)) *
        static_cast<double>(weight.at(t.from_c, t.to_c_in_group, t.kh, t.kw));
  });
  return output.to_tensor();
}

ConvGrads conv2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight, bool has_bias,
                          const Conv2dParams& p) {
  const ConvGeometry g = geometry(input.shape(), weight.shape(), p);
  check_grad_output(grad_output, g, "conv2d");
  Accumulator grad_input(input.shape());
  Accumulator grad_weight(weight.shape());
  // Every (output pixel, tap) pair of the forward sum sends its upstream gradient back to
  // the input pixel and the weight it multiplied.
  for_each_tap(g, TapDirection::Gather, tap_steps(p), [&](const Tap& t) {
    const double go = grad_output.at(t.n, t.from_c, t.from_y, t.from_x);
    grad_input.at(t.n, t.to_c, t.to_y, t.to_x) +=
        go * static_cast<double>(weight.at(t.from_c, t.to_c_in_group, t.kh, t.kw));
    grad_weight.at(t.from_c, t.to_c_in_group, t.kh, t.kw) +=
        go * static_cast<double>(input.at(t.n, t.to_c, t.to_y, t.to_x));
  });
  return {grad_input.to_tensor(), grad_weight.to_tensor(), has_bias ? bias_gradient(grad_output) : Tensor{}};
}

}  // namespace upsample::ops::ref
