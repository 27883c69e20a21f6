#include "train/deblur_data.hpp"

#include <algorithm>
#include <cmath>

#include "tensor/error.hpp"
#include "train/trainer.hpp"

namespace upsample::train {

double colour_noise_y_sigma(double sigma_per_channel) {
  // Y = 16/255 + (65.481 R + 128.553 G + 24.966 B) / 255 for R, G, B in [0, 1]: independent
  // noise on the channels adds on Y with these weights, in variance.
  constexpr double kR = 65.481 / 255, kG = 128.553 / 255, kB = 24.966 / 255;
  constexpr double kWeights = kR * kR + kG * kG + kB * kB;
  // Rounding a channel to 8 bits adds an error uniform over one level: variance 1/12 level².
  constexpr double kRounding = 1.0 / (12.0 * 255.0 * 255.0);
  return std::sqrt(kWeights * (sigma_per_channel * sigma_per_channel + kRounding));
}

DeblurDataOptions deblur_data_options(const TrainOptions& o) {
  DeblurDataOptions data;
  data.folders = o.train_folders;
  if (o.real_world_blurs) data.blur = imaging::RandomBlurOptions::real_world();
  data.blur.motion_fraction = o.motion_fraction;
  data.colour_noise_fraction = o.colour_noise_fraction;
  return data;
}

DeblurPatchSampler DeblurPatchSampler::build(const DeblurDataOptions& options,
                                             const std::function<void(const std::string&)>& log) {
  PatchDatasetOptions sharp;
  sharp.folders = options.folders;
  sharp.scale = 1;
  sharp.downscales = options.downscales;
  return DeblurPatchSampler(PatchDataset::build(sharp, log), options);
}

DeblurPatchSampler DeblurPatchSampler::from_images(const std::vector<cv::Mat>& images, const DeblurDataOptions& options) {
  return DeblurPatchSampler(PatchDataset::from_images(images, 1, options.downscales), options);
}

void DeblurPatchSampler::sample(std::mt19937& rng, int batch, int patch, Tensor& blurred, Tensor& sharp,
                                std::vector<imaging::BlurCode>* codes) const {
  const bool fixed = !options_.fixed_kernel.empty();
  const int margin = fixed ? imaging::kernel_radius(options_.fixed_kernel) : imaging::max_random_kernel_radius(options_.blur);
  const int big = patch + 2 * margin;
  Tensor unused, wide;
  sharp_.sample(rng, batch, big, unused, wide);
  const Shape shape{batch, 1, patch, patch};
  if (blurred.empty() || !(blurred.shape() == shape)) blurred = Tensor(shape);
  if (sharp.empty() || !(sharp.shape() == shape)) sharp = Tensor(shape);
  const cv::Rect centre(margin, margin, patch, patch);
  std::uniform_real_distribution<double> noise_level(0.0, options_.max_noise);
  std::uniform_real_distribution<double> colour_noise_level(0.0, options_.max_colour_noise);
  if (codes) codes->clear();
  for (int b = 0; b < batch; ++b) {
    const cv::Mat wide_patch(big, big, CV_32F, wide.plane(b, 0));
    cv::Mat(wide_patch(centre)).copyTo(cv::Mat(patch, patch, CV_32F, sharp.plane(b, 0)));
    const cv::Mat kernel = fixed ? options_.fixed_kernel : imaging::random_blur_kernel(rng, options_.blur);
    const cv::Mat smeared = imaging::blur_image(wide_patch, kernel)(centre);
    if (codes) codes->push_back(imaging::blur_code(kernel));
    // Drawn only when asked for, so the default runs draw what they always drew.
    const bool colour = options_.colour_noise_fraction > 0 &&
                        std::uniform_real_distribution<double>(0, 1)(rng) < options_.colour_noise_fraction;
    std::normal_distribution<float> unit_noise(0.0f, 1.0f);
    float* out = blurred.plane(b, 0);
    if (colour) {
      const auto sigma_y = static_cast<float>(colour_noise_y_sigma(colour_noise_level(rng)));
      for (int y = 0; y < patch; ++y) {
        const float* row = smeared.ptr<float>(y);
        for (int x = 0; x < patch; ++x) out[y * patch + x] = std::clamp(row[x] + sigma_y * unit_noise(rng), 0.0f, 1.0f);
      }
      continue;
    }
    const auto sigma = static_cast<float>(noise_level(rng));
    for (int y = 0; y < patch; ++y) {
      const float* row = smeared.ptr<float>(y);
      for (int x = 0; x < patch; ++x) {
        const float v = std::round((row[x] + sigma * unit_noise(rng)) * 255.0f) / 255.0f;  // an 8-bit file's levels
        out[y * patch + x] = std::clamp(v, 0.0f, 1.0f);
      }
    }
  }
}

}  // namespace upsample::train
