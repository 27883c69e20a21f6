#include "ops/conv_transpose2d.hpp"

#include <string>

#include "ops/ref/conv_transpose2d_ref.hpp"
#include "ops/x86/fast_ops.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

Shape conv_transpose2d_output_shape(const Shape& input, const Shape& weight, const ConvTranspose2dParams& p) {
  require("conv_transpose2d", input.rank() == 4, "input must be N×C×H×W, got shape " + input.str());
  require("conv_transpose2d", weight.rank() == 4,
          "weight must be [Cin, Cout/groups, kH, kW], got shape " + weight.str());
  require("conv_transpose2d", p.stride_h >= 1 && p.stride_w >= 1,
          "stride must be at least 1, got " + std::to_string(p.stride_h) + "×" + std::to_string(p.stride_w));
  require("conv_transpose2d", p.dilation_h >= 1 && p.dilation_w >= 1,
          "dilation must be at least 1, got " + std::to_string(p.dilation_h) + "×" + std::to_string(p.dilation_w));
  require("conv_transpose2d", p.pad_h >= 0 && p.pad_w >= 0,
          "padding must not be negative, got " + std::to_string(p.pad_h) + "×" + std::to_string(p.pad_w));
  require("conv_transpose2d", p.output_padding_h >= 0 && p.output_padding_w >= 0,
          "output_padding must not be negative, got " + std::to_string(p.output_padding_h) + "×" +
              std::to_string(p.output_padding_w));
  // As PyTorch: a larger output_padding would add rows that no input pixel can reach.
  require("conv_transpose2d", p.output_padding_h < p.stride_h || p.output_padding_h < p.dilation_h,
          "output_padding along the height (" + std::to_string(p.output_padding_h) +
              ") must be smaller than the stride (" + std::to_string(p.stride_h) + ") or the dilation (" +
              std::to_string(p.dilation_h) + ")");
  require("conv_transpose2d", p.output_padding_w < p.stride_w || p.output_padding_w < p.dilation_w,
          "output_padding along the width (" + std::to_string(p.output_padding_w) +
              ") must be smaller than the stride (" + std::to_string(p.stride_w) + ") or the dilation (" +
              std::to_string(p.dilation_w) + ")");
  require("conv_transpose2d", p.groups >= 1, "groups must be at least 1, got " + std::to_string(p.groups));
  require("conv_transpose2d", input.c() >= 1 && input.h() >= 1 && input.w() >= 1,
          "input has an empty dimension: " + input.str());
  require("conv_transpose2d", weight.numel() >= 1, "weight has an empty dimension: " + weight.str());
  require("conv_transpose2d", input.c() % p.groups == 0,
          "input channels (" + std::to_string(input.c()) + ") are not divisible by groups (" +
              std::to_string(p.groups) + ")");
  require("conv_transpose2d", weight[0] == input.c(),
          "weight " + weight.str() + " is for " + std::to_string(weight[0]) + " input channels, but the input " +
              input.str() + " has " + std::to_string(input.c()));
  const int64_t out_h =
      (input.h() - 1) * p.stride_h - 2 * int64_t{p.pad_h} + p.dilation_h * (weight[2] - 1) + p.output_padding_h + 1;
  const int64_t out_w =
      (input.w() - 1) * p.stride_w - 2 * int64_t{p.pad_w} + p.dilation_w * (weight[3] - 1) + p.output_padding_w + 1;
  require("conv_transpose2d", out_h >= 1 && out_w >= 1,
          "the padding (" + std::to_string(p.pad_h) + "×" + std::to_string(p.pad_w) +
              ") crops the whole output: the output size would be " + std::to_string(out_h) + "×" +
              std::to_string(out_w));
  return Shape{input.n(), weight[1] * p.groups, out_h, out_w};
}

Tensor conv_transpose2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                const ConvTranspose2dParams& params) {
  const x86::Isa isa = x86::active_isa();
  if (isa == x86::Isa::Ref) return ref::conv_transpose2d_forward(input, weight, bias, params);
  return x86::conv_transpose2d_forward(input, weight, bias, params, isa);
}

ConvGrads conv_transpose2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                    bool has_bias, const ConvTranspose2dParams& params,
                                    InputGradient input_gradient) {
  const x86::Isa isa = x86::active_isa();
  if (isa == x86::Isa::Ref) {
    ConvGrads grads = ref::conv_transpose2d_backward(grad_output, input, weight, has_bias, params);
    if (input_gradient == InputGradient::Skipped) grads.input = Tensor{};
    return grads;
  }
  return x86::conv_transpose2d_backward(grad_output, input, weight, has_bias, params, isa, input_gradient);
}

}  // namespace upsample::ops
