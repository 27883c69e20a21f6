#pragma once
// Training pairs for super-resolution, made as the papers' training code makes them (and
// as the evaluation protocol makes its LR): HR images, downscaled by 0.6–1.0 for variety
// (augmentation), taken to 8-bit Y (MATLAB rgb2ycbcr), cropped to a multiple of the scale
// and shrunk with MATLAB's bicubic in floating point. Patches are cut at random and given
// one of the eight flips/rotations.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "tensor/tensor.hpp"

namespace upsample::train {

// The image files in each folder (not recursive), sorted; Error for a missing folder or none.
std::vector<std::filesystem::path> training_image_files(const std::vector<std::filesystem::path>& folders);

struct PatchDatasetOptions {
  std::vector<std::filesystem::path> folders;  // every image file inside (not recursive)
  int scale = 2;
  std::vector<double> downscales = {1.0, 0.9, 0.8, 0.7, 0.6};
};

// The 8-bit `image_u8` shrunk by each factor in `factors` (MATLAB bicubic in double,
// rounded to 8 bits once); a factor of 1 gives the image itself.
std::vector<cv::Mat> downscaled_copies(const cv::Mat& image_u8, const std::vector<double>& factors);

class PatchDataset {
 public:
  // Loads and prepares every image (in parallel over files). `log` receives notes about
  // files that cannot be used. Throws Error if no usable image is found.
  static PatchDataset build(const PatchDatasetOptions& options, const std::function<void(const std::string&)>& log);
  // Builds from images already in memory (8-bit, grey or BGR); used by tests.
  static PatchDataset from_images(const std::vector<cv::Mat>& images, int scale, const std::vector<double>& downscales);

  size_t pairs() const { return pairs_.size(); }
  size_t files() const { return files_; }
  int scale() const { return scale_; }

  // Fills lr [B, 1, p, p] and hr [B, 1, p·s, p·s] with random aligned patches. Pairs are
  // drawn in proportion to their area so every pixel is equally likely.
  void sample(std::mt19937& rng, int batch, int lr_patch, Tensor& lr, Tensor& hr) const;

 private:
  struct Pair {
    cv::Mat lr_y, hr_y;  // CV_32F in [0, 1]
  };
  void add_image(const cv::Mat& image_u8, const std::vector<double>& downscales);
  void finish();

  std::vector<Pair> pairs_;
  std::vector<double> cumulative_area_;
  size_t files_ = 0;
  int scale_ = 2;
};


}  // namespace upsample::train
