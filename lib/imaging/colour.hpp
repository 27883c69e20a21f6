#pragma once
// Colour handling for learned models: BT.601 YCbCr exactly as MATLAB's rgb2ycbcr (the
// convention SR papers train and evaluate with), on float images in [0, 1].
#include <functional>

#include <opencv2/core.hpp>

namespace upsample::imaging {

// MATLAB rgb2ycbcr's luma row, the one place these numbers live: in 8-bit levels,
// Y = 16 + 65.481·R + 128.553·G + 24.966·B for R, G, B in [0, 1].
inline constexpr double kLumaOffset = 16.0;
inline constexpr double kLumaFromR = 65.481, kLumaFromG = 128.553, kLumaFromB = 24.966;

// 8- or 16-bit image → CV_32F in [0, 1] with the same channels.
cv::Mat to_unit_float(const cv::Mat& image);
// CV_32F in [0, 1] → `depth` (CV_8U or CV_16U), rounded and clamped.
cv::Mat from_unit_float(const cv::Mat& image, int depth);

// BGR (CV_32FC3, [0, 1]) → Y, Cb, Cr planes (CV_32FC1, [0, 1]; Y spans 16/255 … 235/255).
void bgr_to_ycbcr(const cv::Mat& bgr, cv::Mat& y, cv::Mat& cb, cv::Mat& cr);
// The exact inverse of bgr_to_ycbcr.
cv::Mat ycbcr_to_bgr(const cv::Mat& y, const cv::Mat& cb, const cv::Mat& cr);
// A grey level as the Y of the equal-RGB colour, and back.
cv::Mat grey_to_y(const cv::Mat& grey);
cv::Mat y_to_grey(const cv::Mat& y);

// The Y plane ([0, 1]) of a grey or BGR image, 8-bit, 16-bit or already in [0, 1].
cv::Mat luma_of(const cv::Mat& image);
// `on_y` applied to the Y of a grey or BGR image in [0, 1], returned as the same kind of
// image. Colour keeps its Cb and Cr, resized (bicubic) if `on_y` changed the size: by
// cubic_upscale for a whole factor, so a tile's chroma is the whole image's.
cv::Mat map_luma(const cv::Mat& unit, const std::function<cv::Mat(const cv::Mat&)>& on_y);

}  // namespace upsample::imaging
