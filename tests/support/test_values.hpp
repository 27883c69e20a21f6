#pragma once
// Small helpers many test files share.
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "tensor/tensor.hpp"

namespace upsample::testing {

// Under the sanitizers the numeric work runs several times slower: sweeps there keep the
// cases that reach each code path and leave the rest to the Release run.
#ifdef UPSAMPLE_SANITIZED_BUILD
constexpr bool kSanitizedBuild = true;
#else
constexpr bool kSanitizedBuild = false;
#endif

// A tensor of normal values with standard deviation `scale`.
inline Tensor random_tensor(const Shape& shape, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> normal(0.0f, scale);
  Tensor t(shape);
  for (float& v : t.values()) v = normal(rng);
  return t;
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

inline bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * sizeof(float)) == 0;
}

inline double dot(const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape())) throw std::logic_error("dot: shapes differ");
  double sum = 0.0;
  for (int64_t i = 0; i < a.numel(); ++i) sum += static_cast<double>(a.data()[i]) * static_cast<double>(b.data()[i]);
  return sum;
}

inline double max_abs_diff(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF); }

// A small, smooth-ish random image over the full range of its depth ([0, 1] for float).
inline cv::Mat smooth_random_image(int rows, int cols, int type, uint32_t seed) {
  cv::Mat m(rows, cols, type);
  cv::RNG rng(seed);
  const int depth = CV_MAT_DEPTH(type);
  rng.fill(m, cv::RNG::UNIFORM, 0, depth == CV_32F ? 1.0 : depth == CV_16U ? 65535.0 : 255.0);
  cv::GaussianBlur(m, m, {3, 3}, 0.8);
  return m;
}

// 8-bit grey noise with a 1/f^exponent amplitude spectrum: 1.2 is the falloff of natural
// photos, larger is smoother.
inline cv::Mat natural_like_image(int size, uint32_t seed, double exponent = 1.2) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  cv::Mat spectrum(size, size, CV_32FC2);
  for (int v = 0; v < size; ++v)
    for (int u = 0; u < size; ++u) {
      const double fy = (v <= size / 2 ? v : v - size) / static_cast<double>(size);
      const double fx = (u <= size / 2 ? u : u - size) / static_cast<double>(size);
      const double f = std::max(std::hypot(fx, fy), 1.0 / size);
      const float gain = static_cast<float>(std::pow(f, -exponent));
      spectrum.at<cv::Vec2f>(v, u) = {normal(rng) * gain, normal(rng) * gain};
    }
  cv::Mat image;
  cv::dft(spectrum, image, cv::DFT_INVERSE | cv::DFT_REAL_OUTPUT);
  cv::Scalar mean, deviation;
  cv::meanStdDev(image, mean, deviation);
  cv::Mat u8;
  image.convertTo(u8, CV_8U, 40.0 / deviation[0], 128.0 - 40.0 * mean[0] / deviation[0]);
  return u8;
}

}  // namespace upsample::testing
