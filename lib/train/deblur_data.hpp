#pragma once
// Training pairs for deblurring: sharp Y patches of HR images (down-scaled by 0.6–1.0,
// flipped and rotated at random, as for super-resolution), each blurred on the fly with
// its own random kernel (Gaussian σ 0.5–3 or motion 3–15 px at any angle, see
// blur_kernels.hpp; or the real-world mix), given Gaussian noise of a random σ in
// [0, 2/255] and rounded to 8-bit levels as a blurred grey photo file would be. Optionally
// a share of patches gets the noise of a colour photo instead (colour_noise_y_sigma).
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "imaging/blur_kernels.hpp"
#include "train/patch_dataset.hpp"

namespace upsample::train {

struct DeblurDataOptions {
  std::vector<std::filesystem::path> folders;  // every image file inside (not recursive)
  imaging::RandomBlurOptions blur;
  cv::Mat fixed_kernel;                        // when set, every patch gets this one blur instead
  double max_noise = 2.0 / 255.0;              // noise σ is drawn uniformly in [0, max_noise]
  // The share of patches whose noise is a colour photo's: σ per RGB channel drawn
  // uniformly in [0, max_colour_noise], seen on Y as colour_noise_y_sigma says, and Y not
  // rounded (Y taken from a colour file is not on 8-bit levels).
  double colour_noise_fraction = 0;
  double max_colour_noise = 5.0 / 255.0;
  std::vector<double> downscales = {1.0, 0.9, 0.8, 0.7, 0.6};
};

// The σ on BT.601 Y (of 1) of Gaussian noise of σ `sigma_per_channel` (of 1) on each of
// R, G and B, independent, followed by each channel's rounding to 8 bits.
double colour_noise_y_sigma(double sigma_per_channel);

struct TrainOptions;
// The data options a deblurring or blur-estimation run asks for: its folders, random blur
// mix (--blurs, --motion-fraction) and colour-noise share.
DeblurDataOptions deblur_data_options(const TrainOptions& options);

class DeblurPatchSampler {
 public:
  // Loads and prepares every image; `log` receives notes about unusable files.
  static DeblurPatchSampler build(const DeblurDataOptions& options, const std::function<void(const std::string&)>& log);
  // From images already in memory (8-bit, grey or BGR); used by tests.
  static DeblurPatchSampler from_images(const std::vector<cv::Mat>& images, const DeblurDataOptions& options);

  size_t files() const { return sharp_.files(); }
  size_t images() const { return sharp_.pairs(); }

  // Fills blurred and sharp [B, 1, p, p]. The blur reads real pixels beyond the patch
  // (never a padded border), so every patch is a faithful piece of a blurred photo.
  // `codes`, when given, receives each patch's blur as imaging::blur_code (for the networks told
  // the blur and for the blur estimator).
  void sample(std::mt19937& rng, int batch, int patch, Tensor& blurred, Tensor& sharp,
              std::vector<imaging::BlurCode>* codes = nullptr) const;

 private:
  DeblurPatchSampler(PatchDataset sharp, const DeblurDataOptions& options) : sharp_(std::move(sharp)), options_(options) {}
  PatchDataset sharp_;  // at scale 1: its HR patches are the sharp images
  DeblurDataOptions options_;
};

}  // namespace upsample::train
