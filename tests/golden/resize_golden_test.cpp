// resize (nearest, bilinear, bicubic) forward and backward against PyTorch's F.interpolate
// (tests/fixtures/golden/resize.safetensors).
#include <doctest/doctest.h>

#include "golden_case.hpp"
#include "ops/ref/resize_ref.hpp"
#include "ops/resize.hpp"

namespace upsample {
namespace {

using ResizeImpl = golden::ForwardBackwardImpl<decltype(&ops::resize_forward), decltype(&ops::resize_backward)>;

constexpr ResizeImpl kResizeImpls[] = {{"dispatch", ops::resize_forward, ops::resize_backward},
                                       {"ref", ops::ref::resize_forward, ops::ref::resize_backward}};

ops::ResizeMode mode_of(const std::string& name) {
  if (name == "nearest") return ops::ResizeMode::Nearest;
  if (name == "bilinear") return ops::ResizeMode::Bilinear;
  REQUIRE(name == "bicubic");
  return ops::ResizeMode::Bicubic;
}

ops::ResizeParams resize_params_of(const nlohmann::json& j) {
  ops::ResizeParams p;
  p.mode = mode_of(j.at("mode"));
  p.scale_h = j.at("scale_h");
  p.scale_w = j.at("scale_w");
  p.out_h = j.at("out_h");
  p.out_w = j.at("out_w");
  return p;
}

TEST_CASE("golden: resize forward and backward match F.interpolate") {
  const golden::Fixture fx("resize");
  REQUIRE(fx.case_count() >= 50);
  golden::for_each_impl_and_case(fx, kResizeImpls, [&](const ResizeImpl& impl, int i, const std::string& what) {
    const ops::ResizeParams p = resize_params_of(fx.params(i));
    const Tensor& input = fx.tensor(i, "input");
    CHECK(ops::resize_output_shape(input.shape(), p) == fx.tensor(i, "output").shape());
    golden::check_close(impl.forward(input, p), fx.tensor(i, "output"), what + ": output");
    golden::check_close(impl.backward(fx.tensor(i, "grad_output"), input.shape(), p), fx.tensor(i, "grad_input"),
                        what + ": grad_input");
  });
}

}  // namespace
}  // namespace upsample
