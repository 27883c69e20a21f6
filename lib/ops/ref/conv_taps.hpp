#pragma once
// What the plain-loop conv2d and conv_transpose2d share (internal to lib/ops/ref): their
// dimensions, the checks on bias and upstream gradient, the bias terms, and the walk
// over every product of a pixel with a kernel tap. The two ops make the same products;
// conv2d gathers them into its output, conv_transpose2d scatters them from its input.
#include <cstdint>
#include <string>

#include "ops/ref/accumulator.hpp"
#include "tensor/tensor.hpp"

namespace upsample::ops::ref {

// One side of a convolution, its input or its output.
struct ConvSide {
  int64_t channels, h, w;
  int64_t per_group;  // channels / groups
};

// Dimensions shared by forward and backward.
struct ConvGeometry {
  int64_t batch;
  ConvSide input, output;
  int64_t kernel_h, kernel_w;

  Shape output_shape() const { return Shape{batch, output.channels, output.h, output.w}; }
};

// From shapes that the op's *_output_shape has validated: both sides' channels divide
// by the groups, and the weight's axis 1 holds the per-group count of one of them.
inline ConvGeometry conv_geometry(const Shape& input, const Shape& weight, const Shape& output, int groups) {
  return {.batch = input.n(),
          .input = {.channels = input.c(), .h = input.h(), .w = input.w(), .per_group = input.c() / groups},
          .output = {.channels = output.c(), .h = output.h(), .w = output.w(), .per_group = output.c() / groups},
          .kernel_h = weight[2],
          .kernel_w = weight[3]};
}

// Throws unless `bias` is empty or holds one value per output channel; `op` names the op.
inline void check_bias(const Tensor& bias, const ConvGeometry& g, const std::string& op) {
  if (!bias.empty()) check_shape(bias.shape(), Shape{g.output.channels}, op + ": bias");
}

// Throws unless `grad_output` has the forward output's shape; `op` names the op.
inline void check_grad_output(const Tensor& grad_output, const ConvGeometry& g, const std::string& op) {
  check_shape(grad_output.shape(), g.output_shape(), op + " backward: grad_output");
}

// visit(n, c, y, x) for every element of a rank-4 shape, in memory order.
template <typename Visit>
void for_each_pixel(const Shape& shape, Visit visit) {
  for (int64_t n = 0; n < shape.n(); ++n)
    for (int64_t c = 0; c < shape.c(); ++c)
      for (int64_t y = 0; y < shape.h(); ++y)
        for (int64_t x = 0; x < shape.w(); ++x) visit(n, c, y, x);
}

// Adds bias[c] to every pixel of channel c: the bias reaches every output pixel, also
// those that no kernel tap reaches.
inline void add_bias(Accumulator& output, const Tensor& bias) {
  for_each_pixel(output.shape(), [&](int64_t n, int64_t c, int64_t y, int64_t x) {
    output.at(n, c, y, x) += static_cast<double>(bias.data()[c]);
  });
}

// The bias gradient: the upstream gradient summed over the batch and the pixels of each
// channel.
inline Tensor bias_gradient(const Tensor& grad_output) {
  Accumulator sums(Shape{grad_output.shape().c()});
  for_each_pixel(grad_output.shape(), [&](int64_t n, int64_t c, int64_t y, int64_t x) {
    sums[c] += static_cast<double>(grad_output.at(n, c, y, x));
  });
  return sums.to_tensor();
}

// How a kernel's taps step over the side they land on: padding counts before its first
// row and column.
struct TapSteps {
  int stride_h, stride_w;
  int pad_top, pad_left;
  int dilation_h, dilation_w;
};

// The row (column) that tap k of row (column) i lands on; outside the side it lands on
// where the padding is.
inline int64_t tap_position(int64_t i, int64_t k, int stride, int pad_before, int dilation) {
  return i * stride - pad_before + k * dilation;
}

inline bool inside(int64_t i, int64_t size) { return i >= 0 && i < size; }

// Which side the loops walk: conv2d gathers, each output pixel reading the input through
// its taps; conv_transpose2d scatters, each input pixel writing the output through its taps.
enum class TapDirection { Gather, Scatter };

// One product: pixel (n, from_c, from_y, from_x) of the walked side with weight element
// (from_c, to_c_in_group, kh, kw), landing on pixel (n, to_c, to_y, to_x) of the other
// side. Both ops' weights put the walked side's channel on axis 0 and the other side's
// channel within its group on axis 1: conv2d's [Cout, Cin/groups, kH, kW] and
// conv_transpose2d's [Cin, Cout/groups, kH, kW].
struct Tap {
  int64_t n, from_c, from_y, from_x;
  int64_t to_c, to_c_in_group;
  int64_t kh, kw;
  int64_t to_y, to_x;
};

// visit(tap) for every product whose `to` pixel is inside its side, in the order n,
// from_c, from_y, from_x, to_c_in_group, kh, kw.
template <typename Visit>
void for_each_tap(const ConvGeometry& g, TapDirection direction, const TapSteps& steps, Visit visit) {
  const ConvSide& from = direction == TapDirection::Gather ? g.output : g.input;
  const ConvSide& to = direction == TapDirection::Gather ? g.input : g.output;
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t from_c = 0; from_c < from.channels; ++from_c) {
      const int64_t first_to_c = (from_c / from.per_group) * to.per_group;
      for (int64_t from_y = 0; from_y < from.h; ++from_y) {
        for (int64_t from_x = 0; from_x < from.w; ++from_x) {
          for (int64_t to_c_in_group = 0; to_c_in_group < to.per_group; ++to_c_in_group) {
            for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
              const int64_t to_y = tap_position(from_y, kh, steps.stride_h, steps.pad_top, steps.dilation_h);
              if (!inside(to_y, to.h)) continue;
              for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
                const int64_t to_x = tap_position(from_x, kw, steps.stride_w, steps.pad_left, steps.dilation_w);
                if (!inside(to_x, to.w)) continue;
                visit(Tap{.n = n,
                          .from_c = from_c,
                          .from_y = from_y,
                          .from_x = from_x,
                          .to_c = first_to_c + to_c_in_group,
                          .to_c_in_group = to_c_in_group,
                          .kh = kh,
                          .kw = kw,
                          .to_y = to_y,
                          .to_x = to_x});
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace upsample::ops::ref
