#pragma once
// Training pairs for super-resolution networks that also clean up real damage: HR colour
// images (downscaled by 0.6–1.0 for variety, as PatchDataset does), and for every patch a
// damaged LR made on the fly with its own random blur, downscale kernel, noise and JPEG
// (imaging::random_damaged_lr). The network sees and predicts Y (MATLAB rgb2ycbcr), but the
// damage is done in colour, so JPEG's chroma subsampling and colour noise leak into Y as
// they do in real files.
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "imaging/degradations.hpp"
#include "tensor/tensor.hpp"

namespace upsample::train {

struct DamagedPatchOptions {
  std::vector<std::filesystem::path> folders;  // every image file inside (not recursive)
  int scale = 2;
  std::vector<double> downscales = {1.0, 0.9, 0.8, 0.7, 0.6};
  imaging::RandomDamageOptions damage;
};

class DamagedPatchSampler {
 public:
  // Loads every image as 8-bit BGR with its downscaled copies (in parallel over files).
  // `log` receives notes about files that cannot be used; throws Error if none can.
  static DamagedPatchSampler build(const DamagedPatchOptions& options,
                                   const std::function<void(const std::string&)>& log);
  // From images already in memory (8-bit, grey or BGR); used by tests.
  static DamagedPatchSampler from_images(const std::vector<cv::Mat>& images, const DamagedPatchOptions& options);

  size_t files() const { return files_; }
  size_t images() const { return images_.size(); }  // with the downscaled copies
  int scale() const { return options_.scale; }

  // Fills lr [B, 1, p, p] with the Y of damaged LR patches and hr [B, 1, p·s, p·s] with the
  // Y of the clean HR patches they were made from, in [0, 1]. Images are drawn in
  // proportion to their area; each patch gets one of the eight flips/rotations, its own
  // damage, and a window of real pixels around it for the blur and downscale to read,
  // placed so the JPEG block grid falls at a random phase. `drawn` (if given) receives
  // what was done to each patch. Parallel over the batch; the result depends only on rng.
  void sample(std::mt19937& rng, int batch, int lr_patch, Tensor& lr, Tensor& hr,
              std::vector<imaging::DamageDrawn>* drawn = nullptr) const;

 private:
  struct PatchPlan;
  explicit DamagedPatchSampler(const DamagedPatchOptions& options) : options_(options) {}
  void add_image(const cv::Mat& image, const std::vector<double>& downscales);
  void finish();
  std::vector<PatchPlan> plan_patches(std::mt19937& rng, int batch, int hr_window) const;
  void make_patch(const PatchPlan& plan, int window, int margin, int lr_patch, float* lr_plane, float* hr_plane,
                  imaging::DamageDrawn& drawn) const;

  DamagedPatchOptions options_;
  std::vector<cv::Mat> images_;  // CV_8UC3
  std::vector<double> cumulative_area_;
  size_t files_ = 0;
};

}  // namespace upsample::train
