#include "imaging/noise_level.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "tensor/error.hpp"

namespace upsample::imaging {

namespace {

constexpr int kPatch = 7;
constexpr int kDims = kPatch * kPatch;
constexpr int kMinImageSide = 32;
// A noise-only patch fails the weak-texture test with this probability. Stricter than the
// paper's 10⁻⁶: it keeps more texture out, and the cross-fitted estimate does not drift
// down with the few noise-only patches it drops.
constexpr double kTextureFalseAlarm = 1e-3;
constexpr int kMaxIterations = 20;
// Patches per plane; beyond this they are sampled on a coarser grid (enough to pin down a
// 49×49 covariance, and a large photo costs little more than a small one).
constexpr double kPatchBudget = 40000;
// The range of a plane in levels: a pixel at either end may have been clipped.
constexpr float kLowestLevel = 0, kHighestLevel = 255;

double square(double x) { return x * x; }

// Regularised upper incomplete gamma Q(a, x): series below a + 1, continued fraction
// (modified Lentz) above, as Numerical Recipes' gammq.
double upper_incomplete_gamma(double a, double x) {
  if (x <= 0) return 1.0;
  const double log_prefactor = -x + a * std::log(x) - std::lgamma(a);
  constexpr double kEps = 1e-15, kTiny = 1e-300;
  if (x < a + 1) {
    double term = 1.0 / a, sum = term;
    for (double n = a + 1; std::abs(term) > std::abs(sum) * kEps; n += 1) sum += term *= x / n;
    return 1.0 - sum * std::exp(log_prefactor);
  }
  double b = x + 1 - a, c = 1 / kTiny, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    c = b + an / c;
    d = 1 / (std::abs(d) < kTiny ? kTiny : d);
    c = std::abs(c) < kTiny ? kTiny : c;
    h *= d * c;
    if (std::abs(d * c - 1) < kEps) break;
  }
  return std::exp(log_prefactor) * h;
}

// The x at which a Gamma(shape, scale) variable exceeds x with probability `tail`.
double gamma_upper_quantile(double tail, double shape, double scale) {
  double low = 0, high = shape;
  while (upper_incomplete_gamma(shape, high) > tail) high *= 2;
  for (int i = 0; i < 200; ++i) {  // bisection: Q falls monotonically
    const double mid = 0.5 * (low + high);
    (upper_incomplete_gamma(shape, mid) > tail ? low : high) = mid;
  }
  return 0.5 * (low + high) * scale;
}

// The weak-texture threshold per unit noise variance. For white noise of variance σ², a
// patch's summed squared central differences (½(I[x+1] − I[x−1]))² over its 7×5
// horizontal and 5×7 vertical positions is xᵀDᵀDx, taken as Gamma(r/2, 2·trace/r)·σ² with
// r and trace those of DᵀD. Its null space is the four patterns of period two in x and y,
// so r = 49 − 4; each of D's 70 rows holds ½ twice, so trace = 70 · ½.
double weak_texture_threshold_factor() {
  constexpr double rank = kDims - 4;
  constexpr double trace = 2.0 * kPatch * (kPatch - 2) * 0.5;
  static const double factor = gamma_upper_quantile(kTextureFalseAlarm, rank / 2, 2 * trace / rank);
  return factor;
}

// Each channel as CV_32F in 8-bit levels.
std::vector<cv::Mat> planes_in_levels(const cv::Mat& image) {
  if (image.channels() != 1 && image.channels() != 3)
    throw Error("noise estimate: expected 1 or 3 channels, got " + std::to_string(image.channels()));
  double to_levels = 1;
  switch (image.depth()) {
    case CV_8U: to_levels = 1; break;
    case CV_16U: to_levels = 255.0 / 65535.0; break;
    case CV_32F: to_levels = 255; break;
    default: throw Error("noise estimate: expected an 8-bit, 16-bit or float image");
  }
  if (image.rows < kMinImageSide || image.cols < kMinImageSide)
    throw Error("noise estimate: the image is " + std::to_string(image.cols) + "×" + std::to_string(image.rows) +
                ", smaller than " + std::to_string(kMinImageSide) + "×" + std::to_string(kMinImageSide));
  std::vector<cv::Mat> planes;
  for (int c = 0; c < image.channels(); ++c) {
    cv::Mat channel, levels;
    cv::extractChannel(image, channel, c);
    channel.convertTo(levels, CV_32F, to_levels);
    planes.push_back(levels);
  }
  return planes;
}

// The patch at `corner`: its summed squared central differences, taken where both taps
// lie inside it (7×5 horizontal, 5×7 vertical).
double texture_strength(const cv::Mat& levels, cv::Point corner) {
  double strength = 0;
  for (int dy = 0; dy < kPatch; ++dy) {
    const float* row = levels.ptr<float>(corner.y + dy) + corner.x;
    for (int dx = 1; dx + 1 < kPatch; ++dx) strength += 0.25 * square(row[dx + 1] - row[dx - 1]);
  }
  for (int dy = 1; dy + 1 < kPatch; ++dy) {
    const float* above = levels.ptr<float>(corner.y + dy - 1) + corner.x;
    const float* below = levels.ptr<float>(corner.y + dy + 1) + corner.x;
    for (int dx = 0; dx < kPatch; ++dx) strength += 0.25 * square(below[dx] - above[dx]);
  }
  return strength;
}

// Whether a pixel of the patch at `corner` is at either end of the range.
bool is_clipped(const cv::Mat& levels, cv::Point corner) {
  for (int dy = 0; dy < kPatch; ++dy) {
    const float* row = levels.ptr<float>(corner.y + dy) + corner.x;
    for (int dx = 0; dx < kPatch; ++dx)
      if (row[dx] <= kLowestLevel || row[dx] >= kHighestLevel) return true;
  }
  return false;
}

// First and second moments of a changing set of patches: a patch moves in or out at the
// cost of one outer product, so reselection costs only what changed.
class PatchMoments {
 public:
  explicit PatchMoments(const cv::Mat& levels) : levels_(&levels), offset_(cv::mean(levels)[0]) {}

  void add(cv::Point corner, double weight) {  // +1 adds, −1 removes
    std::array<double, kDims> v;  // about the plane's mean: small sums keep their precision
    for (int dy = 0; dy < kPatch; ++dy) {
      const float* row = levels_->ptr<float>(corner.y + dy) + corner.x;
      for (int dx = 0; dx < kPatch; ++dx) v[dy * kPatch + dx] = static_cast<double>(row[dx]) - offset_;
    }
    for (int i = 0; i < kDims; ++i) {
      const double weighted = weight * v[i];
      sum_[i] += weighted;
      double* out = &products_[i * kDims];
      for (int j = i; j < kDims; ++j) out[j] += weighted * v[j];
    }
    count_ += weight;
  }

  bool enough() const { return count_ >= 2 * kDims; }

  cv::Mat covariance() const {
    cv::Mat result(kDims, kDims, CV_64F);
    for (int i = 0; i < kDims; ++i)
      for (int j = i; j < kDims; ++j)
        result.at<double>(i, j) = result.at<double>(j, i) =
            (products_[i * kDims + j] - sum_[i] * sum_[j] / count_) / (count_ - 1);
    return result;
  }

 private:
  const cv::Mat* levels_;
  double offset_;
  std::array<double, kDims> sum_{};
  std::array<double, kDims * kDims> products_{};
  double count_ = 0;
};

// The variance of `measured` along the least-varying direction of `chosen`.
double variance_along_least_direction(const PatchMoments& chosen, const PatchMoments& measured) {
  cv::Mat eigenvalues, eigenvectors;
  cv::eigen(chosen.covariance(), eigenvalues, eigenvectors);  // rows, by descending eigenvalue
  const cv::Mat direction = eigenvectors.row(kDims - 1);
  return cv::Mat(direction * measured.covariance() * direction.t()).at<double>(0, 0);
}

// The patches a plane offers: unclipped ones on a grid, each with its texture strength and
// its half for cross-fitting.
struct Candidates {
  std::vector<cv::Point> corners;
  std::vector<double> strengths;
  std::vector<int> halves;
};

Candidates candidate_patches(const cv::Mat& levels) {
  const int rows = levels.rows - kPatch + 1, cols = levels.cols - kPatch + 1;
  const int step = std::max(1, static_cast<int>(std::sqrt(static_cast<double>(rows) * cols / kPatchBudget)));
  // Tiles large enough that few patches straddle two, small enough that a small image
  // still has both halves.
  const int tile = std::clamp(std::min(levels.rows, levels.cols) / 4, kPatch + 1, 32);
  Candidates candidates;
  for (int y = 0; y < rows; y += step)
    for (int x = 0; x < cols; x += step)
      if (!is_clipped(levels, {x, y})) {
        candidates.corners.emplace_back(x, y);
        candidates.strengths.push_back(texture_strength(levels, {x, y}));
        candidates.halves.push_back((x / tile + y / tile) % 2);
      }
  return candidates;
}

// The noise variance of one plane; nullopt when too few patches can be measured.
std::optional<double> plane_noise_variance(const cv::Mat& levels) {
  const Candidates candidates = candidate_patches(levels);
  std::array<PatchMoments, 2> halves = {PatchMoments(levels), PatchMoments(levels)};
  std::vector<bool> selected(candidates.corners.size(), true);
  for (std::size_t i = 0; i < selected.size(); ++i) halves[candidates.halves[i]].add(candidates.corners[i], 1);
  if (!halves[0].enough() || !halves[1].enough()) return std::nullopt;
  const auto cross_fitted_variance = [&] {
    return std::max(0.0, 0.5 * (variance_along_least_direction(halves[0], halves[1]) +
                                variance_along_least_direction(halves[1], halves[0])));
  };

  double variance = cross_fitted_variance();  // from every patch: an overestimate to start from
  for (int iteration = 0; iteration < kMaxIterations; ++iteration) {
    const double threshold = variance * weak_texture_threshold_factor();
    std::array<PatchMoments, 2> trial = halves;
    std::size_t changes = 0;
    for (std::size_t i = 0; i < selected.size(); ++i) {
      const bool weak = candidates.strengths[i] <= threshold;
      if (weak == selected[i]) continue;
      trial[candidates.halves[i]].add(candidates.corners[i], weak ? 1 : -1);
      ++changes;
    }
    if (changes == 0 || !trial[0].enough() || !trial[1].enough()) break;
    halves = trial;
    for (std::size_t i = 0; i < selected.size(); ++i) selected[i] = candidates.strengths[i] <= threshold;
    variance = cross_fitted_variance();
  }
  return variance;
}

// Donoho's robust estimate from the finest diagonal Haar band: median |HH| / 0.6745, over
// 2×2 blocks that touch neither end of the range. Texture raises it and never lowers it,
// so it bounds the patch estimate, whose selection can run away on an image with few
// weak-texture patches (the flat areas of a palette image, shrunk). nullopt: no block.
std::optional<double> haar_diagonal_sigma(const cv::Mat& levels) {
  std::vector<float> diagonal;
  diagonal.reserve(static_cast<std::size_t>(levels.rows / 2) * static_cast<std::size_t>(levels.cols / 2));
  const auto clipped = [](float v) { return v <= 0.5f || v >= 254.5f; };
  for (int y = 0; y + 1 < levels.rows; y += 2) {
    const float* top = levels.ptr<float>(y);
    const float* bottom = levels.ptr<float>(y + 1);
    for (int x = 0; x + 1 < levels.cols; x += 2) {
      if (clipped(top[x]) || clipped(top[x + 1]) || clipped(bottom[x]) || clipped(bottom[x + 1])) continue;
      diagonal.push_back(0.5f * std::abs(top[x] - top[x + 1] - bottom[x] + bottom[x + 1]));
    }
  }
  if (diagonal.empty()) return std::nullopt;
  const auto middle = diagonal.begin() + static_cast<std::ptrdiff_t>(diagonal.size() / 2);
  std::nth_element(diagonal.begin(), middle, diagonal.end());
  return static_cast<double>(*middle) / 0.6745;
}

}  // namespace

double estimate_noise_sigma(const cv::Mat& image) {
  const std::vector<cv::Mat> planes = planes_in_levels(image);
  // The planes are read on as many threads: `auto` reads every photo before its upscale.
  std::vector<std::optional<double>> sigmas(planes.size());
  cv::parallel_for_(cv::Range(0, static_cast<int>(planes.size())), [&](const cv::Range& range) {
    for (int c = range.start; c < range.end; ++c) {
      const cv::Mat& levels = planes[static_cast<std::size_t>(c)];
      const auto variance = plane_noise_variance(levels);
      if (!variance) continue;
      const auto bound = haar_diagonal_sigma(levels);
      // The median of 8-bit data falls on a half level, low for small σ: the bound leaves a margin.
      const double patch_sigma = std::sqrt(*variance);
      sigmas[static_cast<std::size_t>(c)] = bound ? std::min(patch_sigma, 1.1 * *bound + 0.6) : patch_sigma;
    }
  });
  double sigma_sum = 0;
  int measured = 0;
  for (const std::optional<double>& sigma : sigmas)
    if (sigma) {
      sigma_sum += *sigma;
      ++measured;
    }
  return measured ? sigma_sum / measured : 0.0;
}

}  // namespace upsample::imaging
