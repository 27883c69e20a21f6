#pragma once
// A blur code as constant planes of a tensor: the blur estimator's target, and the extra
// input planes of a deblurring network told the blur.
#include <vector>

#include "imaging/blur_kernels.hpp"
#include "tensor/tensor.hpp"

namespace upsample::deblur {

// [B, kBlurCodeSize, rows, cols]: plane k of batch item b is constant codes[b][k] (the
// blur estimator's target).
Tensor blur_code_planes(const std::vector<imaging::BlurCode>& codes, int64_t rows, int64_t cols);
// `images` [B, C, H, W] followed by its blur code planes: [B, C + kBlurCodeSize, H, W] (the
// input of a deblurring network told the blur).
Tensor with_blur_code_planes(const Tensor& images, const std::vector<imaging::BlurCode>& codes);

}  // namespace upsample::deblur
