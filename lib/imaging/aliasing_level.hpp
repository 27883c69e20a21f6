#pragma once
// How much a downscale folded detail above its new Nyquist limit back into the image (the
// jaggies and moiré of a shrink without antialiasing), on one scale for training and run
// time alike: the amplitude with which a cosine just above the LR's Nyquist frequency
// (0.6 cycles per LR pixel) survives the shrink, folded to 0.4. MATLAB's bicubic keeps
// about a quarter of it, an area average a half, a plain cubic or nearest sample all.
#include <opencv2/core.hpp>

#include "imaging/degradations.hpp"

namespace upsample::imaging {

// The aliasing of MATLAB's antialiased bicubic, what an image shrunk properly carries (and
// what a clean image is told).
inline constexpr double kAntialiasedAliasing = 0.27;

// The aliasing of the blur and downscale steps of `damage` (noise and JPEG are ignored),
// measured on a synthetic cosine along each axis and averaged; 1 when nothing is shrunk.
double downscale_aliasing(const Degradation& damage);

// The aliasing an image (grey or BGR, 8/16-bit; or a Y plane in [0, 1]) carries, read from
// its spectrum: a proper downscale leaves little energy where both spatial frequencies
// are near Nyquist, an aliasing one leaves as much as further in. `luma_noise_sigma`
// (8-bit levels in Y) is subtracted as a flat floor first. Between kAntialiasedAliasing
// and 1; images under 32×32 read kAntialiasedAliasing. JPEG removes that band as an
// antialiasing filter does, so a JPEG reads low.
double estimate_aliasing(const cv::Mat& image, double luma_noise_sigma);

}  // namespace upsample::imaging
