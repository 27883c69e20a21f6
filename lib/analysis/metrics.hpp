#pragma once
// Image-quality metrics of the standard super-resolution protocol (DESIGN §4): PSNR and
// SSIM on the BT.601 luma (Y) channel of 8-bit images, as the MATLAB scripts behind the
// published tables compute them.
//
// Inputs are CV_8U, grey (1 channel), BGR (3) or BGRA (4, alpha ignored). A grey image is
// taken to be Y already and passes through unchanged: the benchmark's grey image (Set14
// bridge) is scored on its own values, as the papers' scripts do (they convert only 3-channel
// images), and a Y-only SR result can be scored against a colour HR. Both images of a pair
// must have the same size; an SR image is either grey (= Y) or has the HR's channel count
// (a colour SR against a grey HR is refused: its Y would not be comparable).
#include <opencv2/core.hpp>

namespace upsample::analysis {

// MATLAB rgb2ycbcr's Y on uint8: round(16 + (65.481 R + 128.553 G + 24.966 B)/255) with
// R, G, B in 0..255 (OpenCV order BGR). Returns CV_8UC1.
cv::Mat rgb_to_y_u8(const cv::Mat& bgr_or_grey_u8);

// PSNR in dB over Y with `shave` pixels removed on every side; peak 255, MSE in double.
// Identical images give +infinity.
double psnr_y(const cv::Mat& sr_u8, const cv::Mat& hr_u8, int shave);

// SSIM over Y with `shave` pixels removed on every side, as Wang et al.'s ssim.m: 11×11
// Gaussian window (σ 1.5), K1 0.01, K2 0.03, L 255, "valid" region, mean of the map.
// The shaved image must be at least 11×11.
double ssim_y(const cv::Mat& sr_u8, const cv::Mat& hr_u8, int shave);

struct PsnrSsim {
  double psnr = 0.0;
  double ssim = 0.0;
};

// Scores an SR result against its ground truth the way the papers do: HR cropped to a
// multiple of scale (top-left), SR must have that cropped size, scale pixels shaved.
PsnrSsim evaluate_pair(const cv::Mat& sr_bgr_or_grey_u8, const cv::Mat& hr_u8, int scale);

// The bicubic row of the published tables, made as SRCNN's and FSRCNN's test code makes
// it: Y of the uint8 HR (rgb2ycbcr, rounded), cropped to a multiple of scale, imresize'd
// down by 1/scale and back up by scale in floating point with the LR left unrounded, then
// rounded to 8 bits. Returns CV_8UC1 of the cropped HR's size; score it with
// evaluate_pair(result, hr_u8, scale). This reproduces the Set5 and BSD100 bicubic numbers;
// going through an 8-bit LR instead costs about 0.02 dB (Set5 ×2: 33.64, not 33.66).
cv::Mat bicubic_baseline_y(const cv::Mat& hr_u8, int scale);

}  // namespace upsample::analysis
