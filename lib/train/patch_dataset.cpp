#include "train/patch_dataset.hpp"

#include <algorithm>
#include <mutex>

#include <opencv2/imgproc.hpp>

#include "imaging/matlab_imresize.hpp"
#include "analysis/metrics.hpp"
#include "io/image_io.hpp"
#include "tensor/error.hpp"

namespace upsample::train {

namespace fs = std::filesystem;

std::vector<cv::Mat> downscaled_copies(const cv::Mat& image_u8, const std::vector<double>& factors) {
  std::vector<cv::Mat> copies;
  for (double f : factors) {
    cv::Mat copy = image_u8;
    if (f != 1.0) {
      cv::Mat as_double;
      image_u8.convertTo(as_double, CV_64F);
      imaging::matlab_imresize(as_double, f).convertTo(copy, CV_8U);  // rounds and saturates
    }
    copies.push_back(copy);
  }
  return copies;
}

void PatchDataset::add_image(const cv::Mat& image_u8, const std::vector<double>& downscales) {
  cv::Mat image = image_u8;
  if (image.depth() != CV_8U) image.convertTo(image, CV_8U, 1.0 / 257.0);
  if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
  for (const cv::Mat& hr : downscaled_copies(image, downscales)) {
    const cv::Mat hr_y = imaging::crop_to_multiple_of(analysis::rgb_to_y_u8(hr), scale_);
    if (hr_y.rows < 2 * scale_ || hr_y.cols < 2 * scale_) continue;
    Pair pair;
    hr_y.convertTo(pair.hr_y, CV_32F, 1.0 / 255.0);
    imaging::matlab_bicubic_downscale(hr_y, scale_).convertTo(pair.lr_y, CV_32F, 1.0 / 255.0);
    pairs_.push_back(std::move(pair));
  }
}

void PatchDataset::finish() {
  cumulative_area_.clear();
  double total = 0;
  for (const Pair& p : pairs_) {
    total += static_cast<double>(p.lr_y.total());
    cumulative_area_.push_back(total);
  }
}

std::vector<fs::path> training_image_files(const std::vector<fs::path>& folders) {
  std::vector<fs::path> files;
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) throw Error(folder.string() + ": training folder not found");
    for (const auto& e : fs::directory_iterator(folder))
      if (e.is_regular_file() && io::is_image_extension(io::extension_of(e.path()))) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error("no training images found in the given folders");
  return files;
}

PatchDataset PatchDataset::build(const PatchDatasetOptions& options, const std::function<void(const std::string&)>& log) {
  const std::vector<fs::path> files = training_image_files(options.folders);

  // Prepare each file on its own (the expensive part: MATLAB bicubic in double), in
  // parallel, then gather in file order so the dataset does not depend on thread timing.
  std::vector<PatchDataset> parts(files.size());
  std::mutex log_mutex;
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t i = 0; i < files.size(); ++i) {
    parts[i].scale_ = options.scale;
    try {
      parts[i].add_image(io::load_image(files[i]), options.downscales);
    } catch (const std::exception& e) {
      std::lock_guard lock(log_mutex);
      log(std::string(e.what()) + " (skipped)");
    }
  }
  PatchDataset out;
  out.scale_ = options.scale;
  for (auto& part : parts) {
    if (!part.pairs_.empty()) ++out.files_;
    for (auto& p : part.pairs_) out.pairs_.push_back(std::move(p));
  }
  if (out.pairs_.empty()) throw Error("none of the training images could be used");
  out.finish();
  return out;
}

PatchDataset PatchDataset::from_images(const std::vector<cv::Mat>& images, int scale, const std::vector<double>& downscales) {
  PatchDataset out;
  out.scale_ = scale;
  for (const auto& image : images) out.add_image(image, downscales);
  out.files_ = images.size();
  if (out.pairs_.empty()) throw Error("none of the training images could be used");
  out.finish();
  return out;
}

namespace {
// Copies `src` (p×p window at x0, y0) into dst with dihedral transform `t` (0..7): bit 0
// flips horizontally, bit 1 flips vertically, bit 2 transposes.
void copy_transformed(const cv::Mat& src, int x0, int y0, int p, int t, float* dst) {
  for (int y = 0; y < p; ++y)
    for (int x = 0; x < p; ++x) {
      int sx = x, sy = y;
      if (t & 4) std::swap(sx, sy);
      if (t & 1) sx = p - 1 - sx;
      if (t & 2) sy = p - 1 - sy;
      dst[y * p + x] = src.at<float>(y0 + sy, x0 + sx);
    }
}
}  // namespace

void PatchDataset::sample(std::mt19937& rng, int batch, int lr_patch, Tensor& lr, Tensor& hr) const {
  const int s = scale_, hp = lr_patch * s;
  if (lr.empty() || !(lr.shape() == Shape{batch, 1, lr_patch, lr_patch})) lr = Tensor(Shape{batch, 1, lr_patch, lr_patch});
  if (hr.empty() || !(hr.shape() == Shape{batch, 1, hp, hp})) hr = Tensor(Shape{batch, 1, hp, hp});
  std::uniform_real_distribution<double> pick(0.0, cumulative_area_.back());
  std::uniform_int_distribution<int> transform(0, 7);
  for (int b = 0; b < batch; ++b) {
    // Redraw pairs too small for the patch (rare: only tiny images at small downscales).
    const Pair* pair = nullptr;
    for (int attempt = 0; attempt < 1000 && pair == nullptr; ++attempt) {
      const size_t i = static_cast<size_t>(std::upper_bound(cumulative_area_.begin(), cumulative_area_.end(), pick(rng)) -
                                           cumulative_area_.begin());
      const Pair& candidate = pairs_[std::min(i, pairs_.size() - 1)];
      if (candidate.lr_y.rows >= lr_patch && candidate.lr_y.cols >= lr_patch) pair = &candidate;
    }
    if (pair == nullptr) throw Error("no training image is large enough for " + std::to_string(lr_patch) + "-pixel patches");
    const int x = std::uniform_int_distribution<int>(0, pair->lr_y.cols - lr_patch)(rng);
    const int y = std::uniform_int_distribution<int>(0, pair->lr_y.rows - lr_patch)(rng);
    const int t = transform(rng);
    copy_transformed(pair->lr_y, x, y, lr_patch, t, lr.plane(b, 0));
    copy_transformed(pair->hr_y, x * s, y * s, hp, t, hr.plane(b, 0));
  }
}

}  // namespace upsample::train
