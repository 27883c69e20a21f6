#pragma once
// Telling the blur from the image: a blur-estimator model (models/blur_estimator.cpp)
// gives a blur code (train::blur_code) for every 16×16 cell; the image's blur is their
// mean. Used by a deblurring network told the blur when the user does not know it.
#include <vector>

#include <opencv2/core.hpp>

#include "models/model.hpp"
#include "train/blur_kernels.hpp"

namespace upsample::deblur {

// The blur of `y` (CV_32FC1 in [0, 1]), assumed the same all over the image: the mean of
// the estimator's cells over the central region of at most kEstimateRegion² pixels,
// which bounds the time and memory for large photos.
constexpr int kEstimateRegion = 768;
train::BlurCode estimate_blur_code(const models::Model& estimator, const cv::Mat& y);
// The same for a photo: 8- or 16-bit, grey, BGR or BGRA (alpha ignored); read on its Y.
train::BlurCode estimate_image_blur(const models::Model& estimator, const cv::Mat& image);

// One code per image of a [N, 1, H, W] batch (each the mean of its cells): what the
// trainer tells a network taught on estimated blurs.
std::vector<train::BlurCode> estimate_blur_codes(const models::Model& estimator, const Tensor& images);

}  // namespace upsample::deblur
