#include "train/damaged_patches.hpp"
#include "train/patch_dataset.hpp"

#include <algorithm>
#include <exception>
#include <mutex>

#include <opencv2/imgproc.hpp>

#include "imaging/colour.hpp"
#include "io/image_io.hpp"
#include "tensor/error.hpp"

namespace upsample::train {

namespace fs = std::filesystem;

namespace {

// JPEG codes 8×8 blocks of Y and, with 4:2:0 chroma, 16×16 blocks of colour.
constexpr int kJpegGrid = 16;

// 8-bit BGR, as cv::IMREAD_COLOR reads a file: 16 bits scaled down, grey repeated, alpha dropped.
cv::Mat as_bgr_u8(const cv::Mat& image) {
  cv::Mat out = image;
  if (out.depth() == CV_16U) out.convertTo(out, CV_8U, 1.0 / 257.0);
  if (out.depth() != CV_8U) throw Error("expected an 8- or 16-bit image");
  if (out.channels() == 1) cv::cvtColor(out, out, cv::COLOR_GRAY2BGR);
  else if (out.channels() == 4) cv::cvtColor(out, out, cv::COLOR_BGRA2BGR);
  else if (out.channels() != 3) throw Error("expected a grey, BGR or BGRA image");
  return out;
}

// The image and its downscaled copies (MATLAB bicubic, rounded to 8 bits), as
// PatchDataset augments; copies smaller than two LR pixels are left out.
std::vector<cv::Mat> with_downscaled_copies(const cv::Mat& image, int scale, const std::vector<double>& downscales) {
  std::vector<cv::Mat> copies = downscaled_copies(as_bgr_u8(image), downscales);
  std::erase_if(copies, [&](const cv::Mat& copy) { return copy.rows < 2 * scale || copy.cols < 2 * scale; });
  return copies;
}

// One of the eight flips/rotations, numbered as PatchDataset numbers them: bit 0 flips
// horizontally, bit 1 vertically, bit 2 transposes. `square` must be square.
cv::Mat dihedral(const cv::Mat& square, int transform) {
  cv::Mat out;
  const bool horizontal = transform & 1, vertical = transform & 2;
  if (horizontal || vertical)
    cv::flip(square, out, horizontal && vertical ? -1 : horizontal ? 1 : 0);
  else
    out = square.clone();
  if (transform & 4) cv::transpose(out, out);
  return out;
}

// The Y (MATLAB rgb2ycbcr, [0, 1]) of an 8-bit BGR image into a dense plane.
void copy_y(const cv::Mat& bgr_u8, float* plane) {
  const cv::Mat y = imaging::luma_of(bgr_u8);
  y.copyTo(cv::Mat(y.rows, y.cols, CV_32F, plane));
}

}  // namespace

// Everything about one patch that is drawn from the caller's generator, so the batch can
// be made in parallel and still depend only on that generator.
struct DamagedPatchSampler::PatchPlan {
  size_t image = 0;
  int x = 0, y = 0;              // the window's top-left corner in the HR image
  int transform = 0;             // dihedral, 0..7
  int phase_x = 0, phase_y = 0;  // extra LR margin left and above: the JPEG grid's phase
  uint32_t seed = 0;             // for the damage
};

void DamagedPatchSampler::add_image(const cv::Mat& image, const std::vector<double>& downscales) {
  for (cv::Mat& copy : with_downscaled_copies(image, options_.scale, downscales)) images_.push_back(std::move(copy));
}

void DamagedPatchSampler::finish() {
  if (images_.empty()) throw Error("none of the training images could be used");
  cumulative_area_.clear();
  double total = 0;
  for (const cv::Mat& image : images_) {
    total += static_cast<double>(image.total());
    cumulative_area_.push_back(total);
  }
}

DamagedPatchSampler DamagedPatchSampler::build(const DamagedPatchOptions& options,
                                               const std::function<void(const std::string&)>& log) {
  if (options.scale < 1) throw Error("damaged patches: the scale must be at least 1");
  imaging::check_random_damage(options.damage);
  const std::vector<fs::path> files = training_image_files(options.folders);

  // Each file on its own in parallel (MATLAB bicubic in double is the slow part), then
  // gathered in file order so the sampler does not depend on thread timing.
  std::vector<std::vector<cv::Mat>> parts(files.size());
  std::mutex log_mutex;
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t i = 0; i < files.size(); ++i) {
    try {
      parts[i] = with_downscaled_copies(io::load_image(files[i]), options.scale, options.downscales);
      if (parts[i].empty()) throw Error(files[i].string() + ": too small for scale " + std::to_string(options.scale));
    } catch (const std::exception& e) {
      std::lock_guard lock(log_mutex);
      log(std::string(e.what()) + " (skipped)");
    }
  }
  DamagedPatchSampler out(options);
  for (auto& part : parts) {
    if (!part.empty()) ++out.files_;
    for (auto& image : part) out.images_.push_back(std::move(image));
  }
  out.finish();
  return out;
}

DamagedPatchSampler DamagedPatchSampler::from_images(const std::vector<cv::Mat>& images,
                                                     const DamagedPatchOptions& options) {
  if (options.scale < 1) throw Error("damaged patches: the scale must be at least 1");
  imaging::check_random_damage(options.damage);
  DamagedPatchSampler out(options);
  for (const cv::Mat& image : images) out.add_image(image, options.downscales);
  out.files_ = images.size();
  out.finish();
  return out;
}

std::vector<DamagedPatchSampler::PatchPlan> DamagedPatchSampler::plan_patches(std::mt19937& rng, int batch,
                                                                              int hr_window) const {
  std::uniform_real_distribution<double> pick(0.0, cumulative_area_.back());
  std::vector<PatchPlan> plans(static_cast<size_t>(batch));
  for (PatchPlan& plan : plans) {
    // Redraw images too small for the window (only tiny images at small downscales).
    bool found = false;
    for (int attempt = 0; attempt < 1000 && !found; ++attempt) {
      const auto at = std::upper_bound(cumulative_area_.begin(), cumulative_area_.end(), pick(rng));
      plan.image = std::min(static_cast<size_t>(at - cumulative_area_.begin()), images_.size() - 1);
      found = images_[plan.image].rows >= hr_window && images_[plan.image].cols >= hr_window;
    }
    if (!found)
      throw Error("no training image is large enough for these patches with their margins (" +
                  std::to_string(hr_window) + " HR pixels square)");
    const cv::Mat& image = images_[plan.image];
    plan.x = std::uniform_int_distribution<int>(0, image.cols - hr_window)(rng);
    plan.y = std::uniform_int_distribution<int>(0, image.rows - hr_window)(rng);
    plan.transform = std::uniform_int_distribution<int>(0, 7)(rng);
    plan.phase_x = std::uniform_int_distribution<int>(0, kJpegGrid - 1)(rng);
    plan.phase_y = std::uniform_int_distribution<int>(0, kJpegGrid - 1)(rng);
    plan.seed = static_cast<uint32_t>(rng());
  }
  return plans;
}

void DamagedPatchSampler::make_patch(const PatchPlan& plan, int window, int margin, int lr_patch, float* lr_plane,
                                     float* hr_plane, imaging::DamageDrawn& drawn) const {
  const int s = options_.scale;
  const cv::Mat clean = dihedral(images_[plan.image](cv::Rect(plan.x, plan.y, window * s, window * s)), plan.transform);
  std::mt19937 rng(plan.seed);
  const cv::Mat damaged = imaging::random_damaged_lr(clean, s, options_.damage, rng, &drawn);
  const int x = margin + plan.phase_x, y = margin + plan.phase_y;
  copy_y(damaged(cv::Rect(x, y, lr_patch, lr_patch)), lr_plane);
  copy_y(clean(cv::Rect(x * s, y * s, lr_patch * s, lr_patch * s)), hr_plane);
}

void DamagedPatchSampler::sample(std::mt19937& rng, int batch, int lr_patch, Tensor& lr, Tensor& hr,
                                 std::vector<imaging::DamageDrawn>* drawn) const {
  if (batch < 1 || lr_patch < 1) throw Error("damaged patches: the batch and the patch size must be at least 1");
  const int s = options_.scale, hp = lr_patch * s;
  const int margin = imaging::random_damage_margin(s, options_.damage);
  // Room for the margin on every side plus a phase of up to one JPEG block, in whole
  // blocks so the encoder never pads a partial one.
  const int needed = lr_patch + 2 * margin + kJpegGrid - 1;
  const int window = (needed + kJpegGrid - 1) / kJpegGrid * kJpegGrid;
  const Shape lr_shape{batch, 1, lr_patch, lr_patch}, hr_shape{batch, 1, hp, hp};
  if (lr.empty() || !(lr.shape() == lr_shape)) lr = Tensor(lr_shape);
  if (hr.empty() || !(hr.shape() == hr_shape)) hr = Tensor(hr_shape);
  const std::vector<PatchPlan> plans = plan_patches(rng, batch, window * s);
  std::vector<imaging::DamageDrawn> drawn_here(static_cast<size_t>(batch));
  std::exception_ptr failure;
  std::mutex failure_mutex;
  // JPEG coding dominates and each patch is independent: one patch per thread at a time.
#pragma omp parallel for schedule(dynamic, 1)
  for (int b = 0; b < batch; ++b) {
    try {
      make_patch(plans[static_cast<size_t>(b)], window, margin, lr_patch, lr.plane(b, 0), hr.plane(b, 0),
                 drawn_here[static_cast<size_t>(b)]);
    } catch (...) {
      std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  if (drawn) *drawn = std::move(drawn_here);
}

}  // namespace upsample::train
