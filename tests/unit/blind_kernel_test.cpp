// Reading the whole blur kernel off an image (deblur/blind_kernel.hpp) and choosing what a
// deblurring network is told (deblur/blur_reading.hpp).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "deblur/blind_kernel.hpp"
#include "deblur/blur_estimate.hpp"
#include "deblur/blur_reading.hpp"
#include "deblur/classical.hpp"
#include "deblur/kernel_spec.hpp"
#include "deblur/streak_fit.hpp"
#include "imaging/blur_kernels.hpp"
#include "models/model.hpp"
#include "tensor/error.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample;

namespace {

// The scene sample's Y in [0, 1]: edges in every direction.
cv::Mat scene_y() {
  const cv::Mat image = cv::imread(testing::sample("scene.png").string(), cv::IMREAD_GRAYSCALE);
  REQUIRE(!image.empty());
  cv::Mat y;
  image.convertTo(y, CV_32F, 1.0 / 255);
  return y;
}

// `sharp` blurred as the evaluation blurs (true convolution, mirrored borders), with
// Gaussian noise of σ `noise` levels of 255, seeded.
cv::Mat blurred_with(const cv::Mat& sharp, const std::string& spec, double noise = 0) {
  cv::Mat blurred = imaging::blur_image(sharp, deblur::load_blur_kernel(spec));
  if (noise > 0) {
    cv::Mat n(blurred.size(), CV_32F);
    cv::RNG rng(5);
    rng.fill(n, cv::RNG::NORMAL, 0, noise / 255);
    blurred += n;
  }
  return blurred;
}

// `sharp` convolved with `kernel` periodically (what the kernel step assumes).
cv::Mat periodic_blur(const cv::Mat& sharp, const cv::Mat& kernel) {
  cv::Mat spectrum, product, out;
  cv::dft(sharp, spectrum, cv::DFT_COMPLEX_OUTPUT);
  cv::mulSpectrums(spectrum, deblur::psf_spectrum(kernel, sharp.rows, sharp.cols), product, 0);
  cv::idft(product, out, cv::DFT_SCALE | cv::DFT_REAL_OUTPUT);
  return out;
}

// PSNR of `blurred` Wiener-deconvolved with `kernel` against `sharp`, away from the borders.
double wiener_psnr(const cv::Mat& blurred, const cv::Mat& kernel, const cv::Mat& sharp) {
  const cv::Rect inside(16, 16, sharp.cols - 32, sharp.rows - 32);
  const cv::Mat restored = cv::min(cv::max(deblur::wiener_deconvolve(blurred, kernel, 0.005), 0.0f), 1.0f);
  return cv::PSNR(restored(inside), sharp(inside), 1.0);
}

}  // namespace

TEST_SUITE("blind kernel") {

TEST_CASE("kernel_match: 1 for the same shape at any size and mass, less for another shape") {
  const cv::Mat line = imaging::parse_blur_kernel("line:9,0");
  cv::Mat padded;
  cv::copyMakeBorder(line * 3, padded, 4, 4, 4, 4, cv::BORDER_CONSTANT, 0);
  CHECK(deblur::kernel_match(line, padded) == doctest::Approx(1.0));
  CHECK(deblur::kernel_match(line, imaging::parse_blur_kernel("line:9,90")) < 0.2);
  CHECK(deblur::kernel_match(line, cv::Mat::zeros(3, 3, CV_32F)) == 0.0);
}

TEST_CASE("the kernel step finds the kernel that blurred a periodic image, shake included") {
  const cv::Mat sharp = scene_y();
  const cv::Mat window = cv::Mat::ones(sharp.size(), CV_32F);
  for (const std::string spec : {"line:15,30", "shake:2", "gaussian:1.6"}) {
    const cv::Mat truth = deblur::load_blur_kernel(spec);
    const cv::Mat found = deblur::kernel_from_gradients(sharp, periodic_blur(sharp, truth), window, 31);
    const double match = deblur::kernel_match(found, truth);
    INFO(spec << ": match " << match);
    CHECK(match > 0.95);
    CHECK(cv::sum(found)[0] == doctest::Approx(1.0).epsilon(1e-4));
    double least = 0;
    cv::minMaxLoc(found, &least);
    CHECK(least >= 0);
  }
}

TEST_CASE("the sparse-edge image under the true kernel is sharper than the blurred image") {
  const cv::Mat sharp = scene_y();
  const cv::Mat kernel = deblur::load_blur_kernel("line:9,30");
  const cv::Mat blurred = periodic_blur(sharp, kernel);
  const cv::Mat restored = deblur::sparse_gradient_image(blurred, kernel, 1e-4);
  const double before = cv::PSNR(blurred, sharp, 1.0), after = cv::PSNR(restored, sharp, 1.0);
  INFO("PSNR blurred " << before << " dB, sparse-edge image " << after << " dB");
  CHECK(after > before + 3);
}

TEST_CASE("the blind search reads streaks and shake off a blurred photo, and no blur off a sharp one") {
  const cv::Mat sharp = scene_y();
  // Thin kernels match only where their taps land on the same pixels: the bounds are
  // those of readings that deblur well (a scene this small has few edges to read).
  struct Case {
    std::string spec;
    double least_match;
  };
  std::vector<Case> cases = {{"shake:2", 0.7}};
  // Streaks take the same search: the sanitizers run it once, on shake.
  if (!testing::kSanitizedBuild) cases.insert(cases.end(), {{"line:15,0", 0.6}, {"line:21,75", 0.5}});
  for (const Case& c : cases) {
    const cv::Mat found = deblur::estimate_blur_kernel(blurred_with(sharp, c.spec, 2));
    const double match = deblur::kernel_match(found, deblur::load_blur_kernel(c.spec));
    INFO(c.spec << ": match " << match << ", " << found.cols << "×" << found.rows);
    CHECK(match > c.least_match);
    CHECK(found.rows % 2 == 1);
    CHECK(found.rows <= 31);
  }
  const cv::Mat none = deblur::estimate_blur_kernel(sharp);
  INFO("sharp: " << none.cols << "×" << none.rows << ", centre tap " << none.at<float>(none.rows / 2, none.cols / 2));
  CHECK(none.rows <= 5);
  CHECK(cv::sum(none(cv::Rect(none.cols / 2 - 1, none.rows / 2 - 1, 3, 3)))[0] > 0.9);
  CHECK_THROWS_AS(deblur::estimate_blur_kernel(sharp(cv::Rect(0, 0, 20, 40))), Error);
}

TEST_CASE("fit_streak: a streak's stray taps pull its moments off, not its fit") {
  const imaging::BlurShape truth{11, 40, 0.5};
  const cv::Mat clean = imaging::kernel_from_blur_shape(truth);
  // The streak on a 25×25 canvas with four stray taps of 2 % near the corners, as the
  // search leaves them.
  cv::Mat found = cv::Mat::zeros(25, 25, CV_32F);
  clean.copyTo(found(cv::Rect((25 - clean.cols) / 2, (25 - clean.rows) / 2, clean.cols, clean.rows)));
  for (const cv::Point p : {cv::Point(2, 3), cv::Point(21, 2), cv::Point(3, 22), cv::Point(22, 20)}) found.at<float>(p) = 0.02f;
  found /= cv::sum(found)[0];
  const imaging::BlurShape moments = imaging::blur_shape(imaging::blur_code(found));
  const imaging::BlurShape fitted = deblur::fit_streak(found, moments);
  const double moments_match = deblur::kernel_match(imaging::kernel_from_blur_shape(moments), clean);
  const double fitted_match = deblur::kernel_match(imaging::kernel_from_blur_shape(fitted), clean);
  INFO("moments: " << imaging::describe_blur(moments) << " (match " << moments_match << "); fitted: "
                   << imaging::describe_blur(fitted) << " (match " << fitted_match << ")");
  CHECK(moments.sigma > truth.sigma + 1);  // what the fit is for
  CHECK(std::abs(fitted.streak - truth.streak) <= 0.5);
  CHECK(std::abs(fitted.angle - truth.angle) <= 1.0);
  CHECK(std::abs(fitted.sigma - truth.sigma) <= 0.2);
  CHECK(fitted_match > 0.99);
  CHECK(fitted_match > moments_match + 0.1);
  // A streak at 179°, read at 2°: fitted past 0°, its angle back in [0, 180) as every
  // reading's is.
  const imaging::BlurShape level = deblur::fit_streak(imaging::kernel_from_blur_shape({9, 179, 0.0}), {9, 2, 0.5});
  INFO("at 179°: " << imaging::describe_blur(level));
  CHECK(level.angle == doctest::Approx(179).epsilon(0.003));
}

TEST_CASE("read_blur: shake as the kernel found, a streak fitted to it, a Gaussian and a sharp photo by the estimator") {
  const fs::path file = testing::source_dir() / "weights" / "blur-estimator_x1.safetensors";
  REQUIRE(fs::is_regular_file(file));
  const auto estimator = models::load_model(file);
  const cv::Mat sharp = scene_y();
  using Source = deblur::BlurReading::Source;
  struct Case {
    std::string spec;
    Source source;
    double least_match;
  };
  std::vector<Case> cases = {{"shake:2", Source::free_form, 0.7}};
  // The sanitizers take the free-form reading here and the estimator's off the sharp
  // photo below; the streak's fit is plain arithmetic on the kernel found.
  if (!testing::kSanitizedBuild)
    cases.insert(cases.end(), {{"gaussian:1.6", Source::estimator, 0.95}, {"line:21,0", Source::streak_fit, 0.5}});
  for (const Case& c : cases) {
    const cv::Mat blurred = blurred_with(sharp, c.spec, 2);
    const deblur::BlurReading reading = deblur::read_blur(*estimator, blurred);
    const cv::Mat truth = deblur::load_blur_kernel(c.spec);
    const double match = deblur::kernel_match(reading.kernel, truth);
    const cv::Mat estimated = imaging::kernel_from_blur_code(deblur::estimate_blur_code(*estimator, blurred));
    const double restored = wiener_psnr(blurred, reading.kernel, sharp), by_estimator = wiener_psnr(blurred, estimated, sharp);
    INFO(c.spec << ": " << deblur::source_name(reading.source) << ", shape match " << reading.shape_match
                << ", agreement " << reading.agreement << ", match to the truth " << match << "; Wiener with it "
                << restored << " dB, with the estimator's blur " << by_estimator << " dB");
    CHECK(reading.source == c.source);
    CHECK(match > c.least_match);
    CHECK(restored >= by_estimator - 0.05);
  }
  // A sharp photo: the search finds a few pixels' blur, within the estimator's reach, so
  // the estimator's reading (its own softness) is used, not a short streak.
  const deblur::BlurReading of_sharp = deblur::read_blur(*estimator, sharp);
  INFO("sharp: shape match " << of_sharp.shape_match << ", agreement " << of_sharp.agreement);
  CHECK(of_sharp.source == deblur::BlurReading::Source::estimator);
  // Too small for the search: the estimator's reading.
  const deblur::BlurReading small = deblur::read_blur(*estimator, sharp(cv::Rect(0, 0, 24, 24)).clone());
  CHECK(small.source == deblur::BlurReading::Source::estimator);
}

}  // TEST_SUITE
