#pragma once
// 2-D transposed convolution ("deconvolution") as PyTorch's nn.ConvTranspose2d computes it:
// every input pixel scatters weight-scaled copies of the kernel into the output, at a
// stride. It is the adjoint (backward-data) of conv2d with the same weight.
//   input  [N, Cin, H, W]
//   weight [Cin, Cout/groups, kH, kW]
//   bias   [Cout] or an empty Tensor for none
//   output [N, Cout, Hout, Wout],
//          Hout = (H − 1)·stride_h − 2·pad_h + dilation_h·(kH − 1) + output_padding_h + 1
// `pad` crops the full scatter result on both sides; `output_padding` adds rows/columns at
// the bottom/right only and must be smaller than the stride or the dilation (as in PyTorch).
#include "ops/conv_grads.hpp"
#include "tensor/tensor.hpp"

namespace upsample::ops {

struct ConvTranspose2dParams {
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;
  int output_padding_h = 0, output_padding_w = 0;
  int dilation_h = 1, dilation_w = 1;
  int groups = 1;
};

// Validates the shapes and parameters; throws upsample::Error naming the bad one.
Shape conv_transpose2d_output_shape(const Shape& input, const Shape& weight, const ConvTranspose2dParams& params);

Tensor conv_transpose2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                const ConvTranspose2dParams& params);

// Gradients w.r.t. input (unless skipped: left empty), weight and (when has_bias) bias,
// given the gradient w.r.t. the output.
ConvGrads conv_transpose2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                    bool has_bias, const ConvTranspose2dParams& params,
                                    InputGradient input_gradient = InputGradient::Wanted);

}  // namespace upsample::ops
