#pragma once
// Plain-loop resize: the oracle for the fast paths. See ops/resize.hpp.
#include <cstdint>
#include <vector>

#include "ops/resize.hpp"

namespace upsample::ops::ref {

// The source rows (or columns) and weights that make up each output row (or column):
// resizing is separable, output[y][x] = Σ_i Σ_j wy_i · wx_j · input[iy_i][ix_j].
struct ResizeTaps {
  int taps_per_output = 0;       // 1 nearest, 2 bilinear, 4 bicubic
  std::vector<int64_t> index;    // [output · taps_per_output + tap], always inside the input
  std::vector<float> weight;     // same layout
};

// Taps along one axis; scale_factor is the user's factor, or 0 when an output size was given.
ResizeTaps resize_axis_taps(ResizeMode mode, int64_t input_size, int64_t output_size, double scale_factor);

Tensor resize_forward(const Tensor& input, const ResizeParams& params);
Tensor resize_backward(const Tensor& grad_output, const Shape& input_shape, const ResizeParams& params);

}  // namespace upsample::ops::ref
