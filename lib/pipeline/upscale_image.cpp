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
  cv::Mat colour_up = upscaler.upscale_photo(colour, facts, notes);
  colour.release();
  // The result is filled part by part, each upscaled part let go once it is in: beside
  // the result only one of them is held at a time, not both.
  cv::Mat out(colour_up.size(), CV_MAKETYPE(colour_up.depth(), 4));
  cv::mixChannels(std::vector<cv::Mat>{colour_up}, std::vector<cv::Mat>{out}, {0, 0, 1, 1, 2, 2});
  colour_up.release();
  // To the colour's size: s times the input's for a whole scale, the asked size for a
  // sized upscaler (sized_upscaler.hpp).
  cv::Mat alpha_up;
  cv::resize(alpha, alpha_up, out.size(), 0, 0, cv::INTER_CUBIC);
  cv::mixChannels(std::vector<cv::Mat>{alpha_up}, std::vector<cv::Mat>{out}, {0, 3});
  return out;
}

std::optional<io::ImageInRows> upscale_image_in_rows(const cv::Mat& image, const Upscaler& upscaler,
                                                     const ImageFacts& facts, UpscaleNotes* notes) {
  if (image.empty() || image.channels() == 4) return std::nullopt;
  return upscaler.upscale_in_rows(image, facts, notes);
}

}  // namespace upsample::pipeline
