#include "analysis/metrics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "imaging/colour.hpp"
#include "imaging/matlab_imresize.hpp"
#include "tensor/error.hpp"

namespace upsample::analysis {
namespace {

std::string size_text(const cv::Mat& m) {
  return std::to_string(m.cols) + "x" + std::to_string(m.rows) + "x" + std::to_string(m.channels());
}

void require_u8_image(const cv::Mat& image, const char* what) {
  if (image.empty() || image.dims != 2) throw Error(std::string(what) + ": expected a non-empty 2-D image");
  if (image.depth() != CV_8U)
    throw Error(std::string(what) + ": expected an 8-bit image, got depth " + std::to_string(image.depth()));
  const int c = image.channels();
  if (c != 1 && c != 3 && c != 4)
    throw Error(std::string(what) + ": expected 1, 3 or 4 channels, got " + std::to_string(c));
}

void require_comparable(const cv::Mat& sr, const cv::Mat& hr, const char* what) {
  require_u8_image(sr, what);
  require_u8_image(hr, what);
  if (sr.size() != hr.size())
    throw Error(std::string(what) + ": SR image is " + std::to_string(sr.cols) + "x" + std::to_string(sr.rows) +
                " but HR image is " + std::to_string(hr.cols) + "x" + std::to_string(hr.rows));
  if (sr.channels() != 1 && sr.channels() != hr.channels())
    throw Error(std::string(what) + ": SR image has " + std::to_string(sr.channels()) + " channels but HR image has " +
                std::to_string(hr.channels()) + " (a grey SR image is taken as Y; otherwise they must match)");
}

// Y of both images with `shave` pixels cut from every side, as doubles.
std::array<cv::Mat, 2> shaved_y_pair(const cv::Mat& sr, const cv::Mat& hr, int shave, const char* what) {
  require_comparable(sr, hr, what);
  if (shave < 0) throw Error(std::string(what) + ": shave must not be negative, got " + std::to_string(shave));
  if (2 * shave >= sr.rows || 2 * shave >= sr.cols)
    throw Error(std::string(what) + ": shaving " + std::to_string(shave) + " pixels leaves nothing of a " +
                size_text(sr) + " image");
  const cv::Rect inner(shave, shave, sr.cols - 2 * shave, sr.rows - 2 * shave);
  std::array<cv::Mat, 2> out;
  rgb_to_y_u8(sr(inner)).convertTo(out[0], CV_64F);  // Y is per pixel: shave first
  rgb_to_y_u8(hr(inner)).convertTo(out[1], CV_64F);
  return out;
}

double psnr_of(const cv::Mat& a, const cv::Mat& b) {
  double squared_error = 0.0;
  for (int r = 0; r < a.rows; ++r) {
    const double* pa = a.ptr<double>(r);
    const double* pb = b.ptr<double>(r);
    for (int c = 0; c < a.cols; ++c) squared_error += (pa[c] - pb[c]) * (pa[c] - pb[c]);
  }
  const double mse = squared_error / (static_cast<double>(a.rows) * a.cols);
  if (mse == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(255.0 * 255.0 / mse);
}

constexpr int kSsimWindow = 11;
constexpr double kSsimSigma = 1.5;

// MATLAB fspecial('gaussian', 11, 1.5) is the outer product of this normalised 1-D
// Gaussian (its eps cut-off removes nothing at this size), so the filter is separable.
const std::array<double, kSsimWindow>& ssim_window_1d() {
  static const std::array<double, kSsimWindow> window = [] {
    std::array<double, kSsimWindow> g{};
    double sum = 0.0;
    for (int i = 0; i < kSsimWindow; ++i) {
      const double x = i - kSsimWindow / 2;
      g[static_cast<std::size_t>(i)] = std::exp(-(x * x) / (2.0 * kSsimSigma * kSsimSigma));
      sum += g[static_cast<std::size_t>(i)];
    }
    for (double& v : g) v /= sum;
    return g;
  }();
  return window;
}

// One row of the horizontal 'valid' window pass over value(a, b): out[x] = Σ_k g[k]·value(a[x+k], b[x+k]),
// summed in k order. One statistic per call keeps the x loop simple enough to vectorise.
template <typename Value>
void filter_row(double* out, const double* a, const double* b, std::size_t out_cols, Value value) {
  const std::array<double, kSsimWindow>& g = ssim_window_1d();
  std::fill_n(out, out_cols, 0.0);
  for (std::size_t k = 0; k < kSsimWindow; ++k) {
    const double w = g[k];
    for (std::size_t x = 0; x < out_cols; ++x) out[x] += w * value(a[x + k], b[x + k]);
  }
}

// Mean SSIM of two equally sized CV_64F images. The five local statistics (means of a, b,
// a², b², ab under the window, i.e. filter2(window, ·, 'valid')) are filtered separably:
// one horizontal pass over all rows, then the vertical pass one output row at a time, so
// the SSIM map itself is never stored.
double mean_ssim(const cv::Mat& a, const cv::Mat& b) {
  const std::array<double, kSsimWindow>& g = ssim_window_1d();
  constexpr std::size_t kStats = 5;  // a, b, a², b², ab
  const std::size_t rows = static_cast<std::size_t>(a.rows);
  const std::size_t out_rows = rows - kSsimWindow + 1;
  const std::size_t out_cols = static_cast<std::size_t>(a.cols) - kSsimWindow + 1;
  const std::size_t plane = rows * out_cols;
  std::vector<double> horizontal(kStats * plane);
  for (std::size_t y = 0; y < rows; ++y) {
    const double* pa = a.ptr<double>(static_cast<int>(y));
    const double* pb = b.ptr<double>(static_cast<int>(y));
    double* h = horizontal.data() + y * out_cols;  // this row in plane 0; plane q is q·plane further
    filter_row(h, pa, pb, out_cols, [](double va, double) { return va; });
    filter_row(h + plane, pa, pb, out_cols, [](double, double vb) { return vb; });
    filter_row(h + 2 * plane, pa, pb, out_cols, [](double va, double) { return va * va; });
    filter_row(h + 3 * plane, pa, pb, out_cols, [](double, double vb) { return vb * vb; });
    filter_row(h + 4 * plane, pa, pb, out_cols, [](double va, double vb) { return va * vb; });
  }
  const double c1 = (0.01 * 255.0) * (0.01 * 255.0);
  const double c2 = (0.03 * 255.0) * (0.03 * 255.0);
  std::vector<double> local(kStats * out_cols);
  double sum = 0.0;
  for (std::size_t y = 0; y < out_rows; ++y) {
    std::fill(local.begin(), local.end(), 0.0);
    for (std::size_t k = 0; k < kSsimWindow; ++k) {
      const double w = g[k];
      for (std::size_t q = 0; q < kStats; ++q) {
        const double* h = horizontal.data() + q * plane + (y + k) * out_cols;
        double* l = local.data() + q * out_cols;
        for (std::size_t x = 0; x < out_cols; ++x) l[x] += w * h[x];
      }
    }
    for (std::size_t x = 0; x < out_cols; ++x) {
      const double mu_a = local[x];
      const double mu_b = local[out_cols + x];
      const double var_a = local[2 * out_cols + x] - mu_a * mu_a;
      const double var_b = local[3 * out_cols + x] - mu_b * mu_b;
      const double cov = local[4 * out_cols + x] - mu_a * mu_b;
      sum += ((2.0 * mu_a * mu_b + c1) * (2.0 * cov + c2)) /
             ((mu_a * mu_a + mu_b * mu_b + c1) * (var_a + var_b + c2));
    }
  }
  return sum / (static_cast<double>(out_rows) * static_cast<double>(out_cols));
}

double checked_mean_ssim(const cv::Mat& a, const cv::Mat& b, const char* what) {
  if (a.rows < kSsimWindow || a.cols < kSsimWindow)
    throw Error(std::string(what) + ": the shaved image is " + size_text(a) + ", smaller than the 11x11 SSIM window");
  return mean_ssim(a, b);
}

// k·v for v = 0..255, k = (1/255)·coefficient as rgb2ycbcr forms it for uint8 input. The
// products are the same doubles MATLAB multiplies, and a table keeps the compiler from
// fusing them into FMAs that would round differently.
using ChannelTable = std::array<double, 256>;
ChannelTable channel_table(double coefficient) {
  ChannelTable t{};
  const double k = (1.0 / 255.0) * coefficient;
  for (int v = 0; v < 256; ++v) t[static_cast<std::size_t>(v)] = k * v;
  return t;
}

}  // namespace

cv::Mat rgb_to_y_u8(const cv::Mat& bgr_or_grey_u8) {
  require_u8_image(bgr_or_grey_u8, "rgb_to_y_u8");
  if (bgr_or_grey_u8.channels() == 1) return bgr_or_grey_u8.clone();
  // imlincomb sums the three products, adds the offset 16 and rounds once.
  static const ChannelTable red = channel_table(imaging::kLumaFromR);
  static const ChannelTable green = channel_table(imaging::kLumaFromG);
  static const ChannelTable blue = channel_table(imaging::kLumaFromB);
  const int channels = bgr_or_grey_u8.channels();
  cv::Mat y(bgr_or_grey_u8.size(), CV_8UC1);
  for (int r = 0; r < y.rows; ++r) {
    const unsigned char* src = bgr_or_grey_u8.ptr<unsigned char>(r);
    unsigned char* dst = y.ptr<unsigned char>(r);
    for (int c = 0; c < y.cols; ++c) {
      const unsigned char* px = src + c * channels;  // B, G, R[, A]
      const double value = red[px[2]] + green[px[1]] + blue[px[0]] + imaging::kLumaOffset;
      // value lies in 16..235.0, so adding 0.5 and truncating rounds half away from zero.
      dst[c] = static_cast<unsigned char>(value + 0.5);
    }
  }
  return y;
}

double psnr_y(const cv::Mat& sr_u8, const cv::Mat& hr_u8, int shave) {
  const auto [sr, hr] = shaved_y_pair(sr_u8, hr_u8, shave, "psnr_y");
  return psnr_of(sr, hr);
}

double ssim_y(const cv::Mat& sr_u8, const cv::Mat& hr_u8, int shave) {
  const auto [sr, hr] = shaved_y_pair(sr_u8, hr_u8, shave, "ssim_y");
  return checked_mean_ssim(sr, hr, "ssim_y");
}

PsnrSsim evaluate_pair(const cv::Mat& sr_bgr_or_grey_u8, const cv::Mat& hr_u8, int scale) {
  const cv::Mat hr = imaging::crop_to_multiple_of(hr_u8, scale);
  const char* what = "evaluate_pair (HR cropped to a multiple of the scale)";
  const auto [sr_y, hr_y] = shaved_y_pair(sr_bgr_or_grey_u8, hr, scale, what);
  return {psnr_of(sr_y, hr_y), checked_mean_ssim(sr_y, hr_y, what)};
}

cv::Mat bicubic_baseline_y(const cv::Mat& hr_u8, int scale) {
  require_u8_image(hr_u8, "bicubic_baseline_y");
  const cv::Mat lr = imaging::matlab_bicubic_downscale(rgb_to_y_u8(imaging::crop_to_multiple_of(hr_u8, scale)), scale);
  return imaging::matlab_bicubic_upscale(lr, scale);
}

}  // namespace upsample::analysis
