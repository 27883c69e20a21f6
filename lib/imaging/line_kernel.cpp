#include "imaging/line_kernel.hpp"

#include <cmath>
#include <numbers>
#include <string>

#include <opencv2/imgproc.hpp>

#include "imaging/blur_kernels.hpp"
#include "tensor/error.hpp"

namespace upsample::imaging {

cv::Mat line_kernel(double length, double angle_degrees, bool anti_aliased) {
  if (!(length >= 1) || length > 201) throw Error("line blur: length must be in [1, 201], not " + std::to_string(length));
  if (!std::isfinite(angle_degrees)) throw Error("line blur: the angle is not a number");
  const double half = (length - 1) / 2, angle = angle_degrees * std::numbers::pi / 180.0;
  const double dx = half * std::cos(angle), dy = -half * std::sin(angle);  // image y points down
  // One spare pixel beyond each end: an anti-aliased end spills into it.
  const int r = static_cast<int>(std::ceil(half)) + 1;
  // OpenCV anti-aliases only 8-bit images (on float ones LINE_AA falls back to LINE_8).
  cv::Mat canvas = cv::Mat::zeros(2 * r + 1, 2 * r + 1, CV_8U);
  if (anti_aliased) {
    constexpr int kShift = 8;  // endpoints in 1/256 px
    constexpr double kOne = 1 << kShift;
    const cv::Point a(static_cast<int>(std::lround((r + dx) * kOne)), static_cast<int>(std::lround((r + dy) * kOne)));
    const cv::Point b(static_cast<int>(std::lround((r - dx) * kOne)), static_cast<int>(std::lround((r - dy) * kOne)));
    cv::line(canvas, a, b, cv::Scalar(255), 1, cv::LINE_AA, kShift);
  } else {
    // Whole-pixel endpoints, as a script passing ints to cv2.line draws; lround is
    // symmetric about zero, so the ends stay symmetric about the centre.
    const long ex = std::lround(dx), ey = std::lround(dy);
    const cv::Point a(r + static_cast<int>(ex), r + static_cast<int>(ey)), b(r - static_cast<int>(ex), r - static_cast<int>(ey));
    cv::line(canvas, a, b, cv::Scalar(255), 1, cv::LINE_8);
  }
  cv::Mat kernel;
  canvas.convertTo(kernel, CV_32F);
  return trim_kernel(kernel / cv::sum(kernel)[0]);
}

}  // namespace upsample::imaging
