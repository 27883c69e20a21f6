#include "ops/ref/add_ref.hpp"

#include "tensor/error.hpp"

namespace upsample::ops::ref {

Tensor add_forward(const Tensor& a, const Tensor& b) {
  if (a.empty()) throw Error("add: the first operand is empty");
  check_shape(b.shape(), a.shape(), "add: second operand");
  Tensor sum(a.shape());
  const auto x = a.values();
  const auto y = b.values();
  const auto out = sum.values();
  for (size_t i = 0; i < out.size(); ++i) out[i] = x[i] + y[i];
  return sum;
}

AddGrads add_backward(const Tensor& grad_output) {
  if (grad_output.empty()) throw Error("add backward: grad_output is empty");
  return {grad_output.clone(), grad_output.clone()};
}

}  // namespace upsample::ops::ref
