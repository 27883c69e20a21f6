#include "imaging/blur_kernels.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "imaging/disc_kernel.hpp"
#include "imaging/line_kernel.hpp"
#include "imaging/real_world_blur.hpp"
#include "imaging/shake_kernel.hpp"
#include "tensor/error.hpp"

namespace upsample::imaging {

namespace {

cv::Mat normalised(cv::Mat kernel) {
  kernel /= cv::sum(kernel)[0];
  return kernel;
}

// `a` given room to spread, blurred by `b` (the zero border reflects zeros only), normalised.
cv::Mat full_convolution(const cv::Mat& a, const cv::Mat& b) {
  const int spread = kernel_radius(b);
  cv::Mat padded;
  cv::copyMakeBorder(a, padded, spread, spread, spread, spread, cv::BORDER_CONSTANT, 0);
  return normalised(blur_image(padded, b));
}

std::vector<double> parse_numbers(const std::string& spec, const std::string& text) {
  std::vector<double> values;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    double v = 0;
    const char* first = text.data() + start;
    const char* last = text.data() + comma;
    const auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec != std::errc() || ptr != last || !std::isfinite(v))
      throw Error("blur kernel '" + spec + "': '" + std::string(first, last) + "' is not a number");
    values.push_back(v);
    start = comma + 1;
  }
  return values;
}

// Shorter streaks are read as none: the code is then a Gaussian's.
constexpr double kMinStreak = 1.5;

// `value` with at most `decimals` decimals, trailing zeros dropped ("1.6", "30").
std::string fmt_number(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  std::string out = text;
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  return out == "-0" ? "0" : out;
}

}  // namespace

int kernel_radius(const cv::Mat& kernel) { return kernel.rows / 2; }

cv::Mat trim_kernel(const cv::Mat& kernel) {
  int r = kernel_radius(kernel);
  const int c = r;
  while (r > 0) {
    const cv::Rect inner(c - r + 1, c - r + 1, 2 * r - 1, 2 * r - 1);
    if (cv::sum(kernel)[0] - cv::sum(kernel(inner))[0] > 1e-7 * cv::sum(kernel)[0]) break;
    --r;
  }
  return kernel(cv::Rect(c - r, c - r, 2 * r + 1, 2 * r + 1)).clone();
}

cv::Mat convolve_kernels(const cv::Mat& a, const cv::Mat& b) { return trim_kernel(full_convolution(a, b)); }

cv::Mat centred_on_mass(const cv::Mat& kernel) {
  CV_Assert(kernel.type() == CV_32FC1 && kernel.rows % 2 == 1 && kernel.cols % 2 == 1);
  const cv::Moments m = cv::moments(kernel);
  if (!(m.m00 > 0)) throw Error("blur kernel: all taps are zero, so it has no centre of mass");
  const double dx = m.m10 / m.m00 - kernel.cols / 2, dy = m.m01 / m.m00 - kernel.rows / 2;
  const int pad = static_cast<int>(std::ceil(std::max(std::abs(dx), std::abs(dy)))) + 1;
  cv::Mat padded, moved;
  cv::copyMakeBorder(kernel, padded, pad, pad, pad, pad, cv::BORDER_CONSTANT, 0);
  // Each output tap reads the input dx, dy further on: the mass moves back by dx, dy.
  const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, -dx, 0, 1, -dy);
  cv::warpAffine(padded, moved, shift, padded.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  return trim_kernel(normalised(moved));
}

BlurCode blur_code(const cv::Mat& kernel) {
  CV_Assert(kernel.type() == CV_32FC1 && kernel.rows % 2 == 1 && kernel.cols % 2 == 1);
  const int cy = kernel.rows / 2, cx = kernel.cols / 2;
  double total = 0, xx = 0, yy = 0, xy = 0;
  for (int y = 0; y < kernel.rows; ++y)
    for (int x = 0; x < kernel.cols; ++x) {
      const double w = kernel.at<float>(y, x), dx = x - cx, dy = y - cy;
      total += w;
      xx += w * dx * dx;
      yy += w * dy * dy;
      xy += w * dx * dy;
    }
  const double norm = 1.0 / (total * kBlurCodeScale);
  return {static_cast<float>(xx * norm), static_cast<float>(yy * norm), static_cast<float>(xy * norm)};
}

BlurShape blur_shape(const BlurCode& code) {
  const double xx = static_cast<double>(code[0]) * kBlurCodeScale, yy = static_cast<double>(code[1]) * kBlurCodeScale,
               xy = static_cast<double>(code[2]) * kBlurCodeScale;
  if (!std::isfinite(xx) || !std::isfinite(yy) || !std::isfinite(xy)) throw Error("blur code: not a number");
  // Eigenvalues of the 2×2 covariance [[xx, xy], [xy, yy]]: major and minor variance.
  const double mean = (xx + yy) / 2, spread = std::hypot((xx - yy) / 2, xy);
  constexpr double kMinVariance = 0.04, kMaxSigma = 5.0, kMaxStreak = 31.0;
  const double major = std::max(mean + spread, kMinVariance);
  const double minor = std::clamp(mean - spread, kMinVariance, kMaxSigma * kMaxSigma);
  BlurShape shape;
  // A streak of length L (its samples span L - 1 px) has variance (L - 1)² / 12 along it.
  shape.streak = std::min(1.0 + std::sqrt(12.0 * std::max(major - minor, 0.0)), kMaxStreak);
  // The major axis's direction in x right, y down is clockwise; motion_kernel's is not.
  shape.angle = -0.5 * std::atan2(2 * xy, xx - yy) * 180.0 / std::numbers::pi;
  if (shape.angle < 0) shape.angle += 180;  // a streak and its 180° turn are one blur
  shape.sigma = std::sqrt(minor);
  return shape;
}

bool spreads_as_streak(const BlurShape& shape) {
  return (shape.streak - 1) * (shape.streak - 1) / 12 > shape.sigma * shape.sigma;
}

std::string describe_blur(const BlurShape& shape) {
  const double streak_variance = (shape.streak - 1) * (shape.streak - 1) / 12, gauss_variance = shape.sigma * shape.sigma;
  // Otherwise the blur is read as the Gaussian with the same overall spread.
  if (shape.streak <= kMinStreak || !spreads_as_streak(shape))
    return "gaussian:" + fmt_number(std::sqrt(gauss_variance + streak_variance / 2), 1);
  const std::string motion = "motion:" + fmt_number(shape.streak, 1) + "," + fmt_number(shape.angle, 0);
  // A streak's own anti-aliasing spreads it by σ ≈ 0.2–0.45; a wider spread is a blur too.
  constexpr double kStreakSigma = 0.6;
  return shape.sigma <= kStreakSigma ? motion : motion + "+gaussian:" + fmt_number(shape.sigma, 1);
}

cv::Mat kernel_from_blur_code(const BlurCode& code) { return kernel_from_blur_shape(blur_shape(code)); }

cv::Mat kernel_from_blur_shape(const BlurShape& shape) {
  const cv::Mat line = shape.streak > kMinStreak ? motion_kernel(shape.streak, shape.angle) : cv::Mat::ones(1, 1, CV_32F);
  return shape.sigma > 0 ? full_convolution(line, gaussian_kernel(shape.sigma)) : line;
}

cv::Mat gaussian_kernel(double sigma, int size) {
  if (!(sigma > 0) || sigma > 50) throw Error("gaussian blur: sigma must be in (0, 50], not " + std::to_string(sigma));
  if (size == 0) size = 2 * static_cast<int>(std::ceil(3.0 * sigma)) + 1;
  // σ ≤ 50 gives at most 301 by default; a larger size asked for would only add zeros.
  if (size < 1 || size % 2 == 0 || size > 301)
    throw Error("gaussian blur: the kernel size must be odd, 1..301, not " + std::to_string(size));
  const int r = size / 2;
  cv::Mat k(size, size, CV_32F);
  for (int y = -r; y <= r; ++y)
    for (int x = -r; x <= r; ++x) k.at<float>(y + r, x + r) = static_cast<float>(std::exp(-(x * x + y * y) / (2 * sigma * sigma)));
  return normalised(k);
}

cv::Mat motion_kernel(double length, double angle_degrees) {
  if (!(length >= 1) || length > 201) throw Error("motion blur: length must be in [1, 201], not " + std::to_string(length));
  const int r = static_cast<int>(std::floor(length / 2)) + 1;
  cv::Mat k = cv::Mat::zeros(2 * r + 1, 2 * r + 1, CV_32F);
  const double angle = angle_degrees * std::numbers::pi / 180.0;
  const double dx = std::cos(angle), dy = -std::sin(angle);  // image y points down
  // Sample the segment densely and splat each sample bilinearly: the line comes out
  // anti-aliased, so any angle and a fractional length give a smooth PSF.
  const int samples = static_cast<int>(std::ceil(length * 16)) + 1;
  for (int i = 0; i < samples; ++i) {
    const double t = samples == 1 ? 0.0 : (static_cast<double>(i) / (samples - 1) - 0.5) * (length - 1);
    const double x = r + t * dx, y = r + t * dy;
    const int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
    const double fx = x - x0, fy = y - y0;
    for (int j = 0; j < 2; ++j)
      for (int i2 = 0; i2 < 2; ++i2) {
        const double w = (j ? fy : 1 - fy) * (i2 ? fx : 1 - fx);
        if (w > 0) k.at<float>(y0 + j, x0 + i2) += static_cast<float>(w);
      }
  }
  return trim_kernel(normalised(k));
}

cv::Mat box_kernel(int size) {
  if (size < 1 || size % 2 == 0 || size > 201) throw Error("box blur: the size must be odd, 1..201, not " + std::to_string(size));
  return normalised(cv::Mat::ones(size, size, CV_32F));
}

std::string blur_spec_forms() {
  return "gaussian:SIGMA[,SIZE], motion:LENGTH,ANGLE, line:LENGTH,ANGLE, box:N, disc:RADIUS, shake:SEED[,SIZE] or "
         "kernel:FILE";
}

cv::Mat parse_blur_kernel(const std::string& spec) {
  const size_t colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  if (colon == std::string::npos) throw Error("blur kernel '" + spec + "': expected " + blur_spec_forms());
  if (kind == "kernel") throw Error("blur kernel '" + spec + "': a kernel file is read by deblur::load_blur_kernel");
  const std::vector<double> v = parse_numbers(spec, spec.substr(colon + 1));
  auto whole = [&](double x) {
    if (x != std::floor(x)) throw Error("blur kernel '" + spec + "': the size must be a whole number");
    if (std::abs(x) > 1e6) throw Error("blur kernel '" + spec + "': the size is far too large");
    return static_cast<int>(x);
  };
  try {
    if (kind == "gaussian" && (v.size() == 1 || v.size() == 2)) return gaussian_kernel(v[0], v.size() == 2 ? whole(v[1]) : 0);
    if (kind == "motion" && v.size() == 2) return motion_kernel(v[0], v[1]);
    if (kind == "line" && v.size() == 2) return line_kernel(v[0], v[1]);
    if (kind == "box" && v.size() == 1) return box_kernel(whole(v[0]));
    if (kind == "disc" && v.size() == 1) return disc_kernel(v[0]);
    if (kind == "shake" && (v.size() == 1 || v.size() == 2)) {
      if (v[0] != std::floor(v[0]) || v[0] < 0 || v[0] > 4294967295.0)
        throw Error("the seed must be a whole number, 0..4294967295");
      return shake_kernel(static_cast<std::uint32_t>(v[0]), v.size() == 2 ? whole(v[1]) : 0);
    }
  } catch (const Error& e) {
    throw Error("blur kernel '" + spec + "': " + e.what());
  }
  throw Error("blur kernel '" + spec + "': expected " + blur_spec_forms());
}

cv::Mat blur_image(const cv::Mat& image, const cv::Mat& kernel) {
  // filter2D correlates; convolving means correlating with the kernel turned by 180°.
  cv::Mat flipped, out;
  cv::flip(kernel, flipped, -1);
  cv::filter2D(image, out, CV_32F, flipped, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
  return out;
}

RandomBlurOptions RandomBlurOptions::real_world() {
  RandomBlurOptions o;
  o.max_length = 25.0;
  o.mix = BlurMix::real_world;
  return o;
}

cv::Mat random_blur_kernel(std::mt19937& rng, const RandomBlurOptions& o, BlurKind* kind) {
  if (o.mix == BlurMix::real_world) {
    BlurKind drawn = BlurKind::gaussian;
    cv::Mat kernel = random_real_world_kernel(rng, o, drawn);
    if (kind) *kind = drawn;
    return kernel;
  }
  if (std::uniform_real_distribution<double>(0, 1)(rng) < o.motion_fraction) {
    const double length = std::uniform_real_distribution<double>(o.min_length, o.max_length)(rng);
    const double angle = std::uniform_real_distribution<double>(0, 180)(rng);
    if (kind) *kind = BlurKind::motion;
    return motion_kernel(length, angle);
  }
  if (kind) *kind = BlurKind::gaussian;
  return gaussian_kernel(std::uniform_real_distribution<double>(o.min_sigma, o.max_sigma)(rng));
}

int max_random_kernel_radius(const RandomBlurOptions& o) {
  if (o.mix == BlurMix::real_world) return max_real_world_kernel_radius(o);
  const int gaussian = static_cast<int>(std::ceil(3.0 * o.max_sigma));
  const int motion = static_cast<int>(std::floor(o.max_length / 2)) + 1;
  return std::max(gaussian, motion);
}

}  // namespace upsample::imaging
