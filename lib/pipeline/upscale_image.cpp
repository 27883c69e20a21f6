#include "pipeline/upscale_image.hpp"

#include <opencv2/imgproc.hpp>

#include "tensor/error.hpp"

namespace upsample::pipeline {

cv::Mat upscale_image(const cv::Mat& image, const Upscaler& upscaler, const ImageFacts& facts, UpscaleNotes* notes) {
  if (image.empty()) throw Error("cannot upscale an empty image");
  if (image.channels() != 4) return upscaler.upscale_photo(image, facts, notes);
  cv::Mat colour, alpha;
  cv::cvtColor(image, colour, cv::COLOR_BGRA2BGR);
  cv::extractChannel(image, alpha, 3);
  const cv::Mat colour_up = upscaler.upscale_photo(colour, facts, notes);
  // To the colour's size: s times the input's for a whole scale, the asked size for a
  // sized upscaler (sized_upscaler.hpp).
  cv::Mat alpha_up;
  cv::resize(alpha, alpha_up, colour_up.size(), 0, 0, cv::INTER_CUBIC);
  cv::Mat out;
  cv::merge(std::vector<cv::Mat>{colour_up, alpha_up}, out);
  return out;
}

}  // namespace upsample::pipeline
