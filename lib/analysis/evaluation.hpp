#pragma once
// The standard super-resolution evaluation of any upscaler on a folder of HR images, as
// the papers' test code does it (SRCNN, FSRCNN): Y of the 8-bit HR (MATLAB rgb2ycbcr,
// rounded), cropped to a multiple of the scale, shrunk with MATLAB's bicubic in floating
// point (not rounded), upscaled by the method on Y, rounded to 8 bits, PSNR and SSIM
// with `scale` pixels shaved. This reproduces the published bicubic numbers exactly;
// rounding the LR to 8 bits first (an LR *file*) costs about 0.02 dB.
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "imaging/degradations.hpp"
#include "pipeline/method_registry.hpp"

namespace upsample::analysis {

struct EvalImage {
  std::string name;  // file stem
  cv::Mat hr_y;      // CV_8UC1 Y, cropped to a multiple of the scale
  cv::Mat lr_y;      // CV_32FC1 Y / 255 of hr_y / scale, not rounded (the clean protocol)
  // With damage: the damaged LR as its file would be (CV_8U, the HR's channels), upscaled
  // in colour, and what its file tells (the JPEG quality read from the encoded bytes).
  cv::Mat lr_damaged;
  pipeline::ImageFacts facts;
};

// An image left out of the evaluation, and why (e.g. "too small for ×2: 1×1 (...)").
struct SkippedImage {
  std::filesystem::path file;
  std::string reason;
};

// Every image in `folder` (sorted by name), prepared for `scale`: by the clean protocol,
// or with `damage` the colour HR shrunk and damaged as it says (imaging::damaged_lr).
// An image too small for the protocol at `scale` (cropped and shaved, smaller than the
// SSIM window) is listed in `skipped` and left out; without `skipped` it throws Error
// naming the file. Throws Error naming the folder if it has no images, or none is left.
std::vector<EvalImage> load_eval_set(const std::filesystem::path& folder, int scale,
                                     const imaging::DamageSpec* damage = nullptr,
                                     std::vector<SkippedImage>* skipped = nullptr);

struct ImageScore {
  std::string name;
  double psnr = 0, ssim = 0, seconds = 0;
};

// Upscales every LR with `upscaler` and scores it against its HR (on Y; a damaged LR is
// upscaled in colour and its Y taken, rounded, as from the output file).
std::vector<ImageScore> evaluate_upscaler(const pipeline::Upscaler& upscaler, const std::vector<EvalImage>& set,
                                          int scale);

// The clean protocol at a scale that is not whole, p/q in lowest terms with q at most 16
// (1.5 = 3/2, 2.5 = 5/2, 1.25 = 5/4): the HR's Y cropped to a multiple of p, so that the
// LR is whole, and shrunk with MATLAB's bicubic to exactly q/p of it (floating point, not
// rounded). Throws Error for a scale that is no such fraction; otherwise as load_eval_set.
std::vector<EvalImage> load_eval_set_at(const std::filesystem::path& folder, double scale,
                                        std::vector<SkippedImage>* skipped = nullptr);

// Scores `upscaler` on a set of load_eval_set_at: it must take each LR's Y to its HR's
// size (a pipeline::SizedUpscaler at the scale); ceil(scale) pixels shaved.
std::vector<ImageScore> evaluate_upscaler_at(const pipeline::Upscaler& upscaler, const std::vector<EvalImage>& set,
                                             double scale);

// Mean PSNR and SSIM of a list of scores.
ImageScore average(const std::vector<ImageScore>& scores);

}  // namespace upsample::analysis
