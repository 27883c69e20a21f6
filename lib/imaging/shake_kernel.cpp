#include "imaging/shake_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <string>
#include <vector>

#include "tensor/error.hpp"

namespace upsample::imaging {

namespace {

using Point = std::complex<double>;  // x right, y down

// Boracchi & Foi's generator (DeblurGAN's Trajectory), in its own units: every step has
// the same length, so the samples are equally spaced in time.
std::vector<Point> shake_trajectory(std::mt19937& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  constexpr int kSteps = 2000;
  constexpr double kLength = 60;  // the path's length; only its shape matters (it is scaled)
  constexpr double kStep = kLength / (kSteps - 1);
  // How hard the random pushes are. Boracchi & Foi's range reaches 0.1, where the path
  // scribbles over its whole box; recorded shake (Levin et al.) is one or two strokes.
  const double anxiety = 0.005 + 0.045 * unit(rng);
  const double centripetal = 0.7 * unit(rng);        // the pull back towards the start
  const double big_shake = 0.2 * unit(rng);          // the chance of a jerk, times anxiety
  const double gaussian_shake = 10 * unit(rng);
  const double start_angle = 2 * std::numbers::pi * unit(rng);
  Point v = std::polar(kStep, start_angle);
  std::vector<Point> x(kSteps);
  for (int t = 0; t + 1 < kSteps; ++t) {
    Point dv = 0;
    if (unit(rng) < big_shake * anxiety)  // a jerk: the motion turns about and speeds up
      dv = 2.0 * v * std::polar(1.0, std::numbers::pi + (unit(rng) - 0.5));
    const Point push(normal(rng), normal(rng));
    dv += anxiety * (gaussian_shake * push - centripetal * x[static_cast<size_t>(t)]) * kStep;
    v += dv;
    const double speed = std::abs(v);
    v = speed > 0 ? v * (kStep / speed) : std::polar(kStep, start_angle);
    x[static_cast<size_t>(t) + 1] = x[static_cast<size_t>(t)] + v;
  }
  // The exposure sees the start of the path only: a random share of it, as their PSFs
  // are taken at several fractions of the exposure.
  const double exposure = 0.3 + 0.7 * unit(rng);
  x.resize(static_cast<size_t>(std::max(2.0, exposure * kSteps)));
  return x;
}

}  // namespace

cv::Mat shake_kernel(std::mt19937& rng, int size) {
  if (size < 3 || size % 2 == 0 || size > 201)
    throw Error("shake blur: the size must be odd, 3..201, not " + std::to_string(size));
  std::vector<Point> path = shake_trajectory(rng);
  // Bilinear splatting keeps the mean of the samples, so the kernel's centre of mass is
  // their mean: put it on the centre pixel, then scale the farthest excursion from it to
  // the box's edge.
  Point mean = 0;
  for (const Point& p : path) mean += p;
  mean /= static_cast<double>(path.size());
  double reach = 0;
  for (Point& p : path) {
    p -= mean;
    reach = std::max({reach, std::abs(p.real()), std::abs(p.imag())});
  }
  const double c = (size - 1) / 2.0;
  const double scale = reach > 0 ? c / reach : 0;
  cv::Mat kernel = cv::Mat::zeros(size, size, CV_32F);
  for (const Point& p : path) {
    const double x = std::clamp(c + p.real() * scale, 0.0, size - 1.0), y = std::clamp(c + p.imag() * scale, 0.0, size - 1.0);
    const int x0 = std::min(static_cast<int>(x), size - 2), y0 = std::min(static_cast<int>(y), size - 2);
    const double fx = x - x0, fy = y - y0;
    kernel.at<float>(y0, x0) += static_cast<float>((1 - fx) * (1 - fy));
    kernel.at<float>(y0, x0 + 1) += static_cast<float>(fx * (1 - fy));
    kernel.at<float>(y0 + 1, x0) += static_cast<float>((1 - fx) * fy);
    kernel.at<float>(y0 + 1, x0 + 1) += static_cast<float>(fx * fy);
  }
  return kernel / cv::sum(kernel)[0];
}

cv::Mat shake_kernel(std::uint32_t seed, int size) {
  std::mt19937 rng(seed);
  if (size == 0) size = 11 + 2 * std::uniform_int_distribution<int>(0, 7)(rng);
  return shake_kernel(rng, size);
}

}  // namespace upsample::imaging
