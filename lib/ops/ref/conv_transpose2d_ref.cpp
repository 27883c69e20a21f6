#include "ops/ref/conv_transpose2d_ref.hpp"

#include <cstdint>

#include "ops/ref/accumulator.hpp"
#include "ops/ref/conv_taps.hpp"

namespace upsample::ops::ref {

namespace {

// conv_transpose2d_output_shape validates the shapes and the parameters.
ConvGeometry geometry(const Shape& input, const Shape& weight, const ConvTranspose2dParams& p) {
  return conv_geometry(input, weight, conv_transpose2d_output_shape(input, weight, p), p.groups);
}

// The taps write the output; those that land in the padding are cropped away.
TapSteps tap_steps(const ConvTranspose2dParams& p) {
  return {p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w};
}

}  // namespace

Tensor conv_transpose2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                const ConvTranspose2dParams& p) {
  const ConvGeometry g = geometry(input.shape(), weight.shape(), p);
  check_bias(bias, g, "conv_transpose2d");
  Accumulator output(g.output_shape());
  // Scatter: each input pixel adds its weighted kernel into the output.
  for_each_tap(g, TapDirection::Scatter, tap_steps(p), [&](const Tap& t) {
    output.at(t.n, t.to_c, t.to_y, t.to_x) += static_cast<double>(input.at(t.n, t.from_c, t.from_y, t.from_x)) *
                                              static_cast<double>(weight.at(t.from_c, t.to_c_in_group, t.kh, t.kw));
  });
  if (!bias.empty()) add_bias(output, bias);
  return output.to_tensor();
}

ConvGrads conv_transpose2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                    bool has_bias, const ConvTranspose2dParams& p) {
  const ConvGeometry g = geometry(input.shape(), weight.shape(), p);
  check_grad_output(grad_output, g, "conv_transpose2d");
  Accumulator grad_input(input.shape());
  Accumulator grad_weight(weight.shape());
  // The same (input pixel, tap) pairs as the forward scatter, each now reading the
  // upstream gradient of the output pixel it wrote.
  for_each_tap(g, TapDirection::Scatter, tap_steps(p), [&](const Tap& t) {
    const double go = grad_output.at(t.n, t.to_c, t.to_y, t.to_x);
    grad_input.at(t.n, t.from_c, t.from_y, t.from_x) +=
        go * static_cast<double>(weight.at(t.from_c, t.to_c_in_group, t.kh, t.kw));
    grad_weight.at(t.from_c, t.to_c_in_group, t.kh, t.kw) +=
        go * static_cast<double>(input.at(t.n, t.from_c, t.from_y, t.from_x));
  });
  return {grad_input.to_tensor(), grad_weight.to_tensor(), has_bias ? bias_gradient(grad_output) : Tensor{}};
}

}  // namespace upsample::ops::ref
