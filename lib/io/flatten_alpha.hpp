#pragma once
// A picture with alpha made opaque as a viewer shows it: each pixel blended over a
// background colour by its alpha, for a format that has no alpha channel.
#include <opencv2/core.hpp>

#include "io/background_colour.hpp"

namespace upsample::io {

// BGRA (8- or 16-bit) → BGR of the same depth: colour · alpha + background · (1 − alpha).
cv::Mat flatten_alpha(const cv::Mat& bgra, const BackgroundColour& background);

}  // namespace upsample::io
