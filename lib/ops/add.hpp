#pragma once
// Elementwise sum of two tensors of the same shape (residual connections).
#include "tensor/tensor.hpp"

namespace upsample::ops {

struct AddGrads {
  Tensor a, b;  // independent copies of grad_output
};

Tensor add_forward(const Tensor& a, const Tensor& b);
AddGrads add_backward(const Tensor& grad_output);

}  // namespace upsample::ops
