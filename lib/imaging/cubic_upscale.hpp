#pragma once
// Bicubic upscaling by a whole factor: cv::resize's INTER_CUBIC (a = −0.75, border
// replicated), with one set of weights per output phase. Every output is computed from
// its phase and its four neighbours each way alone, so a region of an image gives exactly
// the whole image's result over it, as tiles need. cv::resize takes each output's weights
// from its absolute coordinate in float, which at ×3 rounds differently in a tile.
#include <opencv2/core.hpp>

namespace upsample::imaging {

// `plane` (CV_32FC1) upscaled `factor` (≥ 1) times each way.
cv::Mat cubic_upscale(const cv::Mat& plane, int factor);

}  // namespace upsample::imaging
