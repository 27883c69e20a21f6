#include "ops/activations.hpp"

#include "ops/ref/activations_ref.hpp"
#include "ops/x86/fast_ops.hpp"

namespace upsample::ops {

// The fast path unless UPSAMPLE_ISA=ref (or a CPU without AVX2) asks for the reference.
#define UPSAMPLE_DISPATCH(name, ...)                       \
  const x86::Isa isa = x86::active_isa();                  \
  if (isa == x86::Isa::Ref) return ref::name(__VA_ARGS__); \
  return x86::name(__VA_ARGS__, isa)

Tensor relu_forward(const Tensor& input) { UPSAMPLE_DISPATCH(relu_forward, input); }
Tensor relu_backward(const Tensor& grad_output, const Tensor& input) {
  UPSAMPLE_DISPATCH(relu_backward, grad_output, input);
}

Tensor leaky_relu_forward(const Tensor& input, float negative_slope) {
  UPSAMPLE_DISPATCH(leaky_relu_forward, input, negative_slope);
}
Tensor leaky_relu_backward(const Tensor& grad_output, const Tensor& input, float negative_slope) {
  UPSAMPLE_DISPATCH(leaky_relu_backward, grad_output, input, negative_slope);
}

Tensor tanh_forward(const Tensor& input) { UPSAMPLE_DISPATCH(tanh_forward, input); }
Tensor tanh_backward(const Tensor& grad_output, const Tensor& output) {
  UPSAMPLE_DISPATCH(tanh_backward, grad_output, output);
}

Tensor sigmoid_forward(const Tensor& input) { UPSAMPLE_DISPATCH(sigmoid_forward, input); }
Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& output) {
  UPSAMPLE_DISPATCH(sigmoid_backward, grad_output, output);
}

#undef UPSAMPLE_DISPATCH

}  // namespace upsample::ops
