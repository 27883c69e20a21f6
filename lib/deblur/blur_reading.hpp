#pragma once
// The blur a deblurring network is told when the user does not know it. Two readers
// see different things: the blur estimator (deblur/blur_estimate.hpp) gives a three-number
// code, precise for the Gaussians and short streaks it was trained on; the blind kernel
// search (deblur/blind_kernel.hpp) finds any shape, shake included, but its taps are
// noisy. Each is compared with the blur the found kernel's moments describe:
//   - the estimator's blur like it (agreement ≥ kEstimatorAgreement), or the found kernel
//     like it (shape match ≥ kFreeFormMatch) and within the estimator's reach: a blur the
//     estimator knows, and its reading is the finer one (a sharp photo stays "sharp", not
//     a short streak the search reads off its edges);
//   - else, the found kernel like it: a streak longer than the estimator knows; its
//     moments' blur, which drops the noise in the found taps;
//   - else a blur no code describes, such as camera shake: the found kernel, its centre
//     of mass moved onto the centre to a fraction of a pixel (the search centres it to
//     the nearest pixel; the rest would shift the deblurred image).
// A streak read either way (kFittedStreakFrom px or longer) is then fitted to the found
// kernel's taps (deblur/streak_fit.hpp): the moments, and the estimator that agrees with
// them, are pulled off by the search's stray taps.
// Matches are the normalised correlation of two kernels centred on one canvas.
#include <string>

#include <opencv2/core.hpp>

#include "models/model.hpp"

namespace upsample::deblur {

constexpr double kFreeFormMatch = 0.8;
constexpr double kEstimatorAgreement = 0.96;
// The blurs the estimator reads well (it was trained on streaks up to 15 px, Gaussians up
// to σ 3, and reads the longest of them short).
constexpr double kEstimatorLongestStreak = 12;
constexpr double kEstimatorWidestSigma = 3;
// A streak this long has taps the search resolves; a sharp photo reads shorter.
constexpr double kFittedStreakFrom = 5;

struct BlurReading {
  enum class Source { estimator, kernel_moments, streak_fit, free_form };
  cv::Mat kernel;              // CV_32FC1, odd, square, summing to 1
  cv::Mat estimated;           // the estimator's blur, used or not
  Source source = Source::estimator;
  double shape_match = 0;      // kernel found against the blur its moments describe
  double agreement = 0;        // that blur against the estimator's
};

// The blur of `y` (CV_32FC1 in [0, 1]); below kMinBlindSide on a side, the estimator's alone.
BlurReading read_blur(const models::Model& estimator, const cv::Mat& y);

// The same for a photo: 8- or 16-bit, grey, BGR or BGRA (alpha ignored); read on its Y.
BlurReading read_image_blur(const models::Model& estimator, const cv::Mat& image);

// The normalised correlation of two kernels centred on a common canvas (1: the same shape).
double kernel_match(const cv::Mat& a, const cv::Mat& b);

// "estimator", "kernel moments", "streak fitted to the kernel", "free-form kernel".
std::string source_name(BlurReading::Source source);

}  // namespace upsample::deblur
