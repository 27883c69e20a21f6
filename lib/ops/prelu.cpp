#include "ops/prelu.hpp"

#include <string>

#include "ops/ref/prelu_ref.hpp"
#include "ops/x86/fast_ops.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

Shape prelu_output_shape(const Shape& input, const Shape& weight) {
  if (input.rank() < 1 || input.numel() == 0) throw Error("prelu: the input is empty");
  if (weight.rank() != 1) throw Error("prelu: weight must be [C] or [1], got shape " + weight.str());
  const int64_t channels = input.rank() >= 2 ? input[1] : 1;
  if (weight[0] != 1 && weight[0] != channels)
    throw Error("prelu: weight " + weight.str() + " has " + std::to_string(weight[0]) +
                " slopes, but the input " + input.str() + " has " + std::to_string(channels) +
                " channels (give one slope per channel or a single shared one)");
  return input;
}

Tensor prelu_forward(const Tensor& input, const Tensor& weight) {
  const x86::Isa isa = x86::active_isa();
  if (isa == x86::Isa::Ref) return ref::prelu_forward(input, weight);
  return x86::prelu_forward(input, weight, isa);
}

PReluGrads prelu_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight) {
  const x86::Isa isa = x86::active_isa();
  if (isa == x86::Isa::Ref) return ref::prelu_backward(grad_output, input, weight);
  return x86::prelu_backward(grad_output, input, weight, isa);
}

}  // namespace upsample::ops
