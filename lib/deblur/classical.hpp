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
// wrap-around does not ring at the borders. Images larger than a tile and its margins
// are deconvolved in tiles (kWienerTile², or twice the margin if that is more), each
// with wiener_tile_margin(psf, nsr) pixels of its surroundings, over all cores: memory
// stays bounded by the tile rather than the photo, and the filter's response dies out
// within the margin (tests bound the difference).
constexpr int kWienerTile = 512;
constexpr int kWienerMinMargin = 64;
int wiener_tile_margin(const cv::Mat& psf, double nsr);
cv::Mat wiener_deconvolve(const cv::Mat& blurred, const cv::Mat& psf, double nsr);
// The same in one transform of the whole image (2H×2W), whatever its size.
cv::Mat wiener_deconvolve_untiled(const cv::Mat& blurred, const cv::Mat& psf, double nsr);

// The PSF's transfer function on a rows×cols grid: the kernel centre sits at (0, 0) and
// the rest wraps around, so a product in frequency is a true (periodic) convolution.
cv::Mat psf_spectrum(const cv::Mat& psf, int rows, int cols);

// Richardson–Lucy: `iterations` multiplicative updates x ← x · Kᵀ(b / (K x)), the
// maximum-likelihood restoration under Poisson noise. More iterations sharpen more and
// amplify noise more. Starts from the blurred image.
cv::Mat richardson_lucy(const cv::Mat& blurred, const cv::Mat& psf, int iterations);

}  // namespace upsample::deblur
