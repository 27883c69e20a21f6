#pragma once
// Input planes that hold one value over a whole image (the condition planes a damage model
// is told: its JPEG quality, noise level, aliasing) add to a conv's output a term that
// depends only on the weights, those values and how near the image's edge the pixel is
// (the zero padding cuts taps there). The conv then reads only the planes before them, and
// the term joins its bias: 3 of the 4 planes the damage models' 5×5 first layer reads.
#include <cstdint>
#include <vector>

#include "ops/x86/conv_driver.hpp"

namespace upsample::ops::x86 {

// How many planes of `input` [N, C, H, W] come before the trailing ones that are constant
// in every image (each image may hold its own value); at least 1, C when none is.
int64_t planes_before_constant(const Tensor& input);

// The term of planes [first, C) of `input`, constant in each image, through a stride-1,
// undilated, one-group conv (weight [Cout, C, kh, kw], padding pad_h × pad_w); `packed`
// is that conv packed over all C planes, for its bias, epilogue and instruction set. Both
// must outlive the term.
class ConstantPlanesTerm {
 public:
  ConstantPlanesTerm(const Tensor& weight, const PackedConv& packed, int pad_h, int pad_w, int64_t first,
                     const Tensor& input);

  // tile [1, Cout, h, w]: image n's conv output from row y0 and column x0, made from
  // planes [0, first) without bias or activation; becomes act(tile + bias + term).
  void finish(Tensor& tile, int64_t n, int64_t y0, int64_t x0) const;

 private:
  // The term at one pixel: the taps whose input lies inside the image.
  float term(const float* weighted, int64_t y, int64_t x) const;

  int64_t out_channels_ = 0, kh_ = 0, kw_ = 0, height_ = 0, width_ = 0;
  int pad_h_ = 0, pad_w_ = 0;
  const PackedConv& packed_;
  std::vector<float> weighted_;  // [N][Cout][kh][kw]: Σ over the constant planes of value · weight
};

}  // namespace upsample::ops::x86
