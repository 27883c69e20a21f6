#pragma once
// A defocus blur: the uniform disc an out-of-focus point spreads into.
#include <opencv2/core.hpp>

namespace upsample::imaging {

// The disc of `radius` pixels (in (0, 50]) about the centre pixel's centre, each pixel
// weighted by the share of it inside the disc (16×16 samples per pixel, so the edge is
// anti-aliased), normalised. CV_32FC1, odd-sized, symmetric under flips and transposes.
cv::Mat disc_kernel(double radius);

}  // namespace upsample::imaging
