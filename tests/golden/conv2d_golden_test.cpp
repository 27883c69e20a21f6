// conv2d forward and backward against PyTorch (tests/fixtures/golden/conv2d.safetensors).
#include <doctest/doctest.h>

#include "golden_case.hpp"
#include "ops/conv2d.hpp"
#include "ops/ref/conv2d_ref.hpp"

namespace upsample {
namespace {

using Conv2dImpl = golden::ForwardBackwardImpl<decltype(&ops::ref::conv2d_forward), decltype(&ops::ref::conv2d_backward)>;

ops::ConvGrads dispatched_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight, bool has_bias,
                                   const ops::Conv2dParams& params) {
  return ops::conv2d_backward(grad_output, input, weight, has_bias, params);
}

// The public entry point (whatever it dispatches to) and the reference itself.
constexpr Conv2dImpl kConv2dImpls[] = {{"dispatch", ops::conv2d_forward, dispatched_backward},
                                       {"ref", ops::ref::conv2d_forward, ops::ref::conv2d_backward}};

ops::Conv2dParams conv2d_params_of(const nlohmann::json& j) {
  ops::Conv2dParams p;
  p.stride_h = j.at("stride_h");
  p.stride_w = j.at("stride_w");
  p.pad_top = j.at("pad_top");
  p.pad_bottom = j.at("pad_bottom");
  p.pad_left = j.at("pad_left");
  p.pad_right = j.at("pad_right");
  p.dilation_h = j.at("dilation_h");
  p.dilation_w = j.at("dilation_w");
  p.groups = j.at("groups");
  return p;
}

TEST_CASE("golden: conv2d forward and backward match PyTorch") {
  const golden::Fixture fx("conv2d");
  REQUIRE(fx.case_count() >= 30);
  golden::for_each_impl_and_case(fx, kConv2dImpls, [&](const Conv2dImpl& impl, int i, const std::string& what) {
    golden::check_conv_case(fx, i, what, impl, conv2d_params_of(fx.params(i)), ops::conv2d_output_shape);
  });
}

}  // namespace
}  // namespace upsample
