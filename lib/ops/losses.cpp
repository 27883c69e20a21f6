#include "ops/losses.hpp"

#include "ops/ref/losses_ref.hpp"

namespace upsample::ops {

LossResult mse_loss(const Tensor& prediction, const Tensor& target) { return ref::mse_loss(prediction, target); }
LossResult l1_loss(const Tensor& prediction, const Tensor& target) { return ref::l1_loss(prediction, target); }
LossResult charbonnier_loss(const Tensor& prediction, const Tensor& target, float epsilon) {
  return ref::charbonnier_loss(prediction, target, epsilon);
}

}  // namespace upsample::ops
