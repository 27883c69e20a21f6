#include "imaging/cubic_upscale.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/error.hpp"

namespace upsample::imaging {

namespace {

// Output s·X + φ lies at source coordinate X + (φ + ½)/s − ½; its four taps are the
// source pixels X + first … X + first + 3.
struct CubicPhase {
  int first = 0;
  float weight[4] = {};
};

std::vector<CubicPhase> cubic_phases(int factor) {
  constexpr double a = -0.75;  // OpenCV's INTER_CUBIC
  std::vector<CubicPhase> phases(static_cast<size_t>(factor));
  for (int phase = 0; phase < factor; ++phase) {
    const double position = (phase + 0.5) / factor - 0.5;
    const double base = std::floor(position), t = position - base;
    const auto keys = [&](double d) {  // Keys' cubic at distance d
      return d <= 1 ? ((a + 2) * d - (a + 3)) * d * d + 1 : ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
    };
    const double w0 = keys(1 + t), w1 = keys(t), w2 = keys(1 - t);
    CubicPhase& p = phases[static_cast<size_t>(phase)];
    p.first = static_cast<int>(base) - 1;
    p.weight[0] = static_cast<float>(w0);
    p.weight[1] = static_cast<float>(w1);
    p.weight[2] = static_cast<float>(w2);
    p.weight[3] = static_cast<float>(1 - w0 - w1 - w2);
  }
  return phases;
}

// Fused and in one fixed order, so every pixel gets the same arithmetic, vectorised or not.
inline float cubic_blend(const float* w, float a, float b, float c, float d) {
  return std::fma(w[3], d, std::fma(w[2], c, std::fma(w[1], b, w[0] * a)));
}

void upscale_row(const float* src, int width, const std::vector<CubicPhase>& phases, float* dst) {
  const int factor = static_cast<int>(phases.size());
  for (int x = 0; x < width; ++x)
    for (int phase = 0; phase < factor; ++phase) {
      const CubicPhase& p = phases[static_cast<size_t>(phase)];
      const int first = x + p.first;
      float v[4];
      for (int k = 0; k < 4; ++k) v[k] = src[std::clamp(first + k, 0, width - 1)];
      dst[x * factor + phase] = cubic_blend(p.weight, v[0], v[1], v[2], v[3]);
    }
}

}  // namespace

cv::Mat cubic_upscale(const cv::Mat& plane, int factor) {
  if (plane.type() != CV_32FC1 || factor < 1) throw Error("cubic_upscale: needs a CV_32FC1 plane and a factor ≥ 1");
  const std::vector<CubicPhase> phases = cubic_phases(factor);
  const int rows = plane.rows, cols = plane.cols, out_cols = cols * factor;
  // Rows first, at the source's height; then each output row from four of those.
  cv::Mat across(rows, out_cols, CV_32F);
  cv::parallel_for_(cv::Range(0, rows), [&](const cv::Range& range) {
    for (int y = range.start; y < range.end; ++y) upscale_row(plane.ptr<float>(y), cols, phases, across.ptr<float>(y));
  });
  cv::Mat out(rows * factor, out_cols, CV_32F);
  cv::parallel_for_(cv::Range(0, out.rows), [&](const cv::Range& range) {
    for (int oy = range.start; oy < range.end; ++oy) {
      const CubicPhase& p = phases[static_cast<size_t>(oy % factor)];
      const int first = oy / factor + p.first;
      const float* r[4];
      for (int k = 0; k < 4; ++k) r[k] = across.ptr<float>(std::clamp(first + k, 0, rows - 1));
      float* dst = out.ptr<float>(oy);
      for (int x = 0; x < out_cols; ++x) dst[x] = cubic_blend(p.weight, r[0][x], r[1][x], r[2][x], r[3][x]);
    }
  });
  return out;
}

}  // namespace upsample::imaging
