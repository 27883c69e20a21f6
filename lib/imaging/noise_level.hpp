#pragma once
// How much additive white Gaussian noise an image carries, as the standard deviation σ in
// 8-bit levels (0 … 255) whatever the image's depth.
//
// After Liu, Tanaka & Okutomi, "Single-image noise level estimation for blind denoising"
// (IEEE TIP 2013). Noise spreads evenly over every direction of the space of 7×7 patches,
// image content does not, so the variance of the patches along their least-varying
// direction is the noise variance, provided the patches are smooth enough to leave some
// direction free of content. Edges and texture are not, so only weak-texture patches are
// used: those whose summed squared gradient stays below what noise of the current estimate
// alone would reach (a Gamma bound); estimate, reselect, repeat until the selection
// settles. Two changes to the paper:
// - The smallest eigenvalue of a sample covariance is biased low (the fitted direction
//   follows the sample's own noise), and since the selection follows the estimate, the
//   bias feeds on itself. So the direction is chosen on one half of the patches (a
//   checkerboard of tiles) and the variance along it measured on the other, both ways.
// - Patches touching either end of the range are left out: clipping removes noise there.
// Fine texture that looks like noise at the scale of a patch (gravel, fur, film grain)
// reads as noise.
#include <opencv2/core.hpp>

namespace upsample::imaging {

// σ of the noise in `image`: CV_8U (0 … 255), CV_16U (0 … 65535) or CV_32F (0 … 1), with
// one channel or three. For three, the mean of the channels' σ, so noise of σ added to
// each of R, G and B reads σ. An 8-bit image also carries its rounding, σ = 1/√12 ≈ 0.29
// of a level, which reads as noise where the image is smooth but not flat. A channel with
// too few unclipped patches to measure is left out of the mean; with
// none, 0. Throws Error for another type or channel count, or an image under 32×32.
double estimate_noise_sigma(const cv::Mat& image);

}  // namespace upsample::imaging
