#include "ops/conv2d.hpp"

#include <string>

#include "ops/ref/conv2d_ref.hpp"
#include "ops/x86/fast_ops.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

namespace {
void require(bool ok, const std::string& message) {
  if (!ok) throw Error("conv2d: " + message);
}
std::string str(int64_t v) { return std::to_string(v); }
}  // namespace

Shape conv2d_output_shape(const Shape& input, const Shape& weight, const Conv2dParams& p) {
  require(input.rank() == 4, "input must be N×C×H×W, got shape " + input.str());
  require(weight.rank() == 4, "weight must be [Cout, Cin/groups, kH, kW], got shape " + weight.str());
  require(p.stride_h >= 1 && p.stride_w >= 1,
          "stride must be at least 1, got " + str(p.stride_h) + "×" + str(p.stride_w));
  require(p.dilation_h >= 1 && p.dilation_w >= 1,
          "dilation must be at least 1, got " + str(p.dilation_h) + "×" + str(p.dilation_w));
  require(p.pad_top >= 0 && p.pad_bottom >= 0 && p.pad_left >= 0 && p.pad_right >= 0,
          "padding must not be negative, got top " + str(p.pad_top) + ", bottom " + str(p.pad_bottom) + ", left " +
              str(p.pad_left) + ", right " + str(p.pad_right));
  require(p.groups >= 1, "groups must be at least 1, got " + str(p.groups));
  require(input.c() >= 1 && input.h() >= 1 && input.w() >= 1, "input has an empty dimension: " + input.str());
  require(weight.numel() >= 1, "weight has an empty dimension: " + weight.str());
  require(input.c() % p.groups == 0,
          "input channels (" + str(input.c()) + ") are not divisible by groups (" + str(p.groups) + ")");
  require(weight[0] % p.groups == 0, "output channels (weight dim 0 = " + str(weight[0]) +
                                         ") are not divisible by groups (" + str(p.groups) + ")");
  require(weight[1] == input.c() / p.groups,
          "weight " + weight.str() + " expects " + str(weight[1] * p.groups) + " input channels with groups = " +
              str(p.groups) + ", but the input " + input.str() + " has " + str(input.c()));
  const int64_t padded_h = input.h() + p.pad_top + p.pad_bottom;
  const int64_t padded_w = input.w() + p.pad_left + p.pad_right;
  const int64_t span_h = int64_t{p.dilation_h} * (weight[2] - 1) + 1;
  const int64_t span_w = int64_t{p.dilation_w} * (weight[3] - 1) + 1;
  require(span_h <= padded_h && span_w <= padded_w,
          "the kernel spans " + str(span_h) + "×" + str(span_w) + " pixels (with dilation), more than the padded input " +
              str(padded_h) + "×" + str(padded_w));
  return Shape{input.n(), weight[0], (padded_h - span_h) / p.stride_h + 1, (padded_w - span_w) / p.stride_w + 1};
}

Tensor conv2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& params) {
  const x86::Isa isa = x86::active_isa();
  if (isa == x86::Isa::Ref) return ref::conv2d_forward(input, weight, bias, params);
  return x86::conv2d_forward(input, weight, bias, params, isa);
}

ConvGrads conv2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight, bool has_bias,
                          const Conv2dParams& params) {
  const x86::Isa isa = x86::active_isa();
  if (isa == x86::Isa::Ref) return ref::conv2d_backward(grad_output, input, weight, has_bias, params);
  return x86::conv2d_backward(grad_output, input, weight, has_bias, params, isa);
}

}  // namespace upsample::ops
