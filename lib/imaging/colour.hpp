#pragma once
// Colour handling for learned models: BT.601 YCbCr exactly as MATLAB's rgb2ycbcr (the
// convention SR papers train and evaluate with), on float images in [0, 1].
#include <opencv2/core.hpp>

namespace upsample::imaging {

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

}  // namespace upsample::imaging
