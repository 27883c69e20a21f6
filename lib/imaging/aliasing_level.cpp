#include "imaging/aliasing_level.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "imaging/colour.hpp"

namespace upsample::imaging {

namespace {

// The probe: HR frequency 0.6 cycles per LR pixel, seen at 0.4 after the shrink; the LR
// row is measured over kProbeLength pixels (a whole number of its cycles).
constexpr double kProbeFrequency = 0.6;
constexpr int kProbeLength = 40, kProbeMargin = 8;

// |DFT| at `cycles` per pixel of one row, as the amplitude of a cosine.
double amplitude_at(const cv::Mat& row_f64, double cycles) {
  double re = 0, im = 0;
  for (int x = 0; x < row_f64.cols; ++x) {
    const double phase = 2 * std::numbers::pi * cycles * x, v = row_f64.at<double>(0, x);
    re += v * std::cos(phase);
    im -= v * std::sin(phase);
  }
  return 2 * std::hypot(re, im) / row_f64.cols;
}

// Spectral statistic: the log ratio of the mean power where both |fx| and |fy| are at
// least 0.375 cycles per pixel to where both lie in [0.1875, 0.3125), on a Welch average
// of Hann-windowed 32×32 tiles.
constexpr int kTile = 32;
constexpr int kMaxTiles = 2048;
// Statistic → aliasing, through the medians of images shrunk by MATLAB's bicubic, area
// and plain cubic (T91 and BSD200 at ×2, ×3, ×4), linear between them.
constexpr std::array<std::array<double, 2>, 3> kStatisticToAliasing = {{{-2.5, kAntialiasedAliasing},
                                                                         {-1.55, 0.57},
                                                                         {-0.65, 1.0}}};

}  // namespace

double downscale_aliasing(const Degradation& damage) {
  Degradation shrink;
  int scale = 1;
  for (const DegradationStep& step : damage.steps)
    if (step.kind == DegradationStep::Kind::blur || step.kind == DegradationStep::Kind::downscale) {
      shrink.steps.push_back(step);
      if (step.kind == DegradationStep::Kind::downscale) scale *= step.scale;
    }
  if (scale == 1) return 1.0;
  const int lr_cols = kProbeLength + 2 * kProbeMargin, rows = 8 * scale, cols = lr_cols * scale;
  cv::Mat probe(rows, cols, CV_8U);
  for (int x = 0; x < cols; ++x) {
    const double v = 128 + 100 * std::cos(2 * std::numbers::pi * kProbeFrequency / scale * x);
    probe.col(x).setTo(cv::saturate_cast<uint8_t>(std::lround(v)));
  }
  std::mt19937 unused(0);
  double sum = 0;
  for (const bool transposed : {false, true}) {
    const cv::Mat hr = transposed ? cv::Mat(probe.t()) : probe;
    cv::Mat lr = apply_degradation(hr, shrink, unused);
    if (transposed) lr = lr.t();
    cv::Mat row;
    lr.row(lr.rows / 2).colRange(kProbeMargin, kProbeMargin + kProbeLength).convertTo(row, CV_64F);
    row -= cv::mean(row)[0];
    sum += amplitude_at(row, 1.0 - kProbeFrequency) / 100.0;
  }
  return std::clamp(sum / 2, 0.0, 1.0);
}

double estimate_aliasing(const cv::Mat& image, double luma_noise_sigma) {
  if (image.rows < kTile || image.cols < kTile) return kAntialiasedAliasing;
  cv::Mat y;  // in 8-bit levels, the unit of the noise σ; never the caller's pixels
  (image.depth() == CV_32F && image.channels() == 1 ? image : luma_of(image)).convertTo(y, CV_32F, 255.0);
  cv::Mat window;
  cv::createHanningWindow(window, cv::Size(kTile, kTile), CV_32F);
  const double window_energy = cv::sum(window.mul(window))[0];
  // Tiles on a grid, half-overlapping on small images, spread out on large ones.
  const double tiles_at_half = static_cast<double>(y.rows / (kTile / 2)) * (y.cols / (kTile / 2));
  const int stride = std::max(kTile / 2, static_cast<int>(std::ceil(kTile / 2 * std::sqrt(tiles_at_half / kMaxTiles))));
  std::vector<cv::Point> corners;
  for (int r = 0; r + kTile <= y.rows; r += stride)
    for (int c = 0; c + kTile <= y.cols; c += stride) corners.emplace_back(c, r);
  // Which band each coefficient of a tile's spectrum falls in.
  enum Band : uint8_t { kNeither, kFar, kNear };
  std::array<Band, kTile * kTile> bands{};
  int far_per_tile = 0, near_per_tile = 0;
  for (int v = 0; v < kTile; ++v) {
    const double fy = std::abs(v <= kTile / 2 ? v : v - kTile) / static_cast<double>(kTile);
    for (int u = 0; u < kTile; ++u) {
      const double fx = std::abs(u <= kTile / 2 ? u : u - kTile) / static_cast<double>(kTile);
      Band& band = bands[static_cast<size_t>(v * kTile + u)];
      if (fx >= 0.375 && fy >= 0.375) {
        band = kFar;
        ++far_per_tile;
      } else if (fx >= 0.1875 && fy >= 0.1875 && fx < 0.3125 && fy < 0.3125) {
        band = kNear;
        ++near_per_tile;
      }
    }
  }
  // Each tile's two powers, summed in tile order after: the same result on any number of
  // threads (`auto` reads every photo before its upscale).
  std::vector<std::array<double, 2>> powers(corners.size());
  cv::parallel_for_(cv::Range(0, static_cast<int>(corners.size())), [&](const cv::Range& range) {
    cv::Mat tile, spectrum;
    for (int i = range.start; i < range.end; ++i) {
      const cv::Rect rect(corners[static_cast<size_t>(i)], cv::Size(kTile, kTile));
      tile = y(rect) - cv::mean(y(rect))[0];
      cv::dft(tile.mul(window), spectrum, cv::DFT_COMPLEX_OUTPUT);
      std::array<double, 2> power{};
      for (int v = 0; v < kTile; ++v) {
        const cv::Vec2f* row = spectrum.ptr<cv::Vec2f>(v);
        for (int u = 0; u < kTile; ++u) {
          const Band band = bands[static_cast<size_t>(v * kTile + u)];
          if (band == kNeither) continue;
          const double re = row[u][0], im = row[u][1];
          power[band == kFar ? 0 : 1] += re * re + im * im;
        }
      }
      powers[static_cast<size_t>(i)] = power;
    }
  });
  double far = 0, near = 0;
  for (const std::array<double, 2>& power : powers) {
    far += power[0];
    near += power[1];
  }
  const int64_t tiles = static_cast<int64_t>(corners.size());
  const int64_t far_count = tiles * far_per_tile, near_count = tiles * near_per_tile;
  if (tiles == 0 || near_count == 0 || far_count == 0) return kAntialiasedAliasing;
  // White noise of σ puts σ²·Σw² into every coefficient.
  const double floor = luma_noise_sigma * luma_noise_sigma * window_energy;
  near = near / near_count - floor;
  far = far / far_count - floor;
  if (near <= 0) return kAntialiasedAliasing;  // nothing but noise: nothing to read
  const double statistic = std::log(std::max(far, near * 1e-4) / near);
  const auto& k = kStatisticToAliasing;
  if (statistic <= k.front()[0]) return k.front()[1];
  if (statistic >= k.back()[0]) return k.back()[1];
  for (size_t i = 1; i < k.size(); ++i)
    if (statistic <= k[i][0]) {
      const double t = (statistic - k[i - 1][0]) / (k[i][0] - k[i - 1][0]);
      return k[i - 1][1] + t * (k[i][1] - k[i - 1][1]);
    }
  return k.back()[1];
}

}  // namespace upsample::imaging
