#include "deblur/classical.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "imaging/blur_kernels.hpp"
#include "pipeline/tiling.hpp"
#include "tensor/error.hpp"

namespace upsample::deblur {

namespace {

void check_inputs(const cv::Mat& image, const cv::Mat& psf, const char* what) {
  if (image.depth() != CV_32F) throw Error(std::string(what) + ": expects a CV_32F image");
  if (psf.type() != CV_32FC1 || psf.rows != psf.cols || psf.rows % 2 == 0)
    throw Error(std::string(what) + ": the PSF must be a square, odd-sized CV_32FC1 kernel");
  if (image.empty()) throw Error(std::string(what) + ": empty image");
}

// [I, flip_x(I); flip_y(I), flip_xy(I)]: a 2H×2W image whose periodic extension is the
// symmetric extension of I, so a circular convolution sees no seam.
cv::Mat mirrored_periodic(const cv::Mat& plane) {
  cv::Mat out(plane.rows * 2, plane.cols * 2, plane.type());
  plane.copyTo(out(cv::Rect(0, 0, plane.cols, plane.rows)));
  cv::flip(plane, out(cv::Rect(plane.cols, 0, plane.cols, plane.rows)), 1);
  cv::flip(plane, out(cv::Rect(0, plane.rows, plane.cols, plane.rows)), 0);
  cv::flip(plane, out(cv::Rect(plane.cols, plane.rows, plane.cols, plane.rows)), -1);
  return out;
}

}  // namespace

cv::Mat psf_spectrum(const cv::Mat& psf, int rows, int cols) {
  cv::Mat padded = cv::Mat::zeros(rows, cols, CV_32F);
  const int r = imaging::kernel_radius(psf);
  for (int y = -r; y <= r; ++y)
    for (int x = -r; x <= r; ++x) {
      const int py = ((y % rows) + rows) % rows, px = ((x % cols) + cols) % cols;
      padded.at<float>(py, px) += psf.at<float>(y + r, x + r);
    }
  cv::Mat spectrum;
  cv::dft(padded, spectrum, cv::DFT_COMPLEX_OUTPUT);
  return spectrum;
}

namespace {

void check_wiener_inputs(const cv::Mat& blurred, const cv::Mat& psf, double nsr) {
  check_inputs(blurred, psf, "Wiener deconvolution");
  if (!(nsr > 0)) throw Error("Wiener deconvolution: the noise-to-signal ratio must be > 0");
}

// Wiener deconvolution of all of `blurred` in one transform (inputs already checked).
cv::Mat wiener_in_one_transform(const cv::Mat& blurred, const cv::Mat& psf, double nsr) {
  std::vector<cv::Mat> planes;
  cv::split(blurred, planes);
  const cv::Mat kernel_spectrum = psf_spectrum(psf, blurred.rows * 2, blurred.cols * 2);
  // The Wiener filter conj(K) / (|K|² + nsr), the same for every channel.
  cv::Mat filter(kernel_spectrum.size(), CV_32FC2);
  for (int y = 0; y < filter.rows; ++y)
    for (int x = 0; x < filter.cols; ++x) {
      const cv::Vec2f k = kernel_spectrum.at<cv::Vec2f>(y, x);
      const double re = k[0], im = k[1];
      const double power = re * re + im * im;
      const auto scale = static_cast<float>(1.0 / (power + nsr));
      filter.at<cv::Vec2f>(y, x) = cv::Vec2f(k[0] * scale, -k[1] * scale);
    }
  for (cv::Mat& plane : planes) {
    cv::Mat spectrum, product, restored;
    cv::dft(mirrored_periodic(plane), spectrum, cv::DFT_COMPLEX_OUTPUT);
    cv::mulSpectrums(spectrum, filter, product, 0);
    cv::idft(product, restored, cv::DFT_SCALE | cv::DFT_REAL_OUTPUT);
    plane = restored(cv::Rect(0, 0, plane.cols, plane.rows)).clone();
  }
  cv::Mat out;
  cv::merge(planes, out);
  return out;
}

}  // namespace

cv::Mat wiener_deconvolve_untiled(const cv::Mat& blurred, const cv::Mat& psf, double nsr) {
  check_wiener_inputs(blurred, psf, nsr);
  return wiener_in_one_transform(blurred, psf, nsr);
}

int wiener_tile_margin(const cv::Mat& psf, double nsr) {
  // The filter's response reaches about as far as the PSF times 1/√nsr: near the zeros of
  // a streak's spectrum its peaks are √nsr wide. 16 radii at NSR 0.01 keep a 15 px
  // streak's tiles within 0.2 of an 8-bit level of the whole-image result.
  const double reach = 16.0 * imaging::kernel_radius(psf) * std::sqrt(0.01 / nsr);
  return std::max(kWienerMinMargin, static_cast<int>(std::ceil(std::min(reach, 1e6))));
}

cv::Mat wiener_deconvolve(const cv::Mat& blurred, const cv::Mat& psf, double nsr) {
  check_wiener_inputs(blurred, psf, nsr);
  const int margin = wiener_tile_margin(psf, nsr);
  // At least half of each transform is kept: tiles grow with wide margins.
  const int tile = std::max(kWienerTile, 2 * margin);
  if (blurred.rows <= tile + 2 * margin && blurred.cols <= tile + 2 * margin)
    return wiener_in_one_transform(blurred, psf, nsr);
  // Each tile is deconvolved with `margin` pixels of its surroundings (mirrored where the
  // image ends) and kept without them. The transforms do not parallelise themselves.
  return pipeline::assemble_tiles(
      blurred, pipeline::plan_tiles(blurred.size(), tile, margin), 1,
      [&](const cv::Mat& region) { return wiener_in_one_transform(region, psf, nsr); }, /*in_parallel=*/true);
}

cv::Mat richardson_lucy(const cv::Mat& blurred, const cv::Mat& psf, int iterations) {
  check_inputs(blurred, psf, "Richardson-Lucy");
  if (iterations < 1 || iterations > 10000) throw Error("Richardson-Lucy: iterations must be 1..10000");
  // Keeps every value positive: the update is multiplicative, a zero would stay zero and
  // a division by a zero estimate would blow up.
  constexpr float kFloor = 1e-4f;
  cv::Mat observed = cv::max(blurred, kFloor);
  cv::Mat estimate = observed.clone();
  for (int i = 0; i < iterations; ++i) {
    cv::Mat reblurred = cv::max(imaging::blur_image(estimate, psf), kFloor);
    cv::Mat ratio;
    cv::divide(observed, reblurred, ratio);
    // The adjoint of convolving with the PSF is correlating with it, which filter2D does.
    cv::Mat correction;
    cv::filter2D(ratio, correction, CV_32F, psf, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
    estimate = estimate.mul(correction);
  }
  return estimate;
}

}  // namespace upsample::deblur
