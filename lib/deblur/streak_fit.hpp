#pragma once
// A streak read from the second moments of a kernel the blind search found (or from the
// estimator, which agrees with them) is pulled off by the search's stray taps: a second
// moment weights a tap by its squared distance from the centre, so a few scattered taps
// lengthen the streak, turn it and widen its Gaussian. Matching whole kernels by
// normalised correlation weights each tap by its own mass instead, so the streak that
// best matches the found kernel, searched near the moments' reading, is where the
// streak's taps are.
#include <opencv2/core.hpp>

#include "imaging/blur_kernels.hpp"

namespace upsample::deblur {

// The streak (length, angle, Gaussian σ; imaging::kernel_from_blur_shape) whose kernel
// best matches `found` (deblur::kernel_match), searched around `start`: lengths within
// max(2, 15 %) px, angles within 8°, σ 0 to 1.1 px (or to `start`'s σ), then half steps
// of length and angle around the best.
imaging::BlurShape fit_streak(const cv::Mat& found, const imaging::BlurShape& start);

}  // namespace upsample::deblur
