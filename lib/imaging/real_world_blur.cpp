#include "imaging/real_world_blur.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "imaging/degradations.hpp"
#include "imaging/disc_kernel.hpp"
#include "imaging/line_kernel.hpp"
#include "imaging/shake_kernel.hpp"

namespace upsample::imaging {

namespace {

constexpr double kMinDisc = 1, kMaxDisc = 4;
constexpr int kMinShake = 7, kMaxShake = 25;
// What a combination adds to its streak or shake.
constexpr double kMinExtraSigma = 0.3, kMaxExtraSigma = 1, kMinExtraDisc = 1, kMaxExtraDisc = 2;

double draw(std::mt19937& rng, double low, double high) { return std::uniform_real_distribution<double>(low, high)(rng); }

cv::Mat random_streak(std::mt19937& rng, const RandomBlurOptions& o, BlurKind& kind) {
  const double length = draw(rng, o.min_length, o.max_length), angle = draw(rng, 0, 180);
  switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
    case 0: kind = BlurKind::motion; return motion_kernel(length, angle);
    case 1: kind = BlurKind::line; return line_kernel(length, angle, false);
    default: kind = BlurKind::line_aa; return line_kernel(length, angle, true);
  }
}

cv::Mat random_shake(std::mt19937& rng) {
  return shake_kernel(rng, kMinShake + 2 * std::uniform_int_distribution<int>(0, (kMaxShake - kMinShake) / 2)(rng));
}

// The radius of disc_kernel(radius) before its zero rings are trimmed.
int disc_radius_bound(double radius) { return static_cast<int>(std::ceil(radius + 0.5 * std::numbers::sqrt2)); }

}  // namespace

cv::Mat random_real_world_kernel(std::mt19937& rng, const RandomBlurOptions& o, BlurKind& kind) {
  const double pick = draw(rng, 0, 1);
  if (pick < 0.20) {
    kind = BlurKind::gaussian;
    return gaussian_kernel(draw(rng, o.min_sigma, o.max_sigma));
  }
  if (pick < 0.35) {
    kind = BlurKind::anisotropic;
    const double sigma1 = draw(rng, o.min_sigma, o.max_sigma), sigma2 = draw(rng, o.min_sigma, o.max_sigma);
    return anisotropic_gaussian_kernel(sigma1, sigma2, draw(rng, 0, 180));
  }
  if (pick < 0.60) return random_streak(rng, o, kind);
  if (pick < 0.70) {
    kind = BlurKind::disc;
    return disc_kernel(draw(rng, kMinDisc, kMaxDisc));
  }
  if (pick < 0.85) {
    kind = BlurKind::shake;
    return random_shake(rng);
  }
  BlurKind base_kind = BlurKind::shake;
  const cv::Mat base = draw(rng, 0, 1) < 0.5 ? random_streak(rng, o, base_kind) : random_shake(rng);
  const cv::Mat extra = draw(rng, 0, 1) < 0.5 ? gaussian_kernel(draw(rng, kMinExtraSigma, kMaxExtraSigma))
                                              : disc_kernel(draw(rng, kMinExtraDisc, kMaxExtraDisc));
  kind = BlurKind::combined;
  return convolve_kernels(base, extra);
}

int max_real_world_kernel_radius(const RandomBlurOptions& o) {
  const int gaussian = static_cast<int>(std::ceil(3.0 * o.max_sigma));
  // motion_kernel's canvas and line_kernel's, before trimming.
  const int streak = std::max(static_cast<int>(std::floor(o.max_length / 2)) + 1,
                              static_cast<int>(std::ceil((o.max_length - 1) / 2)) + 1);
  const int shake = kMaxShake / 2;
  const int extra = std::max(static_cast<int>(std::ceil(3.0 * kMaxExtraSigma)), disc_radius_bound(kMaxExtraDisc));
  return std::max({gaussian, disc_radius_bound(kMaxDisc), std::max(streak, shake) + extra});
}

}  // namespace upsample::imaging
