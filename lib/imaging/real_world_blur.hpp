#pragma once
// The real-world mix of training blurs (RandomBlurOptions::real_world()): a deblurrer
// trained on our Gaussians and our own streaks alone fails on blurs made another way.
//   isotropic Gaussian     σ in [min_sigma, max_sigma]                        20%
//   anisotropic Gaussian   σ1, σ2 in [min_sigma, max_sigma], any angle         15%
//   straight streak        [min_length, max_length] px, any angle, a third     25%
//                          each by motion_kernel, cv::line LINE_8 and LINE_AA
//   defocus disc           radius 1–4                                          10%
//   camera shake           a trajectory in a 7–25 px box                      15%
//   combination            a streak or shake convolved with a Gaussian of     15%
//                          σ 0.3–1 or a disc of radius 1–2
#include <random>

#include <opencv2/core.hpp>

#include "imaging/blur_kernels.hpp"

namespace upsample::imaging {

cv::Mat random_real_world_kernel(std::mt19937& rng, const RandomBlurOptions& options, BlurKind& kind);
// The widest kernel random_real_world_kernel can return, as a radius.
int max_real_world_kernel_radius(const RandomBlurOptions& options);

}  // namespace upsample::imaging
