#pragma once
// Telling the blur from the image: a blur-estimator model (models/blur_estimator.cpp)
// gives a blur code (imaging::blur_code) for every 16×16 cell. A flat cell shows no blur
// and reads about the training prior, so the image's blur is the cells' mean weighted
// by their gradient energy; and, as the estimator is not exactly equivariant, that is
// averaged over the image's eight flips and 90° rotations, each code turned back (which
// cuts the error of the code; weights/HISTORY.md has the measurement). Used by a
// deblurring network told the blur when the user does not know it.
#include <vector>

#include <opencv2/core.hpp>

#include "models/model.hpp"
#include "imaging/blur_kernels.hpp"

namespace upsample::deblur {

// The blur of `y` (CV_32FC1 in [0, 1]), assumed the same all over the image: read from
// the estimator's cells over the central region of at most kEstimateRegion² pixels,
// which bounds the time and memory for large photos.
constexpr int kEstimateRegion = 768;
imaging::BlurCode estimate_blur_code(const models::Model& estimator, const cv::Mat& y);
// The same for a photo: 8- or 16-bit, grey, BGR or BGRA (alpha ignored); read on its Y,
// which blur_luma gives (CV_32FC1 in [0, 1]).
cv::Mat blur_luma(const cv::Mat& image);
imaging::BlurCode estimate_image_blur(const models::Model& estimator, const cv::Mat& image);

// One code per image of a [N, 1, H, W] batch, read as above: what the trainer tells a
// network taught on estimated blurs.
std::vector<imaging::BlurCode> estimate_blur_codes(const models::Model& estimator, const Tensor& images);

// The parts, exposed for tests: each cell's mean squared gradient (rows × cols cells of
// 16×16 pixels of `y`; the last row and column take the remainder), and the mean of
// image n's cell codes with those weights.
std::vector<double> cell_weights(const cv::Mat& y, int rows, int cols);
imaging::BlurCode weighted_cell_code(const Tensor& cells, int64_t n, const std::vector<double>& weights);

}  // namespace upsample::deblur
