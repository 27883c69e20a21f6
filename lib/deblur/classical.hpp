#pragma once
// Classical non-blind deconvolution: the baselines for users who know their blur (and
// for judging the network, which estimates the kernel). Both take a CV_32F image with
// any number of channels, values in [0, 1], and the PSF that blurred it (see
// train/blur_kernels.hpp); each channel is restored on its own.
#include <opencv2/core.hpp>

namespace upsample::deblur {

// Wiener deconvolution in the Fourier domain: X = conj(K)·B / (|K|² + nsr), with the
// noise-to-signal power ratio `nsr` (> 0) as the regulariser: larger = smoother, less
// ringing and noise. The image is mirrored into a periodic one first, so the FFT's
// wrap-around does not ring at the borders.
cv::Mat wiener_deconvolve(const cv::Mat& blurred, const cv::Mat& psf, double nsr);

// Richardson–Lucy: `iterations` multiplicative updates x ← x · Kᵀ(b / (K x)), the
// maximum-likelihood restoration under Poisson noise. More iterations sharpen more and
// amplify noise more. Starts from the blurred image.
cv::Mat richardson_lucy(const cv::Mat& blurred, const cv::Mat& psf, int iterations);

}  // namespace upsample::deblur
