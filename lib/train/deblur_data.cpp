#include "train/deblur_data.hpp"

#include <algorithm>
#include <cmath>

#include "tensor/error.hpp"

namespace upsample::train {

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
  if (codes) codes->clear();
  for (int b = 0; b < batch; ++b) {
    const cv::Mat wide_patch(big, big, CV_32F, wide.plane(b, 0));
    cv::Mat(wide_patch(centre)).copyTo(cv::Mat(patch, patch, CV_32F, sharp.plane(b, 0)));
    const cv::Mat kernel = fixed ? options_.fixed_kernel : imaging::random_blur_kernel(rng, options_.blur);
    const cv::Mat smeared = imaging::blur_image(wide_patch, kernel)(centre);
    if (codes) codes->push_back(imaging::blur_code(kernel));
    const auto sigma = static_cast<float>(noise_level(rng));
    std::normal_distribution<float> unit_noise(0.0f, 1.0f);
    float* out = blurred.plane(b, 0);
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
