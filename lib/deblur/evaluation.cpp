#include "deblur/evaluation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <span>

#include <opencv2/imgproc.hpp>

#include "analysis/metrics.hpp"
#include "deblur/kernel_spec.hpp"
#include "deblur/told_network.hpp"
#include "io/image_io.hpp"
#include "pipeline/learned_methods.hpp"
#include "tensor/error.hpp"
#include "imaging/blur_kernels.hpp"

namespace upsample::deblur {

namespace fs = std::filesystem;

namespace {

// The colour protocol's blurred photo: each channel blurred, given noise of σ `sigma` (of
// 1) per channel and rounded to 8 bits. The draws go pixel by pixel, B, G, R in turn.
cv::Mat blurred_colour_photo(const cv::Mat& bgr_u8, const cv::Mat& kernel, double sigma, uint32_t seed) {
  cv::Mat sharp;
  bgr_u8.convertTo(sharp, CV_32F, 1.0 / 255.0);
  const cv::Mat blurred = imaging::blur_image(sharp, kernel);
  std::mt19937 rng(seed);
  std::normal_distribution<float> unit(0.0f, 1.0f);
  const auto s = static_cast<float>(sigma);
  cv::Mat out(blurred.size(), CV_8UC3);
  for (int y = 0; y < blurred.rows; ++y) {
    const float* in = blurred.ptr<float>(y);
    uchar* row = out.ptr<uchar>(y);
    for (int i = 0; i < 3 * blurred.cols; ++i)
      row[i] = static_cast<uchar>(std::clamp(std::round((in[i] + s * unit(rng)) * 255.0f), 0.0f, 255.0f));
  }
  return out;
}

}  // namespace

std::vector<DeblurEvalImage> load_deblur_eval_set(const fs::path& folder, const std::string& blur_spec,
                                                  double noise_levels, uint32_t seed, bool colour_noise) {
  const cv::Mat kernel = load_blur_kernel(blur_spec);
  if (!(noise_levels >= 0)) throw Error("deblur evaluation: the noise level must be ≥ 0");
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw Error(folder.string() + ": evaluation folder not found");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(folder))
    if (e.is_regular_file() && io::is_image_extension(io::extension_of(e.path()))) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(folder.string() + ": no images to evaluate on");
  std::vector<DeblurEvalImage> set;
  for (size_t i = 0; i < files.size(); ++i) {
    cv::Mat hr = io::load_image(files[i]);
    if (hr.depth() != CV_8U) throw Error(files[i].string() + ": the evaluation is defined on 8-bit images");
    if (colour_noise && hr.channels() == 1) cv::cvtColor(hr, hr, cv::COLOR_GRAY2BGR);
    if (colour_noise && hr.channels() == 4) cv::cvtColor(hr, hr, cv::COLOR_BGRA2BGR);
    DeblurEvalImage image;
    image.name = files[i].stem().string();
    image.sharp_y = analysis::rgb_to_y_u8(hr);
    image.border = imaging::kernel_radius(kernel);
    image.code = imaging::blur_code(kernel);
    if (image.sharp_y.rows <= 2 * image.border + 11 || image.sharp_y.cols <= 2 * image.border + 11)
      throw Error(files[i].string() + ": too small for a " + blur_spec + " evaluation");
    if (colour_noise) {
      image.blurred_colour = blurred_colour_photo(hr, kernel, noise_levels / 255.0, seed + static_cast<uint32_t>(i));
      analysis::rgb_to_y_u8(image.blurred_colour).convertTo(image.blurred_y, CV_32F, 1.0 / 255.0);
      set.push_back(std::move(image));
      continue;
    }
    cv::Mat sharp;
    image.sharp_y.convertTo(sharp, CV_32F, 1.0 / 255.0);
    cv::Mat blurred = imaging::blur_image(sharp, kernel);
    std::mt19937 rng(seed + static_cast<uint32_t>(i));
    std::normal_distribution<float> unit(0.0f, 1.0f);
    const auto sigma = static_cast<float>(noise_levels / 255.0);
    for (int y = 0; y < blurred.rows; ++y)
      for (float& v : std::span<float>(blurred.ptr<float>(y), static_cast<size_t>(blurred.cols)))
        v = std::clamp(std::round((v + sigma * unit(rng)) * 255.0f) / 255.0f, 0.0f, 1.0f);
    image.blurred_y = blurred;
    set.push_back(std::move(image));
  }
  return set;
}

std::vector<DeblurEvalImage> load_deblur_validation_set(const fs::path& folder) {
  std::vector<DeblurEvalImage> set;
  for (const std::string spec : {"gaussian:1.6", "motion:9,30"})
    for (auto& image : load_deblur_eval_set(folder, spec, 2.0)) {
      image.name += " " + spec;
      set.push_back(std::move(image));
    }
  return set;
}

std::vector<analysis::ImageScore> evaluate_deblurrer(const pipeline::Upscaler& restorer,
                                                     const std::vector<DeblurEvalImage>& set) {
  if (restorer.scale() != 1) throw Error("deblur evaluation: the method must keep the size (scale 1)");
  std::vector<analysis::ImageScore> scores;
  for (const auto& image : set) {
    const auto start = std::chrono::steady_clock::now();
    cv::Mat restored;
    if (!image.blurred_colour.empty())
      restored = analysis::rgb_to_y_u8(restorer.upscale(image.blurred_colour));  // 8-bit in, 8-bit out
    else
      restorer.upscale_y(image.blurred_y).convertTo(restored, CV_8U, 255.0);  // rounds and saturates
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    scores.push_back({image.name, analysis::psnr_y(restored, image.sharp_y, image.border),
                      analysis::ssim_y(restored, image.sharp_y, image.border), seconds});
  }
  return scores;
}

std::vector<analysis::ImageScore> evaluate_told_blur(const std::shared_ptr<const models::Model>& model,
                                                     const std::vector<DeblurEvalImage>& set) {
  std::vector<analysis::ImageScore> scores;
  for (const auto& image : set) {
    const imaging::BlurCode code = image.code;
    const auto restorer = told_network_restorer(model, 0, [code](const cv::Mat&) { return code; });
    for (auto& score : evaluate_deblurrer(*restorer, {image})) scores.push_back(std::move(score));
  }
  return scores;
}

}  // namespace upsample::deblur
