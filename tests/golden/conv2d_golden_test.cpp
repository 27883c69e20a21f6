// conv2d forward and backward against PyTorch (tests/fixtures/golden/conv2d.safetensors).
#include <doctest/doctest.h>

#include "golden_util.hpp"
#include "ops/conv2d.hpp"
#include "ops/ref/conv2d_ref.hpp"

namespace upsample {
namespace {

struct Conv2dImpl {
  const char* name;
  decltype(&ops::conv2d_forward) forward;
  decltype(&ops::conv2d_backward) backward;
};

// The public entry point (whatever it dispatches to) and the reference itself.
constexpr Conv2dImpl kImpls[] = {{"dispatch", ops::conv2d_forward, ops::conv2d_backward},
                                 {"ref", ops::ref::conv2d_forward, ops::ref::conv2d_backward}};

ops::Conv2dParams params_of(const nlohmann::json& j) {
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
  for (const Conv2dImpl& impl : kImpls) {
    for (int i = 0; i < fx.case_count(); ++i) {
      const std::string what = std::string(impl.name) + " " + fx.describe(i);
      golden::run_case(what, [&] {
        const ops::Conv2dParams p = params_of(fx.params(i));
        const bool has_bias = fx.params(i).at("bias");
        const Tensor& input = fx.tensor(i, "input");
        const Tensor& weight = fx.tensor(i, "weight");
        const Tensor bias = has_bias ? fx.tensor(i, "bias") : Tensor{};

        CHECK(ops::conv2d_output_shape(input.shape(), weight.shape(), p) == fx.tensor(i, "output").shape());
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
