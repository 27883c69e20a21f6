// pixel_shuffle / pixel_unshuffle forward and backward against PyTorch
// (tests/fixtures/golden/pixel_shuffle.safetensors).
#include <doctest/doctest.h>

#include "golden_case.hpp"
#include "ops/pixel_shuffle.hpp"
#include "ops/ref/pixel_shuffle_ref.hpp"

namespace upsample {
namespace {

using Shuffle = Tensor (*)(const Tensor&, int);

struct PixelShuffleImpl {
  const char* name;
  Shuffle shuffle_forward, shuffle_backward, unshuffle_forward, unshuffle_backward;
};

constexpr PixelShuffleImpl kPixelShuffleImpls[] = {
    {"dispatch", ops::pixel_shuffle_forward, ops::pixel_shuffle_backward, ops::pixel_unshuffle_forward,
     ops::pixel_unshuffle_backward},
    {"ref", ops::ref::pixel_shuffle_forward, ops::ref::pixel_shuffle_backward, ops::ref::pixel_unshuffle_forward,
     ops::ref::pixel_unshuffle_backward}};

TEST_CASE("golden: pixel_shuffle and pixel_unshuffle match PyTorch") {
  const golden::Fixture fx("pixel_shuffle");
  REQUIRE(fx.case_count() >= 10);
  golden::for_each_impl_and_case(
      fx, kPixelShuffleImpls, [&](const PixelShuffleImpl& impl, int i, const std::string& what) {
        const nlohmann::json params = fx.params(i);
        const int factor = params.at("factor");
        const bool shuffle = params.at("op") == "shuffle";
        const Tensor& input = fx.tensor(i, "input");
        const Shape expected_shape = shuffle ? ops::pixel_shuffle_output_shape(input.shape(), factor)
                                             : ops::pixel_unshuffle_output_shape(input.shape(), factor);
        CHECK(expected_shape == fx.tensor(i, "output").shape());
        const Tensor output = (shuffle ? impl.shuffle_forward : impl.unshuffle_forward)(input, factor);
        golden::check_close(output, fx.tensor(i, "output"), what + ": output");
        const Tensor grad_input =
            (shuffle ? impl.shuffle_backward : impl.unshuffle_backward)(fx.tensor(i, "grad_output"), factor);
        golden::check_close(grad_input, fx.tensor(i, "grad_input"), what + ": grad_input");
      });
}

}  // namespace
}  // namespace upsample
