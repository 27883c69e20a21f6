#pragma once
// 2-D convolution as PyTorch's nn.Conv2d computes it (cross-correlation), NCHW.
//   input  [N, Cin, H, W]
//   weight [Cout, Cin/groups, kH, kW]
//   bias   [Cout] or an empty Tensor for none
//   output [N, Cout, Hout, Wout], Hout = (H + pad_top + pad_bottom − dilation_h·(kH−1) − 1) / stride_h + 1
// Padding is zero padding and may differ per side: PyTorch's symmetric `padding` is the
// special case pad_top = pad_bottom, pad_left = pad_right; the asymmetric case equals
// F.pad(input, (left, right, top, bottom)) followed by an unpadded convolution.
#include "ops/conv_grads.hpp"
#include "tensor/tensor.hpp"

namespace upsample::ops {

struct Conv2dParams {
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int dilation_h = 1, dilation_w = 1;
  int groups = 1;
};

// Validates the shapes and parameters; throws upsample::Error naming the bad one.
Shape conv2d_output_shape(const Shape& input, const Shape& weight, const Conv2dParams& params);

Tensor conv2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& params);

// Gradients w.r.t. input (unless skipped: left empty), weight and (when has_bias) bias,
// given the gradient w.r.t. the output.
ConvGrads conv2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight, bool has_bias,
                          const Conv2dParams& params,
                          InputGradient input_gradient = InputGradient::Wanted);

}  // namespace upsample::ops
