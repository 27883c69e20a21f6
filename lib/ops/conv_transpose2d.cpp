#include "ops/conv_transpose2d.hpp"

#include <string>

#include "ops/ref/conv_transpose2d_ref.hpp"
#include "ops/x86/fast_ops.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

namespace {
void require(bool ok, const std::string& message) {
  if (!ok) throw Error("conv_transpose2d: " + message);
}
std::string str(int64_t v) { return std::to_string(v); }
}  // namespace

Shape conv_transpose2d_output_shape(const Shape& input, const Shape& weight, const ConvTranspose2dParams& p) {
  require(input.rank() == 4, "input must be N×C×H×W, got shape " + input.str());
  require(weight.rank() == 4, "weight must be [Cin, Cout/groups, kH, kW], got shape " + weight.str());
  require(p.stride_h >= 1 && p.stride_w >= 1,
          "stride must be at least 1, got " + str(p.stride_h) + "×" + str(p.stride_w));
  require(p.dilation_h >= 1 && p.dilation_w >= 1,
          "dilation must be at least 1, got " + str(p.dilation_h) + "×" + str(p.dilation_w));
  require(p.pad_h >= 0 && p.pad_w >= 0, "padding must not be negative, got " + str(p.pad_h) + "×" + str(p.pad_w));
  require(p.output_padding_h >= 0 && p.output_padding_w >= 0,
          "output_padding must not be negative, got " + str(p.output_padding_h) + "×" + str(p.output_padding_w));
  // As PyTorch: a larger output_padding would add rows that no input pixel can reach.
  require(p.output_padding_h < p.stride_h || p.output_padding_h < p.dilation_h,
          "output_padding along the height (" + str(p.output_padding_h) + ") must be smaller than the stride (" +
              str(p.stride_h) + ") or the dilation (" + str(p.dilation_h) + ")");
  require(p.output_padding_w < p.stride_w || p.output_padding_w < p.dilation_w,
          "output_padding along the width (" + str(p.output_padding_w) + ") must be smaller than the stride (" +
              str(p.stride_w) + ") or the dilation (" + str(p.dilation_w) + ")");
  require(p.groups >= 1, "groups must be at least 1, got " + str(p.groups));
  require(input.c() >= 1 && input.h() >= 1 && input.w() >= 1, "input has an empty dimension: " + input.str());
  require(weight.numel() >= 1, "weight has an empty dimension: " + weight.str());
  require(input.c() % p.groups == 0,
          "input channels (" + str(input.c()) + ") are not divisible by groups (" + str(p.groups) + ")");
  require(weight[0] == input.c(), "weight " + weight.str() + " is for " + str(weight[0]) +
                                      " input channels, but the input " + input.str() + " has " + str(input.c()));
  const int64_t out_h =
      (input.h() - 1) * p.stride_h - 2 * int64_t{p.pad_h} + p.dilation_h * (weight[2] - 1) + p.output_padding_h + 1;
  const int64_t out_w =
      (input.w() - 1) * p.stride_w - 2 * int64_t{p.pad_w} + p.dilation_w * (weight[3] - 1) + p.output_padding_w + 1;
  require(out_h >= 1 && out_w >= 1, "the padding (" + str(p.pad_h) + "×" + str(p.pad_w) +
                                        ") crops the whole output: the output size would be " + str(out_h) + "×" +
                                        str(out_w));
  return Shape{input.n(), weight[1] * p.groups, out_h, out_w};
}

Tensor conv_transpose2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                const ConvTranspose2dParams& params) {
  const x86::Isa isa = x86::active_isa();
  if (isa == x86::Isa::Ref) return ref::conv_transpose2d_forward(input, weight, bias, params);
  return x86::conv_transpose2d_forward(input, weight, bias, params, isa);
}

ConvGrads conv_transpose2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                    bool has_bias, const ConvTranspose2dParams& params) {
  const x86::Isa isa = x86::active_isa();
  if (isa == x86::Isa::Ref) return ref::conv_transpose2d_backward(grad_output, input, weight, has_bias, params);
  return x86::conv_transpose2d_backward(grad_output, input, weight, has_bias, params, isa);
}

}  // namespace upsample::ops
