#pragma once
#include <opencv2/core.hpp>

#include "pipeline/method_registry.hpp"

namespace upsample::pipeline {

// Upscales any image the tool loads (8/16-bit, grey, BGR, BGRA): colour goes through
// `upscaler`, alpha is upscaled separately with bicubic so it is never dropped.
cv::Mat upscale_image(const cv::Mat& image, const Upscaler& upscaler);

}  // namespace upsample::pipeline
