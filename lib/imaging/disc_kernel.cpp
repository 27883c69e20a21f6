#include "imaging/disc_kernel.hpp"

#include <cmath>
#include <numbers>
#include <string>

#include "imaging/blur_kernels.hpp"
#include "tensor/error.hpp"

namespace upsample::imaging {

cv::Mat disc_kernel(double radius) {
  if (!(radius > 0) || radius > 50) throw Error("disc blur: the radius must be in (0, 50], not " + std::to_string(radius));
  // A pixel whose centre is d px from the centre has some of it inside when d − 0.5·√2 < radius.
  const int r = static_cast<int>(std::ceil(radius + 0.5 * std::numbers::sqrt2));
  constexpr int kSamples = 16;  // per pixel side; symmetric about the pixel's centre
  const double r2 = radius * radius;
  cv::Mat kernel(2 * r + 1, 2 * r + 1, CV_32F);
  for (int y = -r; y <= r; ++y)
    for (int x = -r; x <= r; ++x) {
      int inside = 0;
      for (int j = 0; j < kSamples; ++j)
        for (int i = 0; i < kSamples; ++i) {
          const double sx = x + (i + 0.5) / kSamples - 0.5, sy = y + (j + 0.5) / kSamples - 0.5;
          inside += sx * sx + sy * sy <= r2;
        }
      kernel.at<float>(y + r, x + r) = static_cast<float>(inside);
    }
  // A disc too small to hold a sample is a point.
  if (cv::sum(kernel)[0] == 0) kernel.at<float>(r, r) = 1;
  return trim_kernel(kernel / cv::sum(kernel)[0]);
}

}  // namespace upsample::imaging
