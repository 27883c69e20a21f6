#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "imaging/noise_level.hpp"
#include "tensor/error.hpp"

using upsample::Error;
namespace im = upsample::imaging;

namespace {

constexpr int kSide = 160;

// A clean picture with what makes noise estimators overestimate: shading, hard-edged
// shapes and lines, texture at several scales and orientations laid over all of it with a
// strength that varies across the picture, softened a little as a lens would. Values in
// 8-bit levels, CV_32F with `channels` channels.
cv::Mat textured_picture(int channels) {
  cv::Mat picture(kSide, kSide, CV_32FC3);
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x)
      for (int c = 0; c < 3; ++c)
        picture.at<cv::Vec3f>(y, x)[c] = static_cast<float>(120 + 50 * std::sin(x / 27.0 + c) * std::cos(y / 35.0));
  cv::circle(picture, {50, 110}, 28, cv::Scalar(30, 200, 90), cv::FILLED);
  cv::rectangle(picture, {95, 20}, {140, 70}, cv::Scalar(220, 60, 160), cv::FILLED);
  for (int i = 0; i < 6; ++i) cv::line(picture, {10 + 25 * i, 150}, {60 + 20 * i, 80}, cv::Scalar::all(20 + 35 * i), 2);
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) {
      const double strength = 0.5 + 0.5 * std::sin(x / 40.0) * std::cos(y / 50.0);
      for (int c = 0; c < 3; ++c) {
        const double ripples = 25 * (std::sin((x + 2.0 * y) / (6.0 + c)) + 0.6 * std::sin(0.7 * x - 0.45 * y + c));
        const double weave = 15 * std::sin(1.3 * x + 2 * c) * std::sin(1.1 * y);
        picture.at<cv::Vec3f>(y, x)[c] += static_cast<float>(strength * (ripples + weave));
      }
    }
  cv::GaussianBlur(picture, picture, {0, 0}, 0.7);
  if (channels == 3) return picture;
  cv::Mat grey;
  cv::cvtColor(picture, grey, cv::COLOR_BGR2GRAY);
  return grey;
}

// The same CV_32F level values, uniform over an image.
cv::Mat flat_levels(int channels, double level) {
  return cv::Mat(kSide, kSide, CV_MAKETYPE(CV_32F, channels), cv::Scalar::all(level));
}

// `levels` plus Gaussian noise of `sigma` levels in every channel, unrounded.
cv::Mat with_noise(const cv::Mat& levels, double sigma, unsigned seed) {
  cv::Mat noise(levels.size(), levels.type());
  cv::RNG rng(seed);
  rng.fill(noise, cv::RNG::NORMAL, 0, sigma);
  return levels + noise;
}

// Levels as an 8-bit image: rounded and clipped to 0 … 255.
cv::Mat as_8bit(const cv::Mat& levels) {
  cv::Mat image;
  levels.convertTo(image, CV_8U);
  return image;
}

// Levels as a float image in [0, 1], unrounded.
cv::Mat as_unit_float(const cv::Mat& levels) { return levels / 255.0; }

}  // namespace

TEST_SUITE("noise level") {

TEST_CASE("Gaussian noise on a flat float image reads its sigma") {
  for (const double sigma : {1.0, 2.0, 5.0, 10.0, 20.0}) {
    CAPTURE(sigma);
    CHECK(im::estimate_noise_sigma(as_unit_float(with_noise(flat_levels(1, 128), sigma, 1))) ==
          doctest::Approx(sigma).epsilon(0.03));
  }
}

TEST_CASE("an 8-bit image adds its rounding, a twelfth of a level squared") {
  for (const double sigma : {0.5, 1.0, 3.0}) {
    CAPTURE(sigma);
    const double with_rounding = std::sqrt(sigma * sigma + 1.0 / 12.0);
    CHECK(im::estimate_noise_sigma(as_8bit(with_noise(flat_levels(1, 100), sigma, 2))) ==
          doctest::Approx(with_rounding).epsilon(0.03));
  }
}

TEST_CASE("noise-free flat and smoothly shaded images read zero") {
  CHECK(im::estimate_noise_sigma(as_8bit(flat_levels(3, 77))) == 0);
  cv::Mat ramp(kSide, kSide, CV_32F);
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) ramp.at<float>(y, x) = static_cast<float>(40 + 0.6 * x + 0.3 * y);
  CHECK(im::estimate_noise_sigma(as_unit_float(ramp)) < 0.05);
}

TEST_CASE("a textured picture with noise of sigma 0, 5 and 10 reads within 2 levels, grey and colour") {
  // Clean, it reads little more than its 8-bit rounding.
  for (const int channels : {1, 3}) {
    const cv::Mat clean = textured_picture(channels);
    for (const double sigma : {0.0, 5.0, 10.0}) {
      CAPTURE(channels);
      CAPTURE(sigma);
      const double estimate = im::estimate_noise_sigma(as_8bit(with_noise(clean, sigma, 3)));
      CAPTURE(estimate);
      CHECK(std::abs(estimate - sigma) <= 2.0);
      if (sigma == 0) CHECK(estimate < 1.0);
    }
  }
}

TEST_CASE("8-bit, 16-bit and float copies of an image read the same") {
  const cv::Mat image = as_8bit(with_noise(textured_picture(3), 4, 4));
  const double from_8bit = im::estimate_noise_sigma(image);
  cv::Mat image16, image_float;
  image.convertTo(image16, CV_16U, 257);  // 255 · 257 = 65535: the same levels exactly
  image.convertTo(image_float, CV_32F, 1.0 / 255.0);
  CHECK(im::estimate_noise_sigma(image16) == doctest::Approx(from_8bit).epsilon(1e-4));
  CHECK(im::estimate_noise_sigma(image_float) == doctest::Approx(from_8bit).epsilon(1e-4));
}

TEST_CASE("colour reads the mean of its channels' sigma") {
  std::vector<cv::Mat> channels = {flat_levels(1, 90), with_noise(flat_levels(1, 140), 6, 5), flat_levels(1, 200)};
  cv::Mat bgr;
  cv::merge(channels, bgr);
  CHECK(im::estimate_noise_sigma(as_unit_float(bgr)) == doctest::Approx(2.0).epsilon(0.03));
}

TEST_CASE("clipped regions are left out") {
  // Black on the left, white on the right, grey in the middle: noise survives only in the
  // grey, which must not be diluted by the clipped parts.
  cv::Mat levels = flat_levels(1, 128);
  levels.colRange(0, kSide / 3).setTo(0);
  levels.colRange(2 * kSide / 3, kSide).setTo(255);
  const double sigma = 8;
  CHECK(im::estimate_noise_sigma(as_8bit(with_noise(levels, sigma, 6))) ==
        doctest::Approx(std::sqrt(sigma * sigma + 1.0 / 12.0)).epsilon(0.05));

  cv::Mat black_and_white = flat_levels(1, 0);
  black_and_white.rowRange(0, kSide / 2).setTo(255);
  CHECK(im::estimate_noise_sigma(as_8bit(black_and_white)) == 0);  // nothing to measure
}

TEST_CASE("types, channel counts and sizes it cannot measure are refused") {
  CHECK_THROWS_AS(im::estimate_noise_sigma(cv::Mat(64, 64, CV_64F, cv::Scalar(0.5))), Error);
  CHECK_THROWS_AS(im::estimate_noise_sigma(cv::Mat(64, 64, CV_8S, cv::Scalar(5))), Error);
  CHECK_THROWS_AS(im::estimate_noise_sigma(cv::Mat(64, 64, CV_8UC4, cv::Scalar::all(5))), Error);
  CHECK_THROWS_AS(im::estimate_noise_sigma(cv::Mat(64, 64, CV_8UC2, cv::Scalar::all(5))), Error);
  CHECK_THROWS_AS(im::estimate_noise_sigma(cv::Mat(31, 100, CV_8U, cv::Scalar(5))), Error);
  CHECK_NOTHROW(im::estimate_noise_sigma(cv::Mat(32, 32, CV_8U, cv::Scalar(5))));
}

}  // TEST_SUITE
