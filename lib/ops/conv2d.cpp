#include "ops/conv2d.hpp"

#include <string>

#include "ops/ref/conv2d_ref.hpp"
#include "ops/x86/fast_ops.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

Shape conv2d_output_shape(const Shape& input, const Shape& weight, const Conv2dParams& p) {
  require("conv2d", input.rank() == 4, "input must be N×C×H×W, got shape " + input.str());
  require("conv2d", weight.rank() == 4, "weight must be [Cout, Cin/groups, kH, kW], got shape " + weight.str());
  require("conv2d", p.stride_h >= 1 && p.stride_w >= 1,
          "stride must be at least 1, got " + std::to_string(p.stride_h) + "×" + std::to_string(p.stride_w));
  require("conv2d", p.dilation_h >= 1 && p.dilation_w >= 1,
          "dilation must be at least 1, got " + std::to_string(p.dilation_h) + "×" + std::to_string(p.dilation_w));
  require("conv2d", p.pad_top >= 0 && p.pad_bottom >= 0 && p.pad_left >= 0 && p.pad_right >= 0,
          "padding must not be negative, got top " + std::to_string(p.pad_top) + ", bottom " +
              std::to_string(p.pad_bottom) + ", left " + std::to_string(p.pad_left) + ", right " +
              std::to_string(p.pad_right));
  require("conv2d", p.groups >= 1, "groups must be at least 1, got " + std::to_string(p.groups));
  require("conv2d", input.c() >= 1 && input.h() >= 1 && input.w() >= 1, "input has an empty dimension: " + input.str());
  require("conv2d", weight.numel() >= 1, "weight has an empty dimension: " + weight.str());
  require("conv2d", input.c() % p.groups == 0,
          "input channels (" + std::to_string(input.c()) + ") are not divisible by groups (" +
              std::to_string(p.groups) + ")");
  require("conv2d", weight[0] % p.groups == 0,
          "output channels (weight dim 0 = " + std::to_string(weight[0]) + ") are not divisible by groups (" +
              std::to_string(p.groups) + ")");
  require("conv2d", weight[1] == input.c() / p.groups,
          "weight " + weight.str() + " expects " + std::to_string(weight[1] * p.groups) +
              " input channels with groups = " + std::to_string(p.groups) + ", but the input " + input.str() + " has " +
              std::to_string(input.c()));
  const int64_t padded_h = input.h() + p.pad_top + p.pad_bottom;
  const int64_t padded_w = input.w() + p.pad_left + p.pad_right;
  const int64_t span_h = int64_t{p.dilation_h} * (weight[2] - 1) + 1;
  const int64_t span_w = int64_t{p.dilation_w} * (weight[3] - 1) + 1;
  require("conv2d", span_h <= padded_h && span_w <= padded_w,
          "the kernel spans " + std::to_string(span_h) + "×" + std::to_string(span_w) +
              " pixels (with dilation), more than the padded input " + std::to_string(padded_h) + "×" +
              std::to_string(padded_w));
  return Shape{input.n(), weight[0], (padded_h - span_h) / p.stride_h + 1, (padded_w - span_w) / p.stride_w + 1};
}

Tensor conv2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& params) {
  const x86::Isa isa = x86::active_isa();
  if (isa == x86::Isa::Ref) return ref::conv2d_forward(input, weight, bias, params);
  return x86::conv2d_forward(input, weight, bias, params, isa);
}

ConvGrads conv2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight, bool has_bias,
                          const Conv2dParams& params, InputGradient input_gradient) {
  const x86::Isa isa = x86::active_isa();
  if (isa == x86::Isa::Ref) {
    ConvGrads grads = ref::conv2d_backward(grad_output, input, weight, has_bias, params);
    if (input_gradient == InputGradient::Skipped) grads.input = Tensor{};
    return grads;
  }
  return x86::conv2d_backward(grad_output, input, weight, has_bias, params, isa, input_gradient);
}

}  // namespace upsample::ops
