#include "deblur/blur_reading.hpp"

#include <algorithm>
#include <cmath>

#include "deblur/blind_kernel.hpp"
#include "deblur/blur_estimate.hpp"
#include "deblur/streak_fit.hpp"
#include "imaging/blur_kernels.hpp"

namespace upsample::deblur {

namespace {

cv::Mat on_canvas(const cv::Mat& kernel, int side) {
  cv::Mat canvas = cv::Mat::zeros(side, side, CV_32F);
  kernel.copyTo(canvas(cv::Rect((side - kernel.cols) / 2, (side - kernel.rows) / 2, kernel.cols, kernel.rows)));
  return canvas;
}

}  // namespace

double kernel_match(const cv::Mat& a, const cv::Mat& b) {
  const int side = std::max({a.rows, a.cols, b.rows, b.cols});
  const cv::Mat ca = on_canvas(a, side), cb = on_canvas(b, side);
  const double norms = std::sqrt(ca.dot(ca) * cb.dot(cb));
  return norms > 0 ? ca.dot(cb) / norms : 0.0;
}

BlurReading read_blur(const models::Model& estimator, const cv::Mat& y) {
  BlurReading reading;
  const imaging::BlurCode estimated_code = estimate_blur_code(estimator, y);
  reading.estimated = imaging::kernel_from_blur_code(estimated_code);
  const cv::Mat& estimated = reading.estimated;
  reading.kernel = estimated;
  if (y.rows < kMinBlindSide || y.cols < kMinBlindSide) {  // too small for the search: the estimator alone
    return reading;
  }
  const cv::Mat found = estimate_blur_kernel(y);
  const imaging::BlurCode moments = imaging::blur_code(found);
  const cv::Mat described = imaging::kernel_from_blur_code(moments);
  reading.shape_match = kernel_match(found, described);
  reading.agreement = kernel_match(estimated, described);
  const imaging::BlurShape shape = imaging::blur_shape(moments);
  const bool within_estimator_reach = shape.streak < kEstimatorLongestStreak && shape.sigma <= kEstimatorWidestSigma;
  imaging::BlurShape read;
  if (reading.agreement >= kEstimatorAgreement || (reading.shape_match >= kFreeFormMatch && within_estimator_reach)) {
    reading.source = BlurReading::Source::estimator;
    read = imaging::blur_shape(estimated_code);
  } else if (reading.shape_match >= kFreeFormMatch) {
    reading.source = BlurReading::Source::kernel_moments;
    reading.kernel = described;
    read = shape;
  } else {
    reading.source = BlurReading::Source::free_form;
    reading.kernel = imaging::centred_on_mass(found);
    return reading;
  }
  // A streak, not a Gaussian with a little streak in it.
  if (read.streak >= kFittedStreakFrom && imaging::spreads_as_streak(read)) {
    reading.source = BlurReading::Source::streak_fit;
    reading.kernel = imaging::kernel_from_blur_shape(fit_streak(found, read));
  }
  return reading;
}

BlurReading read_image_blur(const models::Model& estimator, const cv::Mat& image) {
  return read_blur(estimator, blur_luma(image));
}

std::string source_name(BlurReading::Source source) {
  switch (source) {
    case BlurReading::Source::estimator: return "estimator";
    case BlurReading::Source::kernel_moments: return "kernel moments";
    case BlurReading::Source::streak_fit: return "streak fitted to the kernel";
    case BlurReading::Source::free_form: return "free-form kernel";
  }
  return "";
}

}  // namespace upsample::deblur
