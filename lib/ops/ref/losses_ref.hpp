#pragma once
// Plain-loop losses. See ops/losses.hpp.
#include "ops/losses.hpp"

namespace upsample::ops::ref {

LossResult mse_loss(const Tensor& prediction, const Tensor& target);
LossResult l1_loss(const Tensor& prediction, const Tensor& target);
LossResult charbonnier_loss(const Tensor& prediction, const Tensor& target, float epsilon);

}  // namespace upsample::ops::ref
