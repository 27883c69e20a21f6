#include "io/flatten_alpha.hpp"

#include <vector>

#include "tensor/error.hpp"

namespace upsample::io {

cv::Mat flatten_alpha(const cv::Mat& bgra, const BackgroundColour& background) {
  if (bgra.channels() != 4 || (bgra.depth() != CV_8U && bgra.depth() != CV_16U))
    throw Error("flatten_alpha: needs an 8- or 16-bit BGRA image");
  const double full = bgra.depth() == CV_8U ? 255.0 : 65535.0;
  std::vector<cv::Mat> planes;
  cv::split(bgra, planes);
  cv::Mat opacity;
  planes[3].convertTo(opacity, CV_32F, 1.0 / full);
  const cv::Mat transparency = 1.0 - opacity;
  // In the image's own levels: 8-bit 255 is 16-bit 65535.
  const double scale = full / 255.0;
  const double behind[3] = {background.blue * scale, background.green * scale, background.red * scale};
  std::vector<cv::Mat> flat(3);
  for (int c = 0; c < 3; ++c) {
    cv::Mat colour;
    planes[static_cast<size_t>(c)].convertTo(colour, CV_32F);
    const cv::Mat blended = colour.mul(opacity) + transparency * behind[c];
    blended.convertTo(flat[static_cast<size_t>(c)], bgra.depth());  // rounded and clamped
  }
  cv::Mat out;
  cv::merge(flat, out);
  return out;
}

}  // namespace upsample::io
