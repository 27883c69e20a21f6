#pragma once
// Training losses between a prediction and a target of the same shape, mean reduction:
//   MSE:         mean((x − y)²)
//   L1:          mean(|x − y|)               (gradient 0 where x = y, as PyTorch)
//   Charbonnier: mean(sqrt((x − y)² + ε²))   (a smooth L1, as in LapSRN)
// Each returns the loss value and its gradient w.r.t. the prediction.
#include "tensor/tensor.hpp"

namespace upsample::ops {

struct LossResult {
  double value = 0.0;
  Tensor grad;  // d value / d prediction, shape of the prediction
};

LossResult mse_loss(const Tensor& prediction, const Tensor& target);
LossResult l1_loss(const Tensor& prediction, const Tensor& target);
LossResult charbonnier_loss(const Tensor& prediction, const Tensor& target, float epsilon = 1e-3f);

}  // namespace upsample::ops
