// MSE, L1 and Charbonnier losses and their gradients against PyTorch
// (tests/fixtures/golden/losses.safetensors).
#include <doctest/doctest.h>

#include "golden_case.hpp"
#include "ops/losses.hpp"
#include "ops/ref/losses_ref.hpp"

namespace upsample {
namespace {

struct LossImpl {
  const char* name;
  decltype(&ops::mse_loss) mse;
  decltype(&ops::l1_loss) l1;
  decltype(&ops::charbonnier_loss) charbonnier;
};

constexpr LossImpl kLossImpls[] = {{"dispatch", ops::mse_loss, ops::l1_loss, ops::charbonnier_loss},
                                   {"ref", ops::ref::mse_loss, ops::ref::l1_loss, ops::ref::charbonnier_loss}};

TEST_CASE("golden: losses and their gradients match PyTorch") {
  const golden::Fixture fx("losses");
  REQUIRE(fx.case_count() >= 6);
  golden::for_each_impl_and_case(fx, kLossImpls, [&](const LossImpl& impl, int i, const std::string& what) {
    const nlohmann::json params = fx.params(i);
    const std::string loss = params.at("loss");
    const Tensor& prediction = fx.tensor(i, "prediction");
    const Tensor& target = fx.tensor(i, "target");
    ops::LossResult result;
    if (loss == "mse") {
      result = impl.mse(prediction, target);
    } else if (loss == "l1") {
      result = impl.l1(prediction, target);
    } else {
      REQUIRE(loss == "charbonnier");
      result = impl.charbonnier(prediction, target, params.at("epsilon").get<float>());
    }
    golden::check_close(result.value, static_cast<double>(fx.tensor(i, "loss").data()[0]), what + ": loss");
    golden::check_close(result.grad, fx.tensor(i, "grad"), what + ": grad");
  });
}

}  // namespace
}  // namespace upsample
