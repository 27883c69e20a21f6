#pragma once
// A straight streak as a drawing program rasterises it: cv::line between the centre ±
// (LENGTH − 1)/2 · (cos θ, −sin θ), θ counter-clockwise from the x axis (image y down, as
// motion_kernel), normalised. Not our anti-aliased splat (motion_kernel): blurs made by
// other tools' generators look like this, and a deblurrer should have seen them.
#include <opencv2/core.hpp>

namespace upsample::imaging {

// LINE_8 (anti_aliased false): one pixel per step between endpoints rounded to whole
// pixels, every pixel of equal weight, so line_kernel(9, 0) is a row of nine equal taps.
// LINE_AA: OpenCV's anti-aliased line between sub-pixel endpoints. CV_32FC1, odd-sized,
// centred, outer zero rings trimmed; length in [1, 201].
cv::Mat line_kernel(double length, double angle_degrees, bool anti_aliased = false);

}  // namespace upsample::imaging
