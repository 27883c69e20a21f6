#pragma once
// Plain-loop elementwise add. See ops/add.hpp.
#include "ops/add.hpp"

namespace upsample::ops::ref {

Tensor add_forward(const Tensor& a, const Tensor& b);
AddGrads add_backward(const Tensor& grad_output);

}  // namespace upsample::ops::ref
