#pragma once
// Fixed (non-learned) resampling of N×C×H×W tensors, exactly as PyTorch's F.interpolate
// with align_corners=False and antialias=False, for float32 tensors:
//   Nearest:  source index floor(dst · step), clamped to the last row/column
//             (PyTorch's "nearest", not "nearest-exact");
//   Bilinear: source coordinate (dst + 0.5) · step − 0.5, clamped at 0, two taps;
//   Bicubic:  the same coordinate (not clamped), Keys' cubic with A = −0.75, four taps
//             whose indices are clamped into the image (border replication).
// The output size and the step follow F.interpolate:
//   - by scale factor f: output = floor(input · f) and step = 1/f (not input/output);
//   - by size:           step = input/output.
// The index arithmetic is done in float, as PyTorch does for float32 tensors, so that
// the same source pixels are picked.
//
// Where PyTorch's own forward and backward disagree (a scale factor other than 1 or 2
// that still gives output = input or output = 2·input, with nearest or, on both axes,
// bicubic), this code follows the backward (and PyTorch's single-channel forward): nearest
// copies when output = input and takes dst/2 when output = 2·input; bicubic never
// special-cases. The backward here is always the exact adjoint of the forward.
#include <cstdint>

#include "tensor/tensor.hpp"

namespace upsample::ops {

enum class ResizeMode { Nearest, Bilinear, Bicubic };

// Either both scale factors (> 0) or both output sizes (> 0) are set; the other pair is 0.
struct ResizeParams {
  ResizeMode mode = ResizeMode::Bilinear;
  double scale_h = 0.0, scale_w = 0.0;
  int64_t out_h = 0, out_w = 0;

  static ResizeParams by_scale(ResizeMode mode, double scale) { return by_scale(mode, scale, scale); }
  static ResizeParams by_scale(ResizeMode mode, double scale_h, double scale_w) {
    return {mode, scale_h, scale_w, 0, 0};
  }
  static ResizeParams to_size(ResizeMode mode, int64_t out_h, int64_t out_w) { return {mode, 0.0, 0.0, out_h, out_w}; }
};

// "nearest", "bilinear", "bicubic".
const char* resize_mode_name(ResizeMode mode);

// Validates the parameters; throws upsample::Error naming the bad one.
Shape resize_output_shape(const Shape& input, const ResizeParams& params);

Tensor resize_forward(const Tensor& input, const ResizeParams& params);
// Gradient w.r.t. the input (of shape `input_shape`) given the gradient w.r.t. the output.
Tensor resize_backward(const Tensor& grad_output, const Shape& input_shape, const ResizeParams& params);

}  // namespace upsample::ops
