// conv_transpose2d forward and backward against PyTorch
// (tests/fixtures/golden/conv_transpose2d.safetensors).
#include <doctest/doctest.h>

#include "golden_case.hpp"
#include "ops/conv_transpose2d.hpp"
#include "ops/ref/conv_transpose2d_ref.hpp"

namespace upsample {
namespace {

using ConvTranspose2dImpl = golden::ForwardBackwardImpl<decltype(&ops::ref::conv_transpose2d_forward),
                                                        decltype(&ops::ref::conv_transpose2d_backward)>;

ops::ConvGrads dispatched_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight, bool has_bias,
                                   const ops::ConvTranspose2dParams& params) {
  return ops::conv_transpose2d_backward(grad_output, input, weight, has_bias, params);
}

// The public entry point (whatever it dispatches to) and the reference itself.
constexpr ConvTranspose2dImpl kConvTranspose2dImpls[] = {
    {"dispatch", ops::conv_transpose2d_forward, dispatched_backward},
    {"ref", ops::ref::conv_transpose2d_forward, ops::ref::conv_transpose2d_backward}};

ops::ConvTranspose2dParams conv_transpose2d_params_of(const nlohmann::json& j) {
  ops::ConvTranspose2dParams p;
  p.stride_h = j.at("stride_h");
  p.stride_w = j.at("stride_w");
  p.pad_h = j.at("pad_h");
  p.pad_w = j.at("pad_w");
  p.output_padding_h = j.at("output_padding_h");
  p.output_padding_w = j.at("output_padding_w");
  p.dilation_h = j.at("dilation_h");
  p.dilation_w = j.at("dilation_w");
  p.groups = j.at("groups");
  return p;
}

TEST_CASE("golden: conv_transpose2d forward and backward match PyTorch") {
  const golden::Fixture fx("conv_transpose2d");
  REQUIRE(fx.case_count() >= 30);
  golden::for_each_impl_and_case(fx, kConvTranspose2dImpls,
                                 [&](const ConvTranspose2dImpl& impl, int i, const std::string& what) {
                                   golden::check_conv_case(fx, i, what, impl, conv_transpose2d_params_of(fx.params(i)),
                                                           ops::conv_transpose2d_output_shape);
                                 });
}

}  // namespace
}  // namespace upsample
