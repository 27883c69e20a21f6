#include "ops/ref/conv2d_ref.hpp"

#include <cstdint>

#include "ops/ref/accumulator.hpp"
#include "tensor/error.hpp"

namespace upsample::ops::ref {

namespace {

// Dimensions shared by forward and backward; validated by conv2d_output_shape.
struct Geometry {
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, out_h, out_w;
  int64_t kernel_h, kernel_w;
  int64_t in_per_group, out_per_group;
};

Geometry geometry(const Shape& input, const Shape& weight, const Conv2dParams& p) {
  const Shape out = conv2d_output_shape(input, weight, p);
  return {.batch = input.n(),
          .in_channels = input.c(),
          .in_h = input.h(),
          .in_w = input.w(),
          .out_channels = out.c(),
          .out_h = out.h(),
          .out_w = out.w(),
          .kernel_h = weight[2],
          .kernel_w = weight[3],
          .in_per_group = weight[1],
          .out_per_group = out.c() / p.groups};
}

// The input row (column) that output row `o` reads through kernel tap `k`; may be outside
// the input, where the zero padding is.
int64_t source(int64_t o, int64_t k, int stride, int pad_before, int dilation) {
  return o * stride - pad_before + k * dilation;
}

bool inside(int64_t i, int64_t size) { return i >= 0 && i < size; }

}  // namespace

Tensor conv2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& p) {
  const Geometry g = geometry(input.shape(), weight.shape(), p);
  if (!bias.empty()) check_shape(bias.shape(), Shape{g.out_channels}, "conv2d: bias");
  Tensor output(Shape{g.batch, g.out_channels, g.out_h, g.out_w});
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t co = 0; co < g.out_channels; ++co) {
      const int64_t first_ci = (co / g.out_per_group) * g.in_per_group;
      const double b = bias.empty() ? 0.0 : static_cast<double>(bias.data()[co]);
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          double sum = b;
          for (int64_t ci = 0; ci < g.in_per_group; ++ci) {
            for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
              const int64_t ih = source(oh, kh, p.stride_h, p.pad_top, p.dilation_h);
              if (!inside(ih, g.in_h)) continue;
              for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
                const int64_t iw = source(ow, kw, p.stride_w, p.pad_left, p.dilation_w);
                if (!inside(iw, g.in_w)) continue;
                sum += static_cast<double>(input.at(n, first_ci + ci, ih, iw)) *
                       static_cast<double>(weight.at(co, ci, kh, kw));
              }
            }
          }
          output.at(n, co, oh, ow) = static_cast<float>(sum);
        }
      }
    }
  }
  return output;
}

ConvGrads conv2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight, bool has_bias,
                          const Conv2dParams& p) {
  const Geometry g = geometry(input.shape(), weight.shape(), p);
  check_shape(grad_output.shape(), Shape{g.batch, g.out_channels, g.out_h, g.out_w}, "conv2d backward: grad_output");
  Accumulator grad_input(input.shape());
  Accumulator grad_weight(weight.shape());
  Accumulator grad_bias(Shape{g.out_channels});
  // Every (output pixel, tap) pair of the forward sum sends its upstream gradient back to
  // the input pixel and the weight it multiplied.
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t co = 0; co < g.out_channels; ++co) {
      const int64_t first_ci = (co / g.out_per_group) * g.in_per_group;
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          const double go = grad_output.at(n, co, oh, ow);
          grad_bias[co] += go;
          for (int64_t ci = 0; ci < g.in_per_group; ++ci) {
            for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
              const int64_t ih = source(oh, kh, p.stride_h, p.pad_top, p.dilation_h);
              if (!inside(ih, g.in_h)) continue;
              for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
                const int64_t iw = source(ow, kw, p.stride_w, p.pad_left, p.dilation_w);
                if (!inside(iw, g.in_w)) continue;
                grad_input.at(n, first_ci + ci, ih, iw) += go * static_cast<double>(weight.at(co, ci, kh, kw));
                grad_weight.at(co, ci, kh, kw) += go * static_cast<double>(input.at(n, first_ci + ci, ih, iw));
              }
            }
          }
        }
      }
    }
  }
  return {grad_input.to_tensor(), grad_weight.to_tensor(), has_bias ? grad_bias.to_tensor() : Tensor{}};
}

}  // namespace upsample::ops::ref
