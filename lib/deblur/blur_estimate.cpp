#include "deblur/blur_estimate.hpp"

#include <algorithm>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "imaging/colour.hpp"
#include "pipeline/self_ensemble.hpp"
#include "pipeline/tiling.hpp"
#include "tensor/error.hpp"

namespace upsample::deblur {

namespace {

constexpr int kCell = 16;  // input pixels per estimator cell, each way

cv::Mat plane_view(const Tensor& images, int64_t n) {
  return cv::Mat(static_cast<int>(images.shape().h()), static_cast<int>(images.shape().w()), CV_32F,
                 const_cast<float*>(images.plane(n, 0)));
}

// Transform `t` of every image in a [N, 1, H, W] batch (pipeline::dihedral_transform).
Tensor transform_batch(const Tensor& images, int t) {
  const Shape& s = images.shape();
  const bool transposed = (t & 4) != 0;
  Tensor out(Shape{s.n(), 1, transposed ? s.w() : s.h(), transposed ? s.h() : s.w()});
  for (int64_t n = 0; n < s.n(); ++n)
    pipeline::dihedral_transform(plane_view(images, n), t).copyTo(plane_view(out, n));
  return out;
}

// The code an image's transform `t` reads, in the image's own frame: a transpose swaps
// Σxx and Σyy, and each flip mirrors the streak, negating Σxy.
imaging::BlurCode untransformed_code(imaging::BlurCode code, int t) {
  if (((t & 1) != 0) != ((t & 2) != 0)) code[2] = -code[2];
  if (t & 4) std::swap(code[0], code[1]);
  return code;
}

}  // namespace

std::vector<double> cell_weights(const cv::Mat& y, int rows, int cols) {
  if (y.type() != CV_32FC1) throw Error("blur estimate: cell weights expect a CV_32FC1 plane");
  std::vector<double> energy(static_cast<size_t>(rows) * static_cast<size_t>(cols), 0.0);
  std::vector<int> count(energy.size(), 0);
  for (int r = 0; r + 1 < y.rows; ++r) {
    const float* row = y.ptr<float>(r);
    const float* below = y.ptr<float>(r + 1);
    const int cell_row = std::min(r / kCell, rows - 1);
    for (int c = 0; c + 1 < y.cols; ++c) {
      const double dx = row[c + 1] - row[c], dy = below[c] - row[c];
      const size_t i = static_cast<size_t>(cell_row) * static_cast<size_t>(cols) +
                       static_cast<size_t>(std::min(c / kCell, cols - 1));
      energy[i] += dx * dx + dy * dy;
      ++count[i];
    }
  }
  // The floor keeps a blank image's estimate the plain mean instead of 0 / 0.
  for (size_t i = 0; i < energy.size(); ++i) energy[i] = (count[i] ? energy[i] / count[i] : 0.0) + 1e-12;
  return energy;
}

imaging::BlurCode weighted_cell_code(const Tensor& cells, int64_t n, const std::vector<double>& weights) {
  const int64_t area = cells.shape().h() * cells.shape().w();
  if (static_cast<int64_t>(weights.size()) != area) throw Error("blur estimate: one weight per cell expected");
  double total = 0;
  for (const double w : weights) total += w;
  imaging::BlurCode code{};
  for (int k = 0; k < imaging::kBlurCodeSize; ++k) {
    double sum = 0;
    const float* plane = cells.plane(n, k);
    for (int64_t i = 0; i < area; ++i) sum += weights[static_cast<size_t>(i)] * static_cast<double>(plane[i]);
    code[static_cast<size_t>(k)] = static_cast<float>(sum / total);
  }
  return code;
}

imaging::BlurCode estimate_blur_code(const models::Model& estimator, const cv::Mat& y) {
  if (y.type() != CV_32FC1 || y.empty()) throw Error("blur estimate: expects a non-empty Y plane (CV_32FC1)");
  const int rows = std::min(y.rows, kEstimateRegion), cols = std::min(y.cols, kEstimateRegion);
  const cv::Mat region = y(cv::Rect((y.cols - cols) / 2, (y.rows - rows) / 2, cols, rows)).clone();
  return estimate_blur_codes(estimator, pipeline::mat_to_tensor(region)).front();
}

cv::Mat blur_luma(const cv::Mat& image) {
  if (image.empty()) throw Error("blur estimate: empty image");
  cv::Mat colour = image;
  if (image.channels() == 4) cv::cvtColor(image, colour, cv::COLOR_BGRA2BGR);
  if (colour.channels() != 1 && colour.channels() != 3)
    throw Error("blur estimate: expects a grey, BGR or BGRA image, not " + std::to_string(image.channels()) + " channels");
  return imaging::luma_of(colour);
}

imaging::BlurCode estimate_image_blur(const models::Model& estimator, const cv::Mat& image) {
  return estimate_blur_code(estimator, blur_luma(image));
}

std::vector<imaging::BlurCode> estimate_blur_codes(const models::Model& estimator, const Tensor& images) {
  if (images.shape().c() != 1) throw Error("blur estimate: expects one Y plane per image");
  std::vector<imaging::BlurCode> codes(static_cast<size_t>(images.shape().n()), imaging::BlurCode{});
  for (int t = 0; t < pipeline::kDihedralTransforms; ++t) {
    const Tensor turned = transform_batch(images, t);
    const Tensor cells = estimator.forward(turned);
    if (cells.shape().c() != imaging::kBlurCodeSize)
      throw Error("blur estimate: the " + estimator.arch() + " model gives " + std::to_string(cells.shape().c()) +
                  " planes, not the " + std::to_string(imaging::kBlurCodeSize) + " of a blur code");
    for (int64_t n = 0; n < images.shape().n(); ++n) {
      const auto weights = cell_weights(plane_view(turned, n), static_cast<int>(cells.shape().h()),
                                        static_cast<int>(cells.shape().w()));
      const imaging::BlurCode code = untransformed_code(weighted_cell_code(cells, n, weights), t);
      for (int k = 0; k < imaging::kBlurCodeSize; ++k)
        codes[static_cast<size_t>(n)][static_cast<size_t>(k)] += code[static_cast<size_t>(k)] / pipeline::kDihedralTransforms;
    }
  }
  return codes;
}

}  // namespace upsample::deblur
