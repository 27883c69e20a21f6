#include "ops/ref/resize_ref.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "ops/ref/accumulator.hpp"
#include "tensor/error.hpp"

namespace upsample::ops::ref {

namespace {

// Source step per output pixel, in float as PyTorch computes it for float32 tensors: the
// user's factor wins over the ratio of the sizes (they differ when input·factor is not whole).
float source_step(int64_t input_size, int64_t output_size, double scale_factor) {
  if (scale_factor > 0.0) return static_cast<float>(1.0 / scale_factor);
  return static_cast<float>(input_size) / static_cast<float>(output_size);
}

// Pixel-centre mapping of align_corners = false: output centre dst + 0.5 lands on the input
// coordinate (dst + 0.5)·step, expressed relative to input centres.
float source_coordinate(float step, int64_t dst) { return step * (static_cast<float>(dst) + 0.5f) - 0.5f; }

int64_t clamp_index(int64_t i, int64_t size) { return std::clamp<int64_t>(i, 0, size - 1); }

// Keys' cubic convolution kernel with A = −0.75 (PyTorch, OpenCV), for |x| ≤ 1 and 1 < |x| < 2.
constexpr float kCubicA = -0.75f;
float cubic_near(float x) { return ((kCubicA + 2.0f) * x - (kCubicA + 3.0f)) * x * x + 1.0f; }
float cubic_far(float x) { return ((kCubicA * x - 5.0f * kCubicA) * x + 8.0f * kCubicA) * x - 4.0f * kCubicA; }

void nearest_taps(ResizeTaps& taps, int64_t in, int64_t out, double scale_factor) {
  const float step = source_step(in, out, scale_factor);
  for (int64_t o = 0; o < out; ++o) {
    int64_t src = 0;
    if (out == in) {
      src = o;  // PyTorch's exact shortcuts (see resize.hpp)
    } else if (out == 2 * in) {
      src = o / 2;
    } else {
      src = std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * step)), in - 1);
    }
    taps.index.push_back(src);
    taps.weight.push_back(1.0f);
  }
}

void bilinear_taps(ResizeTaps& taps, int64_t in, int64_t out, double scale_factor) {
  const float step = source_step(in, out, scale_factor);
  for (int64_t o = 0; o < out; ++o) {
    if (out == in) {  // PyTorch copies whenever the size is unchanged, whatever the factor
      taps.index.insert(taps.index.end(), {o, o});
      taps.weight.insert(taps.weight.end(), {1.0f, 0.0f});
      continue;
    }
    // Coordinates left of the first centre clamp to it; right of the last one, both taps
    // sit on the last pixel.
    const float real = std::max(source_coordinate(step, o), 0.0f);
    const auto first = static_cast<int64_t>(real);
    const int64_t second = first < in - 1 ? first + 1 : first;
    const float frac = std::clamp(real - static_cast<float>(first), 0.0f, 1.0f);
    taps.index.insert(taps.index.end(), {first, second});
    taps.weight.insert(taps.weight.end(), {1.0f - frac, frac});
  }
}

void bicubic_taps(ResizeTaps& taps, int64_t in, int64_t out, double scale_factor) {
  const float step = source_step(in, out, scale_factor);
  for (int64_t o = 0; o < out; ++o) {
    const float real = source_coordinate(step, o);
    const float floor_real = std::floor(real);
    const auto base = static_cast<int64_t>(floor_real);
    const float t = real - floor_real;      // distance to the tap left of the coordinate
    const float t_right = 1.0f - t;         // distance to the tap right of it
    const std::array<float, 4> weights = {cubic_far(t + 1.0f), cubic_near(t), cubic_near(t_right),
                                          cubic_far(t_right + 1.0f)};
    for (int64_t k = 0; k < 4; ++k) {
      taps.index.push_back(clamp_index(base - 1 + k, in));  // border replication
      taps.weight.push_back(weights[static_cast<size_t>(k)]);
    }
  }
}

struct Plan {
  ResizeTaps rows, cols;
};

Plan make_plan(const Shape& input, const Shape& output, const ResizeParams& p) {
  return {resize_axis_taps(p.mode, input.h(), output.h(), p.scale_h),
          resize_axis_taps(p.mode, input.w(), output.w(), p.scale_w)};
}

}  // namespace

ResizeTaps resize_axis_taps(ResizeMode mode, int64_t input_size, int64_t output_size, double scale_factor) {
  ResizeTaps taps;
  switch (mode) {
    case ResizeMode::Nearest:
      taps.taps_per_output = 1;
      nearest_taps(taps, input_size, output_size, scale_factor);
      break;
    case ResizeMode::Bilinear:
      taps.taps_per_output = 2;
      bilinear_taps(taps, input_size, output_size, scale_factor);
      break;
    case ResizeMode::Bicubic:
      taps.taps_per_output = 4;
      bicubic_taps(taps, input_size, output_size, scale_factor);
      break;
  }
  return taps;
}

Tensor resize_forward(const Tensor& input, const ResizeParams& params) {
  const Shape out_shape = resize_output_shape(input.shape(), params);
  const Plan plan = make_plan(input.shape(), out_shape, params);
  const int ty = plan.rows.taps_per_output, tx = plan.cols.taps_per_output;
  Tensor output(out_shape);
  for (int64_t n = 0; n < out_shape.n(); ++n) {
    for (int64_t c = 0; c < out_shape.c(); ++c) {
      for (int64_t oy = 0; oy < out_shape.h(); ++oy) {
        for (int64_t ox = 0; ox < out_shape.w(); ++ox) {
          double sum = 0.0;
          for (int64_t i = 0; i < ty; ++i) {
            const auto row_tap = static_cast<size_t>(oy * ty + i);
            for (int64_t j = 0; j < tx; ++j) {
              const auto col_tap = static_cast<size_t>(ox * tx + j);
              sum += static_cast<double>(plan.rows.weight[row_tap]) * static_cast<double>(plan.cols.weight[col_tap]) *
                     static_cast<double>(input.at(n, c, plan.rows.index[row_tap], plan.cols.index[col_tap]));
            }
          }
          output.at(n, c, oy, ox) = static_cast<float>(sum);
        }
      }
    }
  }
  return output;
}

Tensor resize_backward(const Tensor& grad_output, const Shape& input_shape, const ResizeParams& params) {
  const Shape out_shape = resize_output_shape(input_shape, params);
  check_shape(grad_output.shape(), out_shape, "resize backward: grad_output");
  const Plan plan = make_plan(input_shape, out_shape, params);
  const int ty = plan.rows.taps_per_output, tx = plan.cols.taps_per_output;
  Accumulator grad_input(input_shape);
  // Each output pixel hands its gradient back to the input pixels it was made of, with
  // the same weights: the adjoint of the forward sum.
  for (int64_t n = 0; n < out_shape.n(); ++n) {
    for (int64_t c = 0; c < out_shape.c(); ++c) {
      for (int64_t oy = 0; oy < out_shape.h(); ++oy) {
        for (int64_t ox = 0; ox < out_shape.w(); ++ox) {
          const double go = grad_output.at(n, c, oy, ox);
          for (int64_t i = 0; i < ty; ++i) {
            const auto row_tap = static_cast<size_t>(oy * ty + i);
            for (int64_t j = 0; j < tx; ++j) {
              const auto col_tap = static_cast<size_t>(ox * tx + j);
              grad_input.at(n, c, plan.rows.index[row_tap], plan.cols.index[col_tap]) +=
                  static_cast<double>(plan.rows.weight[row_tap]) * static_cast<double>(plan.cols.weight[col_tap]) * go;
            }
          }
        }
      }
    }
  }
  return grad_input.to_tensor();
}

}  // namespace upsample::ops::ref
