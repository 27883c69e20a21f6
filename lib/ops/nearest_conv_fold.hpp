#pragma once
// Resize-convolution with nearest resize, rewritten as a sub-pixel convolution at the low
// resolution: exactly the same function, without ever making the upscaled feature map.
//
// A nearest ×s resize followed by a stride-1 "same" convolution (odd k×k kernel, padding
// p = (k−1)/2) gives, at HR row Y = s·i + φ (phase φ in 0..s−1),
//   out[Y] = Σ_t w[t] · LR[i + ⌊(φ − p + t)/s⌋]
// (zero padding at HR falls exactly on LR positions outside the image). Summing the taps
// that land on the same LR offset gives, per phase, a K×K kernel with K = 2⌈p/s⌉ + 1 and
// padding ⌈p/s⌉; putting phase (φy, φx) of output channel c at channel c·s² + φy·s + φx
// makes a pixel shuffle ×s of that LR convolution the resize-convolution's output.
// For ×3 with k = 7 that is a 3×3 convolution with 9 outputs per channel: 5.4× fewer
// multiply-adds than the 7×7 at HR, and no HR tensor of all the input channels.
#include "ops/conv2d.hpp"
#include "tensor/tensor.hpp"

namespace upsample::ops {

struct NearestConvFold {
  Tensor weight;    // [Cout·s², Cin, K, K]
  Tensor bias;      // [Cout·s²], empty when the convolution has none
  int padding = 0;  // ⌈p/s⌉ on every side
};

// True when a convolution with this weight and these parameters is one fold_nearest_conv
// takes: a square odd kernel, one group, stride and dilation 1, "same" padding.
bool nearest_conv_foldable(const Shape& weight, const Conv2dParams& params);

// The folded weight's shape [Cout·s², Cin, K, K] and its padding ⌈p/s⌉, without folding.
Shape folded_weight_shape(const Shape& weight, int scale);
int folded_padding(const Shape& weight, int scale);

// weight [Cout, Cin, k, k], bias [Cout] or empty; throws upsample::Error unless foldable.
NearestConvFold fold_nearest_conv(const Tensor& weight, const Tensor& bias, int scale);

// The adjoint of the fold: gradients w.r.t. the folded weight and bias, back to those of
// the original weight (of shape `weight_shape`) and bias. The input gradient is the
// folded convolution's own, unchanged.
ConvGrads unfold_nearest_conv_grads(const Tensor& folded_weight_grad, const Tensor& folded_bias_grad,
                                    const Shape& weight_shape, int scale);

}  // namespace upsample::ops
