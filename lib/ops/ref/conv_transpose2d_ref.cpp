#include "ops/ref/conv_transpose2d_ref.hpp"

#include <cstdint>

#include "ops/ref/accumulator.hpp"
#include "tensor/error.hpp"

namespace upsample::ops::ref {

namespace {

// Dimensions shared by forward and backward; validated by conv_transpose2d_output_shape.
struct Geometry {
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, out_h, out_w;
  int64_t kernel_h, kernel_w;
  int64_t in_per_group, out_per_group;
};

Geometry geometry(const Shape& input, const Shape& weight, const ConvTranspose2dParams& p) {
  const Shape out = conv_transpose2d_output_shape(input, weight, p);
  return {.batch = input.n(),
          .in_channels = input.c(),
          .in_h = input.h(),
          .in_w = input.w(),
          .out_channels = out.c(),
          .out_h = out.h(),
          .out_w = out.w(),
          .kernel_h = weight[2],
          .kernel_w = weight[3],
          .in_per_group = input.c() / p.groups,
          .out_per_group = weight[1]};
}

// The output row (column) that input row `i` reaches through kernel tap `k`; may fall
// outside the output, in the cropped padding.
int64_t target(int64_t i, int64_t k, int stride, int pad, int dilation) { return i * stride - pad + k * dilation; }

bool inside(int64_t i, int64_t size) { return i >= 0 && i < size; }

}  // namespace

Tensor conv_transpose2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                const ConvTranspose2dParams& p) {
  const Geometry g = geometry(input.shape(), weight.shape(), p);
  if (!bias.empty()) check_shape(bias.shape(), Shape{g.out_channels}, "conv_transpose2d: bias");
  const Shape out_shape{g.batch, g.out_channels, g.out_h, g.out_w};
  Accumulator output(out_shape);
  // Scatter: each input pixel adds its weighted kernel into the output.
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t ci = 0; ci < g.in_channels; ++ci) {
      const int64_t first_co = (ci / g.in_per_group) * g.out_per_group;
      for (int64_t ih = 0; ih < g.in_h; ++ih) {
        for (int64_t iw = 0; iw < g.in_w; ++iw) {
          const double x = input.at(n, ci, ih, iw);
          for (int64_t co = 0; co < g.out_per_group; ++co) {
            for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
              const int64_t oh = target(ih, kh, p.stride_h, p.pad_h, p.dilation_h);
              if (!inside(oh, g.out_h)) continue;
              for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
                const int64_t ow = target(iw, kw, p.stride_w, p.pad_w, p.dilation_w);
                if (!inside(ow, g.out_w)) continue;
                output.at(n, first_co + co, oh, ow) += x * static_cast<double>(weight.at(ci, co, kh, kw));
              }
            }
          }
        }
      }
    }
  }
  // The bias reaches every output pixel, also those no input pixel reaches.
  if (!bias.empty()) {
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t co = 0; co < g.out_channels; ++co)
        for (int64_t oh = 0; oh < g.out_h; ++oh)
          for (int64_t ow = 0; ow < g.out_w; ++ow) output.at(n, co, oh, ow) += static_cast<double>(bias.data()[co]);
  }
  return output.to_tensor();
}

ConvGrads conv_transpose2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                    bool has_bias, const ConvTranspose2dParams& p) {
  const Geometry g = geometry(input.shape(), weight.shape(), p);
  check_shape(grad_output.shape(), Shape{g.batch, g.out_channels, g.out_h, g.out_w},
              "conv_transpose2d backward: grad_output");
  Accumulator grad_input(input.shape());
  Accumulator grad_weight(weight.shape());
  // The same (input pixel, tap) pairs as the forward scatter, each now reading the
  // upstream gradient of the output pixel it wrote.
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t ci = 0; ci < g.in_channels; ++ci) {
      const int64_t first_co = (ci / g.in_per_group) * g.out_per_group;
      for (int64_t ih = 0; ih < g.in_h; ++ih) {
        for (int64_t iw = 0; iw < g.in_w; ++iw) {
          const double x = input.at(n, ci, ih, iw);
          for (int64_t co = 0; co < g.out_per_group; ++co) {
            for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
              const int64_t oh = target(ih, kh, p.stride_h, p.pad_h, p.dilation_h);
              if (!inside(oh, g.out_h)) continue;
              for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
                const int64_t ow = target(iw, kw, p.stride_w, p.pad_w, p.dilation_w);
                if (!inside(ow, g.out_w)) continue;
                const double go = grad_output.at(n, first_co + co, oh, ow);
                grad_input.at(n, ci, ih, iw) += go * static_cast<double>(weight.at(ci, co, kh, kw));
                grad_weight.at(ci, co, kh, kw) += go * x;
              }
            }
          }
        }
      }
    }
  }
  Tensor grad_bias;
  if (has_bias) {
    Accumulator sums(Shape{g.out_channels});
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t co = 0; co < g.out_channels; ++co)
        for (int64_t oh = 0; oh < g.out_h; ++oh)
          for (int64_t ow = 0; ow < g.out_w; ++ow) sums[co] += static_cast<double>(grad_output.at(n, co, oh, ow));
    grad_bias = sums.to_tensor();
  }
  return {grad_input.to_tensor(), grad_weight.to_tensor(), grad_bias};
}

}  // namespace upsample::ops::ref
