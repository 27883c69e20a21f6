#include "deblur/blur_estimate.hpp"

#include <algorithm>

#include "pipeline/tiling.hpp"
#include "tensor/error.hpp"

namespace upsample::deblur {

train::BlurCode estimate_blur_code(const models::Model& estimator, const cv::Mat& y) {
  if (y.type() != CV_32FC1 || y.empty()) throw Error("blur estimate: expects a non-empty Y plane (CV_32FC1)");
  const int rows = std::min(y.rows, kEstimateRegion), cols = std::min(y.cols, kEstimateRegion);
  const cv::Mat region = y(cv::Rect((y.cols - cols) / 2, (y.rows - rows) / 2, cols, rows)).clone();
  const Tensor cells = estimator.forward(pipeline::mat_to_tensor(region));
  if (cells.shape().c() != train::kBlurCodeSize)
    throw Error("blur estimate: the " + estimator.arch() + " model gives " + std::to_string(cells.shape().c()) +
                " planes, not the " + std::to_string(train::kBlurCodeSize) + " of a blur code");
  train::BlurCode code{};
  const int64_t area = cells.shape().h() * cells.shape().w();
  for (int k = 0; k < train::kBlurCodeSize; ++k) {
    double sum = 0;
    const float* plane = cells.plane(0, k);
    for (int64_t i = 0; i < area; ++i) sum += static_cast<double>(plane[i]);
    code[static_cast<size_t>(k)] = static_cast<float>(sum / static_cast<double>(area));
  }
  return code;
}

}  // namespace upsample::deblur
