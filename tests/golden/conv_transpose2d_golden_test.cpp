// conv_transpose2d forward and backward against PyTorch
// (tests/fixtures/golden/conv_transpose2d.safetensors).
#include <doctest/doctest.h>

#include "golden_util.hpp"
#include "ops/conv_transpose2d.hpp"
#include "ops/ref/conv_transpose2d_ref.hpp"

namespace upsample {
namespace {

struct ConvTranspose2dImpl {
  const char* name;
  decltype(&ops::conv_transpose2d_forward) forward;
  decltype(&ops::conv_transpose2d_backward) backward;
};

// The public entry point (whatever it dispatches to) and the reference itself.
constexpr ConvTranspose2dImpl kImpls[] = {
    {"dispatch", ops::conv_transpose2d_forward, ops::conv_transpose2d_backward},
    {"ref", ops::ref::conv_transpose2d_forward, ops::ref::conv_transpose2d_backward}};

ops::ConvTranspose2dParams params_of(const nlohmann::json& j) {
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
  for (const ConvTranspose2dImpl& impl : kImpls) {
    for (int i = 0; i < fx.case_count(); ++i) {
      const std::string what = std::string(impl.name) + " " + fx.describe(i);
      golden::run_case(what, [&] {
        const ops::ConvTranspose2dParams p = params_of(fx.params(i));
        const bool has_bias = fx.params(i).at("bias");
        const Tensor& input = fx.tensor(i, "input");
        const Tensor& weight = fx.tensor(i, "weight");
        const Tensor bias = has_bias ? fx.tensor(i, "bias") : Tensor{};

        CHECK(ops::conv_transpose2d_output_shape(input.shape(), weight.shape(), p) == fx.tensor(i, "output").shape());
        golden::check_close(impl.forward(input, weight, bias, p), fx.tensor(i, "output"), what + ": output");

        const ops::ConvGrads grads = impl.backward(fx.tensor(i, "grad_output"), input, weight, has_bias, p);
        golden::check_close(grads.input, fx.tensor(i, "grad_input"), what + ": grad_input");
        golden::check_close(grads.weight, fx.tensor(i, "grad_weight"), what + ": grad_weight");
        if (has_bias) {
          golden::check_close(grads.bias, fx.tensor(i, "grad_bias"), what + ": grad_bias");
        } else {
          CHECK(grads.bias.empty());
        }
      });
    }
  }
}

}  // namespace
}  // namespace upsample
