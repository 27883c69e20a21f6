// Blur kernels and the classical deconvolution baselines (Wiener, Richardson–Lucy).
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "analysis/metrics.hpp"
#include "cli_runner.hpp"
#include "deblur/classical.hpp"
#include "deblur/deblurrer.hpp"
#include "deblur/evaluation.hpp"
#include "io/image_io.hpp"
#include "tensor/error.hpp"
#include "imaging/blur_kernels.hpp"
#include "train/deblur_data.hpp"
#include "test_values.hpp"

using namespace upsample;

namespace {

// The Y plane of a sample photo in [0, 1] (CV_32F).
cv::Mat sample_y(const std::string& name) {
  cv::Mat y;
  analysis::rgb_to_y_u8(io::load_image(testing::sample(name))).convertTo(y, CV_32F, 1.0 / 255.0);
  return y;
}

// Blurred by `kernel`, with `levels` 8-bit levels of Gaussian noise (fixed seed), rounded
// to 8 bits as a file would be.
cv::Mat degrade(const cv::Mat& sharp, const cv::Mat& kernel, double levels) {
  cv::Mat blurred = imaging::blur_image(sharp, kernel);
  cv::Mat noise(blurred.size(), CV_32F);
  cv::RNG(7).fill(noise, cv::RNG::NORMAL, 0.0, levels / 255.0);
  blurred += noise;
  blurred.convertTo(blurred, CV_8U, 255.0);
  blurred.convertTo(blurred, CV_32F, 1.0 / 255.0);
  return blurred;
}

double psnr(const cv::Mat& restored, const cv::Mat& sharp, int border) {
  cv::Mat a, b;
  restored.convertTo(a, CV_8U, 255.0);
  sharp.convertTo(b, CV_8U, 255.0);
  return analysis::psnr_y(a, b, border);
}

cv::Point2d centroid(const cv::Mat& k) {
  const cv::Moments m = cv::moments(k);
  return {m.m10 / m.m00, m.m01 / m.m00};
}

}  // namespace

TEST_SUITE("deblur baselines") {

TEST_CASE("blur kernels: sizes, unit sum, centred, specs parsed and refused by name") {
  const cv::Mat g = imaging::parse_blur_kernel("gaussian:1.6");
  CHECK(g.rows == 11);  // 2⌈3σ⌉ + 1
  CHECK(imaging::parse_blur_kernel("gaussian:1.6,7").rows == 7);
  CHECK(imaging::parse_blur_kernel("box:5").rows == 5);
  for (const std::string spec : {"gaussian:0.5", "gaussian:3", "motion:9,30", "motion:3,0", "motion:15,117.5", "box:3"}) {
    CAPTURE(spec);
    const cv::Mat k = imaging::parse_blur_kernel(spec);
    CHECK(k.type() == CV_32FC1);
    CHECK(k.rows == k.cols);
    CHECK(k.rows % 2 == 1);
    CHECK(cv::sum(k)[0] == doctest::Approx(1.0).epsilon(1e-5));
    double lowest = 0;
    cv::minMaxLoc(k, &lowest);
    CHECK(lowest >= 0);
    const cv::Point2d c = centroid(k);
    CHECK(c.x == doctest::Approx(k.cols / 2).epsilon(1e-3));
    CHECK(c.y == doctest::Approx(k.rows / 2).epsilon(1e-3));
  }
  // A 9-pixel motion at 0° is a horizontal line 9 pixels long; at 90° it is vertical.
  const cv::Mat horizontal = imaging::motion_kernel(9, 0);
  CHECK(horizontal.cols == 9);
  CHECK(cv::sum(horizontal.row(horizontal.rows / 2))[0] == doctest::Approx(1.0).epsilon(1e-5));
  const cv::Mat vertical = imaging::motion_kernel(9, 90);
  CHECK(cv::sum(vertical.col(vertical.cols / 2))[0] == doctest::Approx(1.0).epsilon(1e-5));
  // At 30° (counter-clockwise, y down) the line rises to the right: mass top-right.
  const cv::Mat tilted = imaging::motion_kernel(9, 30);
  const int r = imaging::kernel_radius(tilted);
  CHECK(cv::sum(tilted(cv::Rect(r + 1, 0, r, r)))[0] > 0.3);
  CHECK(cv::sum(tilted(cv::Rect(0, 0, r, r)))[0] < 1e-6);

  CHECK_THROWS_WITH_AS(imaging::parse_blur_kernel("gauss:2"), doctest::Contains("'gauss:2'"), Error);
  CHECK_THROWS_WITH_AS(imaging::parse_blur_kernel("gaussian:x"), doctest::Contains("'x' is not a number"), Error);
  CHECK_THROWS_WITH_AS(imaging::parse_blur_kernel("gaussian:1.6,8"), doctest::Contains("odd"), Error);
  CHECK_THROWS_WITH_AS(imaging::parse_blur_kernel("motion:9"), doctest::Contains("motion:LENGTH,ANGLE"), Error);
  CHECK_THROWS_WITH_AS(imaging::parse_blur_kernel("box:4"), doctest::Contains("odd"), Error);
  CHECK_THROWS(imaging::parse_blur_kernel("gaussian:-1"));
  // Found by tests/fuzz/spec_fuzz.cpp: a 100001² kernel (40 GB) was allocated, and a size
  // beyond int was converted to one (undefined).
  CHECK_THROWS_WITH_AS(imaging::parse_blur_kernel("gaussian:1,100001"), doctest::Contains("1..301"), Error);
  CHECK_THROWS_WITH_AS(imaging::parse_blur_kernel("gaussian:1,1e20"), doctest::Contains("too large"), Error);
  CHECK_THROWS_WITH_AS(imaging::parse_blur_kernel("box:-1e20"), doctest::Contains("too large"), Error);
}

TEST_CASE("blur_image convolves (a motion PSF smears a point along itself), mirrored borders keep the mean") {
  cv::Mat point = cv::Mat::zeros(21, 21, CV_32F);
  point.at<float>(10, 10) = 1.0f;
  const cv::Mat k = imaging::motion_kernel(7, 30);
  const cv::Mat smeared = imaging::blur_image(point, k);
  const int r = imaging::kernel_radius(k);
  // Convolving a unit impulse reproduces the kernel itself, not its mirror image.
  CHECK(cv::norm(smeared(cv::Rect(10 - r, 10 - r, k.cols, k.rows)), k, cv::NORM_INF) < 1e-6);
  const cv::Mat flat(16, 16, CV_32F, cv::Scalar(0.25));
  CHECK(cv::norm(imaging::blur_image(flat, imaging::gaussian_kernel(2.0)), flat, cv::NORM_INF) < 1e-6);
}

TEST_CASE("random training kernels stay within the documented ranges") {
  std::mt19937 rng(3);
  const int max_radius = imaging::max_random_kernel_radius();
  CHECK(max_radius == 9);
  for (int i = 0; i < 50; ++i) {
    const cv::Mat k = imaging::random_blur_kernel(rng);
    CHECK(imaging::kernel_radius(k) <= max_radius);
    CHECK(cv::sum(k)[0] == doctest::Approx(1.0).epsilon(1e-5));
  }
}

TEST_CASE("the motion fraction picks the kind of every random training kernel") {
  // A Gaussian kernel equals its transpose; a motion streak at a random angle does not.
  auto transposed_differs = [](const cv::Mat& k) { return cv::norm(k, k.t(), cv::NORM_INF) > 1e-4; };
  std::mt19937 rng(5);
  imaging::RandomBlurOptions only_gaussian;
  only_gaussian.motion_fraction = 0.0;
  imaging::RandomBlurOptions only_motion;
  only_motion.motion_fraction = 1.0;
  for (int i = 0; i < 20; ++i) {
    CHECK_FALSE(transposed_differs(imaging::random_blur_kernel(rng, only_gaussian)));
    CHECK(transposed_differs(imaging::random_blur_kernel(rng, only_motion)));
  }
}

// The margins below are measured on the sample photo (1 level of noise) and rounded down;
// see the CAPTURE'd values when one fails.
TEST_CASE("Wiener and Richardson-Lucy restore a blurred, noisy photo better than the blurred input") {
  const cv::Mat sharp = sample_y("scene.png");
  struct Case {
    const char* psf;
    double nsr;
    double wiener_margin, lucy_margin;
  };
  for (const Case& c : {Case{"gaussian:1.6", 0.005, 1.5, 1.5}, Case{"motion:9,30", 0.02, 1.5, 2.0}}) {
    CAPTURE(c.psf);
    const cv::Mat kernel = imaging::parse_blur_kernel(c.psf);
    const int border = imaging::kernel_radius(kernel);
    const cv::Mat blurred = degrade(sharp, kernel, 1.0);
    const double before = psnr(blurred, sharp, border);
    const double wiener = psnr(deblur::wiener_deconvolve(blurred, kernel, c.nsr), sharp, border);
    const double lucy = psnr(deblur::richardson_lucy(blurred, kernel, 30), sharp, border);
    CAPTURE(before);
    CAPTURE(wiener);
    CAPTURE(lucy);
    CHECK(wiener > before + c.wiener_margin);
    CHECK(lucy > before + c.lucy_margin);
  }
}

TEST_CASE("Wiener on a large image: tiles with margins give what one whole-image transform gives") {
  const cv::Mat scene = sample_y("scene.png");
  const cv::Mat sharp = cv::repeat(scene, 1000 / scene.rows + 1, 1200 / scene.cols + 1)(cv::Rect(0, 0, 1200, 1000));
  struct Case {
    const char* psf;
    double nsr;
  };
  std::vector<Case> cases = {{"gaussian:1.6", 0.01}, {"motion:9,30", 0.001}};
  if (!testing::kSanitizedBuild) cases.insert(cases.end(), {{"motion:15,30", 0.01}, {"gaussian:3", 0.005}});
  for (const Case& c : cases) {
    const std::string psf = c.psf;
    CAPTURE(psf);
    const cv::Mat kernel = imaging::parse_blur_kernel(c.psf);
    const int margin = deblur::wiener_tile_margin(kernel, c.nsr);
    REQUIRE(sharp.rows > std::max(deblur::kWienerTile, 2 * margin) + 2 * margin);  // so it is tiled
    const cv::Mat blurred = degrade(sharp, kernel, 1.0);
    const cv::Mat tiled = deblur::wiener_deconvolve(blurred, kernel, c.nsr);
    const cv::Mat whole = deblur::wiener_deconvolve_untiled(blurred, kernel, c.nsr);
    const double largest = cv::norm(tiled, whole, cv::NORM_INF);
    const double agreement = psnr(tiled, whole, 0);
    CAPTURE(largest);
    CAPTURE(agreement);
    MESSAGE(psf << ": tiled vs whole, largest difference " << largest << ", PSNR " << agreement);
    CHECK(largest > 0.0);        // tiles did run
    CHECK(largest < 1.0 / 255);  // but never differ by a whole 8-bit level
    CHECK(agreement > 60.0);
  }
}

TEST_CASE("Wiener without noise undoes a symmetric blur almost exactly (the mirrored FFT has no seams)") {
  const cv::Mat sharp = sample_y("scene.png");
  const cv::Mat kernel = imaging::gaussian_kernel(1.0);
  const cv::Mat restored = deblur::wiener_deconvolve(imaging::blur_image(sharp, kernel), kernel, 1e-5);
  // Even right at the borders: no wrap-around ringing.
  CHECK(psnr(restored, sharp, 0) > 40.0);
}

TEST_CASE("colour, grey and 16-bit images go through every channel, bad requests are refused") {
  deblur::DeblurOptions o;
  o.psf = "gaussian:1.2";
  const auto wiener = deblur::create_deblurrer("wiener", o);
  const auto lucy = deblur::create_deblurrer("richardson-lucy", o);
  for (int type : {CV_8UC3, CV_8UC1, CV_16UC1}) {
    CAPTURE(type);
    cv::Mat image(24, 30, type);
    cv::randu(image, 0, CV_MAT_DEPTH(type) == CV_16U ? 65535 : 255);
    for (const auto* method : {wiener.get(), lucy.get()}) {
      const cv::Mat out = method->upscale(image);
      CHECK(out.type() == type);
      CHECK(out.size() == image.size());
    }
  }
  CHECK_THROWS_WITH_AS(deblur::create_deblurrer("wiener", {}), doctest::Contains("--psf"), UsageError);
  o.psf = "gaussian";
  CHECK_THROWS_WITH_AS(deblur::create_deblurrer("wiener", o), doctest::Contains("'gaussian'"), UsageError);
  CHECK_THROWS_WITH_AS(deblur::create_deblurrer("sharpen", {}), doctest::Contains("known: deblur, wiener"), UsageError);
  CHECK_THROWS_AS(deblur::wiener_deconvolve(cv::Mat(8, 8, CV_32F, cv::Scalar(0.5)), imaging::box_kernel(3), 0.0), Error);
  CHECK_THROWS_AS(deblur::richardson_lucy(cv::Mat(8, 8, CV_32F, cv::Scalar(0.5)), imaging::box_kernel(3), 0), Error);
}

TEST_CASE("deblur evaluation: the blurred input scores below Wiener, the noise is reproducible") {
  testing::ScratchFolder dir;
  std::filesystem::create_directories(dir / "set");
  std::filesystem::copy_file(testing::sample("scene.png"), dir / "set" / "scene.png");
  const auto set = deblur::load_deblur_eval_set(dir / "set", "gaussian:1.6", 2.0);
  const auto again = deblur::load_deblur_eval_set(dir / "set", "gaussian:1.6", 2.0);
  REQUIRE(set.size() == 1);
  CHECK(set[0].border == 5);
  CHECK(cv::norm(set[0].blurred_y, again[0].blurred_y, cv::NORM_INF) == 0);
  const auto none = deblur::evaluate_deblurrer(*deblur::create_deblurrer("none", {}), set);
  deblur::DeblurOptions o;
  o.psf = "gaussian:1.6";
  o.nsr = 0.01;
  const auto wiener = deblur::evaluate_deblurrer(*deblur::create_deblurrer("wiener", o), set);
  CHECK(wiener[0].psnr > none[0].psnr + 1.0);
}

TEST_CASE("deblur training patches: blurred, noisy, on 8-bit levels, aligned with their sharp targets") {
  cv::Mat photo;
  cv::cvtColor(io::load_image(testing::sample("scene.png")), photo, cv::COLOR_BGR2GRAY);
  const auto data = train::DeblurPatchSampler::from_images({photo}, {});
  std::mt19937 rng(5);
  Tensor blurred, sharp;
  data.sample(rng, 8, 32, blurred, sharp);
  REQUIRE(blurred.shape() == Shape{8, 1, 32, 32});
  float gradient_blurred = 0, gradient_sharp = 0, difference = 0;
  for (int b = 0; b < 8; ++b)
    for (int y = 0; y < 32; ++y)
      for (int x = 1; x < 32; ++x) {
        const float v = blurred.at(b, 0, y, x);
        CHECK(std::abs(v * 255.0f - std::round(v * 255.0f)) < 1e-3f);
        gradient_blurred += std::abs(v - blurred.at(b, 0, y, x - 1));
        gradient_sharp += std::abs(sharp.at(b, 0, y, x) - sharp.at(b, 0, y, x - 1));
        difference += std::abs(v - sharp.at(b, 0, y, x));
      }
  CHECK(gradient_blurred < 0.9f * gradient_sharp);  // blur removes detail
  CHECK(difference / (8 * 32 * 31) < 0.1f);         // but it is the same picture
}

}  // TEST_SUITE
