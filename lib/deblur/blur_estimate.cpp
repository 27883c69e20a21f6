#include "deblur/blur_estimate.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

#include "pipeline/colour.hpp"
#include "pipeline/tiling.hpp"
#include "tensor/error.hpp"

namespace upsample::deblur {

train::BlurCode estimate_blur_code(const models::Model& estimator, const cv::Mat& y) {
  if (y.type() != CV_32FC1 || y.empty()) throw Error("blur estimate: expects a non-empty Y plane (CV_32FC1)");
  const int rows = std::min(y.rows, kEstimateRegion), cols = std::min(y.cols, kEstimateRegion);
  const cv::Mat region = y(cv::Rect((y.cols - cols) / 2, (y.rows - rows) / 2, cols, rows)).clone();
  return estimate_blur_codes(estimator, pipeline::mat_to_tensor(region)).front();
}

train::BlurCode estimate_image_blur(const models::Model& estimator, const cv::Mat& image) {
  if (image.empty()) throw Error("blur estimate: empty image");
  cv::Mat colour = image;
  if (image.channels() == 4) cv::cvtColor(image, colour, cv::COLOR_BGRA2BGR);
  if (colour.channels() != 1 && colour.channels() != 3)
    throw Error("blur estimate: expects a grey, BGR or BGRA image, not " + std::to_string(image.channels()) + " channels");
  const cv::Mat unit = pipeline::to_unit_float(colour);
  if (unit.channels() == 1) return estimate_blur_code(estimator, pipeline::grey_to_y(unit));
  cv::Mat y, cb, cr;
  pipeline::bgr_to_ycbcr(unit, y, cb, cr);
  return estimate_blur_code(estimator, y);
}

std::vector<train::BlurCode> estimate_blur_codes(const models::Model& estimator, const Tensor& images) {
  const Tensor cells = estimator.forward(images);
  if (cells.shape().c() != train::kBlurCodeSize)
    throw Error("blur estimate: the " + estimator.arch() + " model gives " + std::to_string(cells.shape().c()) +
                " planes, not the " + std::to_string(train::kBlurCodeSize) + " of a blur code");
  std::vector<train::BlurCode> codes(static_cast<size_t>(cells.shape().n()));
  const int64_t area = cells.shape().h() * cells.shape().w();
  for (int64_t n = 0; n < cells.shape().n(); ++n)
    for (int k = 0; k < train::kBlurCodeSize; ++k) {
      double sum = 0;
      const float* plane = cells.plane(n, k);
      for (int64_t i = 0; i < area; ++i) sum += static_cast<double>(plane[i]);
      codes[static_cast<size_t>(n)][static_cast<size_t>(k)] = static_cast<float>(sum / static_cast<double>(area));
    }
  return codes;
}

}  // namespace upsample::deblur
