#include "analysis/evaluation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>

#include "analysis/damaged_input.hpp"
#include "imaging/matlab_imresize.hpp"
#include "analysis/metrics.hpp"
#include "io/image_io.hpp"
#include "tensor/error.hpp"

namespace upsample::analysis {

namespace fs = std::filesystem;

namespace {

// Why `hr` is too small for the protocol at `scale`, or "": cropped to a multiple of the
// scale and shaved by `scale` pixels on every side, it must still hold the 11×11 SSIM window.
std::string too_small_for_protocol(const cv::Mat& hr, int scale) {
  constexpr int kSsimWindow = 11;
  const int needed = (kSsimWindow + 2 * scale + scale - 1) / scale * scale;
  const int cols = hr.cols - hr.cols % scale, rows = hr.rows - hr.rows % scale;
  if (cols >= needed && rows >= needed) return {};
  return "too small for ×" + std::to_string(scale) + ": " + std::to_string(hr.cols) + "×" + std::to_string(hr.rows) +
         " (the protocol needs at least " + std::to_string(needed) + "×" + std::to_string(needed) + ")";
}

// The numerator p of `scale` = p/q with the smallest q ≤ 16, or 0 when there is none.
int scale_numerator(double scale) {
  for (int q = 1; q <= 16; ++q) {
    const double p = std::round(scale * q);
    if (std::abs(p - scale * q) < 1e-9 * q) return static_cast<int>(p);
  }
  return 0;
}

std::string scale_words(double scale) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", scale);
  return text;
}

// Every image of `folder` (8-bit only, the protocol's) made into an EvalImage by `make`,
// which returns why an image is too small instead: that one is skipped with its reason
// (or thrown, without `skipped`).
std::vector<EvalImage> load_each_image(
    const fs::path& folder, const std::string& scale_label, std::vector<SkippedImage>* skipped,
    const std::function<std::string(const fs::path&, const cv::Mat& hr, EvalImage& image)>& make) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw Error(folder.string() + ": evaluation folder not found");
  const std::vector<fs::path> files = io::image_files_in(folder);
  if (files.empty()) throw Error(folder.string() + ": no images to evaluate on");
  std::vector<EvalImage> set;
  for (const auto& f : files) {
    const cv::Mat hr = io::load_image(f);
    if (hr.depth() != CV_8U) throw Error(f.string() + ": the evaluation protocol is defined on 8-bit images");
    EvalImage image;
    if (std::string why = make(f, hr, image); !why.empty()) {
      if (!skipped) throw Error(f.string() + ": " + why);
      skipped->push_back({f, std::move(why)});
      continue;
    }
    set.push_back(std::move(image));
  }
  if (set.empty())
    throw Error(folder.string() + ": no image large enough to evaluate at ×" + scale_label + " (" +
                std::to_string(files.size()) + " too small)");
  return set;
}

}  // namespace

std::vector<EvalImage> load_eval_set_at(const fs::path& folder, double scale, std::vector<SkippedImage>* skipped) {
  const int p = scale_numerator(scale);
  if (p <= 0 || scale <= 1)
    throw Error("eval -s " + scale_words(scale) +
                ": the scale must be above 1 and a fraction with a denominator of at most 16 (1.5, 2.5, 1.25)");
  const int shave = static_cast<int>(std::ceil(scale));
  return load_each_image(folder, scale_words(scale), skipped, [&](const fs::path& f, const cv::Mat& hr, EvalImage& image) {
    // Cropped to a multiple of p and shaved, it must still hold the 11×11 SSIM window.
    const int cols = hr.cols - hr.cols % p, rows = hr.rows - hr.rows % p;
    if (std::min(cols, rows) - 2 * shave < 11)
      return "too small for ×" + scale_words(scale) + ": " + std::to_string(hr.cols) + "×" + std::to_string(hr.rows);
    image = {f.stem().string(), imaging::crop_to_multiple_of(rgb_to_y_u8(hr), p).clone(), {}, {}, {}};
    cv::Mat hr_double;
    image.hr_y.convertTo(hr_double, CV_64F);
    const int lr_rows = static_cast<int>(std::lround(rows / scale)), lr_cols = static_cast<int>(std::lround(cols / scale));
    imaging::matlab_imresize_to(hr_double, lr_rows, lr_cols).convertTo(image.lr_y, CV_32F, 1.0 / 255.0);
    return std::string();
  });
}

std::vector<ImageScore> evaluate_upscaler_at(const pipeline::Upscaler& upscaler, const std::vector<EvalImage>& set,
                                             double scale) {
  const int shave = static_cast<int>(std::ceil(scale));
  std::vector<ImageScore> scores;
  for (const EvalImage& image : set) {
    const auto start = std::chrono::steady_clock::now();
    cv::Mat sr;
    upscaler.upscale_y(image.lr_y).convertTo(sr, CV_8U, 255.0);  // rounds and saturates
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (sr.size() != image.hr_y.size())
      throw Error(image.name + ": the method made " + std::to_string(sr.cols) + "×" + std::to_string(sr.rows) +
                  ", not the HR's " + std::to_string(image.hr_y.cols) + "×" + std::to_string(image.hr_y.rows));
    scores.push_back({image.name, psnr_y(sr, image.hr_y, shave), ssim_y(sr, image.hr_y, shave), seconds});
  }
  return scores;
}

std::vector<EvalImage> load_eval_set(const fs::path& folder, int scale, const imaging::DamageSpec* damage,
                                     std::vector<SkippedImage>* skipped) {
  return load_each_image(folder, std::to_string(scale), skipped, [&](const fs::path& f, const cv::Mat& hr, EvalImage& image) {
    if (std::string why = too_small_for_protocol(hr, scale); !why.empty()) return why;
    image = {f.stem().string(), imaging::crop_to_multiple_of(rgb_to_y_u8(hr), scale).clone(), {}, {}, {}};
    if (damage) {
      DamagedInput damaged = damaged_input(hr, scale, *damage);
      image.lr_damaged = damaged.lr;
      image.facts = damaged.facts;
    }
    else imaging::matlab_bicubic_downscale(image.hr_y, scale).convertTo(image.lr_y, CV_32F, 1.0 / 255.0);
    return std::string();
  });
}

std::vector<ImageScore> evaluate_upscaler(const pipeline::Upscaler& upscaler, const std::vector<EvalImage>& set,
                                          int scale) {
  std::vector<ImageScore> scores;
  for (const EvalImage& image : set) {
    const auto start = std::chrono::steady_clock::now();
    cv::Mat sr;
    if (!image.lr_damaged.empty()) sr = rgb_to_y_u8(upscaler.upscale_photo(image.lr_damaged, image.facts, nullptr));
    else upscaler.upscale_y(image.lr_y).convertTo(sr, CV_8U, 255.0);  // rounds and saturates
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const PsnrSsim s = evaluate_pair(sr, image.hr_y, scale);
    scores.push_back({image.name, s.psnr, s.ssim, seconds});
  }
  return scores;
}

ImageScore average(const std::vector<ImageScore>& scores) {
  ImageScore mean{"average", 0, 0, 0};
  for (const auto& s : scores) {
    mean.psnr += s.psnr;
    mean.ssim += s.ssim;
    mean.seconds += s.seconds;
  }
  if (!scores.empty()) {
    const auto n = static_cast<double>(scores.size());
    mean.psnr /= n;
    mean.ssim /= n;
    mean.seconds /= n;
  }
  return mean;
}

}  // namespace upsample::analysis
