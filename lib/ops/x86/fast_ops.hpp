#pragma once
// The fast paths of the ops, with the same contracts as lib/ops/<op>.hpp (which dispatch
// here). `isa` must be Avx2 or Avx512 and supported by the CPU; the ops' dispatchers pass
// active_isa() and call the reference for Isa::Ref.
#include "ops/activations.hpp"
#include "ops/conv2d.hpp"
#include "ops/conv_transpose2d.hpp"
#include "ops/pixel_shuffle.hpp"
#include "ops/prelu.hpp"
#include "ops/resize.hpp"
#include "ops/x86/isa.hpp"

namespace upsample::ops::x86 {

Tensor conv2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& params,
                      Isa isa);
ConvGrads conv2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight, bool has_bias,
                          const Conv2dParams& params, Isa isa, InputGradient input_gradient);

Tensor conv_transpose2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                const ConvTranspose2dParams& params, Isa isa);
ConvGrads conv_transpose2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                    bool has_bias, const ConvTranspose2dParams& params, Isa isa,
                                    InputGradient input_gradient);

Tensor relu_forward(const Tensor& input, Isa isa);
Tensor relu_backward(const Tensor& grad_output, const Tensor& input, Isa isa);
Tensor leaky_relu_forward(const Tensor& input, float negative_slope, Isa isa);
Tensor leaky_relu_backward(const Tensor& grad_output, const Tensor& input, float negative_slope, Isa isa);
Tensor tanh_forward(const Tensor& input, Isa isa);
Tensor tanh_backward(const Tensor& grad_output, const Tensor& output, Isa isa);
Tensor sigmoid_forward(const Tensor& input, Isa isa);
Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& output, Isa isa);

Tensor prelu_forward(const Tensor& input, const Tensor& weight, Isa isa);
PReluGrads prelu_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight, Isa isa);

// Plain loops (memory-bound permutations), the same for every instruction set.
Tensor pixel_shuffle_forward(const Tensor& input, int factor);
Tensor pixel_unshuffle_forward(const Tensor& input, int factor);

Tensor resize_forward(const Tensor& input, const ResizeParams& params);
Tensor resize_backward(const Tensor& grad_output, const Shape& input_shape, const ResizeParams& params);

// y[i] = act(x[i]) for n elements (x may be y), with `slope` for PReLU, on the calling thread.
void activate_span(Activation act, const float* x, float* y, int64_t n, float slope, Isa isa);

// What the cores can do at best: `iterations` × fma_peak_flops_per_iteration(isa) FLOPs of
// register-only FMAs, shared among the OpenMP threads; returns a value to keep them alive.
float fma_peak(int64_t iterations, Isa isa);
double fma_peak_flops_per_iteration(Isa isa);

}  // namespace upsample::ops::x86
