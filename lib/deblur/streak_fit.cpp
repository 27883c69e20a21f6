#include "deblur/streak_fit.hpp"

#include <algorithm>
#include <vector>

#include "deblur/blur_reading.hpp"

namespace upsample::deblur {

namespace {

constexpr double kLengthStep = 0.5, kAngleStep = 1.0, kAngleRange = 8.0;
// σ from none through 0.3, 0.5, … to 1.1 px, or past the reading's own σ if it is wider.
constexpr double kSigmaStep = 0.2, kFirstSigma = 0.3, kWidestSigma = 1.1;
constexpr double kShortest = 2.0, kLongest = 61.0;

struct Candidate {
  imaging::BlurShape shape;
  double match = -1;
};

// Tries the streak of `length` and `angle` under every σ in `sigmas`, keeping the best.
void try_streak(const cv::Mat& found, double length, double angle, const std::vector<double>& sigmas, Candidate& best) {
  if (length < kShortest || length > kLongest) return;
  const cv::Mat line = imaging::kernel_from_blur_shape({length, angle, 0.0});
  for (const double sigma : sigmas) {
    const cv::Mat kernel = sigma > 0 ? imaging::convolve_kernels(line, imaging::gaussian_kernel(sigma)) : line;
    const double match = kernel_match(found, kernel);
    if (match > best.match) best = {{length, angle, sigma}, match};
  }
}

}  // namespace

imaging::BlurShape fit_streak(const cv::Mat& found, const imaging::BlurShape& start) {
  Candidate best;
  std::vector<double> sigmas = {0.0};
  for (double sigma = kFirstSigma; sigma <= std::max(kWidestSigma, start.sigma + kSigmaStep) + 1e-9; sigma += kSigmaStep)
    sigmas.push_back(sigma);
  const double length_range = std::max(2.0, 0.15 * start.streak);
  for (double dl = -length_range; dl <= length_range + 1e-9; dl += kLengthStep)
    for (double da = -kAngleRange; da <= kAngleRange + 1e-9; da += kAngleStep)
      try_streak(found, start.streak + dl, start.angle + da, sigmas, best);
  const imaging::BlurShape coarse = best.shape;
  const std::vector<double> sigma = {coarse.sigma};
  for (const double dl : {-kLengthStep / 2, 0.0, kLengthStep / 2})
    for (const double da : {-kAngleStep / 2, 0.0, kAngleStep / 2})
      try_streak(found, coarse.streak + dl, coarse.angle + da, sigma, best);
  imaging::BlurShape fitted = best.shape;
  if (fitted.angle < 0) fitted.angle += 180;
  if (fitted.angle >= 180) fitted.angle -= 180;
  return fitted;
}

}  // namespace upsample::deblur
