#pragma once
#include <optional>

#include <opencv2/core.hpp>

#include "pipeline/method_registry.hpp"

namespace upsample::pipeline {

// Upscales any image the tool loads (8/16-bit, grey, BGR, BGRA): colour goes through
// `upscaler`, alpha is upscaled separately with bicubic so it is never dropped.
// `facts` (what the image's file tells) and `notes` (what the method chose) go to
// Upscaler::upscale_photo.
cv::Mat upscale_image(const cv::Mat& image, const Upscaler& upscaler, const ImageFacts& facts = {},
                      UpscaleNotes* notes = nullptr);

// upscale_image made band by band as it is written (Upscaler::upscale_in_rows), when the
// method can and the image has no alpha; nullopt otherwise. `image` must outlive it.
std::optional<io::ImageInRows> upscale_image_in_rows(const cv::Mat& image, const Upscaler& upscaler,
                                                     const ImageFacts& facts = {}, UpscaleNotes* notes = nullptr);

}  // namespace upsample::pipeline
