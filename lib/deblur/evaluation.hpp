#pragma once
// The deblurring evaluation: Y of each 8-bit HR image (BT.601, rounded), blurred with a
// known kernel (mirrored borders), given Gaussian noise of `noise_levels` 8-bit levels
// (fixed seed) and rounded to 8 bits as a file would be; restored on Y, rounded, and
// scored by PSNR / SSIM with the kernel radius excluded on every side.
// With colour noise, as a blurred photo is: the colour HR (a grey one as three equal
// channels) blurred channel by channel, the noise added to each channel, rounded to 8
// bits, the colour image restored as `upsample deblur photo.png` restores it, and Y of
// the 8-bit result scored against the HR's Y.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "analysis/evaluation.hpp"
#include "models/model.hpp"
#include "pipeline/method_registry.hpp"
#include "imaging/blur_kernels.hpp"

namespace upsample::deblur {

struct DeblurEvalImage {
  std::string name;  // file stem
  cv::Mat sharp_y;   // CV_8UC1
  cv::Mat blurred_y; // CV_32FC1 in [0, 1], on 8-bit levels
  cv::Mat blurred_colour;  // CV_8UC3 (BGR) with colour noise, else empty; restored instead of blurred_y
  int border = 0;    // pixels excluded on each side when scoring
  imaging::BlurCode code{};  // the blur's code, for a network told the blur
};

// Every image in `folder` (sorted by name), blurred by `blur_spec`. The noise of image i
// comes from seed + i, so every method sees the same noisy inputs. blur_spec: any spec of
// load_blur_kernel (kernel_spec.hpp). colour_noise: σ per RGB channel, drawn for each
// pixel's B, G, R in turn, before Y is taken (see above).
std::vector<DeblurEvalImage> load_deblur_eval_set(const std::filesystem::path& folder, const std::string& blur_spec,
                                                  double noise_levels, uint32_t seed = 1, bool colour_noise = false);

// The validation set of deblurring training: every image under the two target blurs of
// issue 6 (gaussian:1.6 and motion:9,30, noise 2 levels), names suffixed by the blur.
std::vector<DeblurEvalImage> load_deblur_validation_set(const std::filesystem::path& folder);

// Restores every blurred image with `restorer` (its upscale_y at scale 1, or its colour
// path for an image with blurred_colour) and scores it.
std::vector<analysis::ImageScore> evaluate_deblurrer(const pipeline::Upscaler& restorer,
                                                     const std::vector<DeblurEvalImage>& set);

// For a deblurring network told the blur (condition planes): each image restored with
// its own blur's code given, as a user who knows the blur would run it.
std::vector<analysis::ImageScore> evaluate_told_blur(const std::shared_ptr<const models::Model>& model,
                                                     const std::vector<DeblurEvalImage>& set);

}  // namespace upsample::deblur
