#include "ops/ref/losses_ref.hpp"

#include <cmath>
#include <string>

#include "tensor/error.hpp"

namespace upsample::ops::ref {

namespace {

// Mean over all elements of value(d) with d = prediction − target; the gradient element is
// slope(d) / count. Sums in double.
template <typename Value, typename Slope>
LossResult mean_loss(const Tensor& prediction, const Tensor& target, const char* name, Value value, Slope slope) {
  if (prediction.empty() || prediction.numel() == 0) throw Error(std::string(name) + ": the prediction is empty");
  check_shape(target.shape(), prediction.shape(), std::string(name) + ": target");
  const auto x = prediction.values();
  const auto y = target.values();
  const double count = static_cast<double>(x.size());
  LossResult result{0.0, Tensor(prediction.shape())};
  const auto grad = result.grad.values();
  double sum = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = static_cast<double>(x[i]) - static_cast<double>(y[i]);
    sum += value(d);
    grad[i] = static_cast<float>(slope(d) / count);
  }
  result.value = sum / count;
  return result;
}

}  // namespace

LossResult mse_loss(const Tensor& prediction, const Tensor& target) {
  return mean_loss(
      prediction, target, "mse_loss", [](double d) { return d * d; }, [](double d) { return 2.0 * d; });
}

LossResult l1_loss(const Tensor& prediction, const Tensor& target) {
  // The subgradient at d = 0 is 0, as PyTorch's sign().
  return mean_loss(
      prediction, target, "l1_loss", [](double d) { return std::abs(d); },
      [](double d) { return d > 0.0 ? 1.0 : (d < 0.0 ? -1.0 : 0.0); });
}

LossResult charbonnier_loss(const Tensor& prediction, const Tensor& target, float epsilon) {
  if (!(epsilon > 0.0f) || !std::isfinite(epsilon))
    throw Error("charbonnier_loss: epsilon must be positive and finite, got " + std::to_string(epsilon));
  const double eps2 = static_cast<double>(epsilon) * static_cast<double>(epsilon);
  return mean_loss(
      prediction, target, "charbonnier_loss", [=](double d) { return std::sqrt(d * d + eps2); },
      [=](double d) { return d / std::sqrt(d * d + eps2); });
}

}  // namespace upsample::ops::ref
