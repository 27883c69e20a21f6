#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <opencv2/core.hpp>

#include "imaging/matlab_imresize.hpp"
#include "analysis/metrics.hpp"
#include "tensor/error.hpp"
#include "test_values.hpp"

using upsample::Error;
namespace an = upsample::analysis;
namespace imaging = upsample::imaging;

using upsample::testing::max_abs_diff;

namespace {

// A rows×cols CV_64F image whose every row is `row`.
cv::Mat repeated_row(const std::vector<double>& row, int rows) {
  cv::Mat m(rows, static_cast<int>(row.size()), CV_64F);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < m.cols; ++x) m.at<double>(y, x) = row[static_cast<std::size_t>(x)];
  return m;
}

std::vector<double> impulse(int length, int position_1based) {
  std::vector<double> v(static_cast<std::size_t>(length), 0.0);
  v[static_cast<std::size_t>(position_1based - 1)] = 1.0;
  return v;
}

// Deterministic texture so SSIM has structure to compare.
cv::Mat texture_u8(int rows, int cols, int channels, unsigned seed) {
  cv::Mat m(rows, cols, CV_MAKETYPE(CV_8U, channels));
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, cv::Scalar::all(0), cv::Scalar::all(256));
  return m;
}

}  // namespace

TEST_SUITE("metrics") {
  // Hand-computed from the a = -0.5 kernel k: shrinking by 2 uses h(x) = k(x/2)/2 over 8
  // taps; an output pixel half a step from the impulse gets h(0.5) = k(0.25)/2 =
  // 0.8671875/2, then h(1.5) = k(0.75)/2, h(2.5) = k(1.25)/2, h(3.5) = k(1.75)/2.
  // With a = -0.75 the centre weight would be 0.4287..., without antialiasing k(0.5) = 0.5625.
  TEST_CASE("imresize 1/2 of an impulse gives the antialiased a = -0.5 kernel") {
    const cv::Mat in = repeated_row(impulse(16, 8), 4);
    const cv::Mat out = imaging::matlab_imresize(in, 0.5);
    REQUIRE(out.rows == 2);
    REQUIRE(out.cols == 8);
    REQUIRE(out.type() == CV_64FC1);
    const double expected[8] = {0.0, 0.0, -0.03515625, 0.43359375, 0.11328125, -0.01171875, 0.0, 0.0};
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 8; ++x) CHECK(out.at<double>(y, x) == doctest::Approx(expected[x]).epsilon(1e-14));
  }

  // Impulse at the first column: the mirrored tap at index 0 (= column 1 again) adds
  // h(1.5) to h(0.5), so the edge pixel is 0.546875 (replicate padding would give 0.5).
  TEST_CASE("imresize mirrors out-of-range taps with the edge repeated") {
    const cv::Mat out = imaging::matlab_imresize(repeated_row(impulse(16, 1), 2), 0.5);
    CHECK(out.at<double>(0, 0) == doctest::Approx(0.546875).epsilon(1e-14));
    CHECK(out.at<double>(0, 1) == doctest::Approx(-0.046875).epsilon(1e-14));
    CHECK(out.at<double>(0, 2) == doctest::Approx(0.0).epsilon(1e-14));
  }

  // Enlarging by 2 samples at u = x/2 + 1/4: the impulse at 8 is seen at distances
  // 0.25, 0.75, 1.25, 1.75 by outputs 15/16, 14/17, 13/18, 12/19 (plain kernel, 4 taps).
  TEST_CASE("imresize x2 of an impulse gives the a = -0.5 kernel at quarter offsets") {
    const cv::Mat out = imaging::matlab_imresize(repeated_row(impulse(16, 8), 3), 2.0);
    REQUIRE(out.rows == 6);
    REQUIRE(out.cols == 32);
    const double k025 = 0.8671875, k075 = 0.2265625, k125 = -0.0703125, k175 = -0.0234375;
    const double expected[8] = {k175, k125, k075, k025, k025, k075, k125, k175};  // outputs 12..19
    for (int i = 0; i < 8; ++i) CHECK(out.at<double>(2, 11 + i) == doctest::Approx(expected[i]).epsilon(1e-14));
    CHECK(out.at<double>(2, 10) == 0.0);
    CHECK(out.at<double>(2, 19) == 0.0);
  }

  TEST_CASE("imresize of a constant is that constant, at every scale and channel count") {
    for (double scale : {0.5, 1.0 / 3.0, 0.25, 2.0, 3.0, 4.0, 0.7}) {
      cv::Mat in(13, 17, CV_32FC3, cv::Scalar(37.25, 200.0, 0.5));
      const cv::Mat out = imaging::matlab_imresize(in, scale);
      CHECK(out.type() == CV_64FC3);
      CHECK(out.rows == static_cast<int>(std::ceil(13 * scale)));
      CHECK(out.cols == static_cast<int>(std::ceil(17 * scale)));
      CHECK(max_abs_diff(out, cv::Mat(out.size(), CV_64FC3, cv::Scalar(37.25, 200.0, 0.5))) < 1e-10);
      const cv::Mat out_u8 = imaging::matlab_imresize_u8(cv::Mat(13, 17, CV_8UC1, cv::Scalar(91)), scale);
      CHECK(max_abs_diff(out_u8, cv::Mat(out_u8.size(), CV_8UC1, cv::Scalar(91))) == 0.0);
    }
  }

  TEST_CASE("imresize to an explicit size uses out/in per dimension") {
    const cv::Mat in = repeated_row(impulse(16, 8), 4);
    CHECK(max_abs_diff(imaging::matlab_imresize_to(in, 2, 8), imaging::matlab_imresize(in, 0.5)) == 0.0);
    const cv::Mat odd = imaging::matlab_imresize_to(in, 3, 5);
    CHECK(odd.rows == 3);
    CHECK(odd.cols == 5);
  }

  TEST_CASE("uint8 imresize saturates the kernel's undershoot instead of wrapping") {
    cv::Mat in(8, 8, CV_8UC1, cv::Scalar(0));
    in.at<unsigned char>(4, 4) = 255;
    const cv::Mat out = imaging::matlab_bicubic_upscale(in, 2);
    REQUIRE(out.type() == CV_8UC1);
    double lo = 0.0, hi = 0.0;
    cv::minMaxLoc(out, &lo, &hi);
    CHECK(lo == 0.0);
    CHECK(hi == 192.0);  // rows: 255·k(0.25) = 221.1 → 221; columns: 221·k(0.25) = 191.6 → 192
    CHECK(out.at<unsigned char>(8, 6) == 0);  // 221·k(1.25) = -15.5: clamped, not wrapped to 240
  }

  TEST_CASE("the banded bicubic upscale equals imresize exactly, for every depth, channel count and scale") {
    struct Case {
      int rows, cols, type, out_depth;
    };
    // 41 rows give three bands of output rows at ×2 and the last band short.
    for (const Case c : {Case{41, 23, CV_8UC3, CV_8U}, Case{17, 30, CV_16UC1, CV_16U}, Case{9, 5, CV_32FC4, CV_32F},
                         Case{1, 1, CV_8UC1, CV_8U}, Case{33, 7, CV_32FC1, CV_32F}}) {
      cv::Mat image(c.rows, c.cols, c.type);
      cv::randu(image, 0, c.type == CV_16UC1 ? 65536 : 256);
      for (const int scale : {1, 2, 3, 4}) {
        CAPTURE(c.rows);
        CAPTURE(c.type);
        CAPTURE(scale);
        cv::Mat as_double, expected;
        image.convertTo(as_double, CV_64F);
        imaging::matlab_imresize(as_double, scale).convertTo(expected, c.out_depth);
        const cv::Mat banded = imaging::matlab_upscale(image, scale, c.out_depth);
        REQUIRE(banded.type() == expected.type());
        REQUIRE(banded.size() == expected.size());
        CHECK(cv::norm(banded, expected, cv::NORM_INF) == 0);
      }
    }
  }

  TEST_CASE("any band of the bicubic upscale's rows equals the same rows of the whole upscale") {
    cv::Mat image(37, 19, CV_8UC3);
    cv::randu(image, 0, 256);
    for (const int scale : {2, 3, 4}) {
      const cv::Mat whole = imaging::matlab_upscale(image, scale, CV_8U);
      // The first and last rows (mirrored taps), bands across the filler's 32-row steps,
      // a single row, and everything at once.
      for (const auto& [first, count] : {std::pair{0, 1}, std::pair{0, 64}, std::pair{5, 40}, std::pair{31, 2},
                                        std::pair{whole.rows - 3, 3}, std::pair{0, whole.rows}}) {
        CAPTURE(scale);
        CAPTURE(first);
        CAPTURE(count);
        cv::Mat rows(count, whole.cols, whole.type(), cv::Scalar::all(7));
        imaging::matlab_upscale_rows(image, scale, first, rows);
        CHECK(cv::norm(rows, whole.rowRange(first, first + count), cv::NORM_INF) == 0);
      }
      cv::Mat past_the_end(4, whole.cols, whole.type());
      CHECK_THROWS_AS(imaging::matlab_upscale_rows(image, scale, whole.rows - 3, past_the_end), Error);
      cv::Mat too_narrow(4, whole.cols - 1, whole.type());
      CHECK_THROWS_AS(imaging::matlab_upscale_rows(image, scale, 0, too_narrow), Error);
    }
  }

  TEST_CASE("bicubic downscale crops HR to a multiple of the scale, top-left") {
    const cv::Mat hr = texture_u8(10, 11, 3, 7);
    const cv::Mat lr = imaging::matlab_bicubic_downscale_u8(hr, 3);
    CHECK(lr.rows == 3);
    CHECK(lr.cols == 3);
    CHECK(lr.type() == CV_8UC3);
    CHECK(max_abs_diff(lr, imaging::matlab_bicubic_downscale_u8(hr(cv::Rect(0, 0, 9, 9)).clone(), 3)) == 0.0);
    const cv::Mat lr_float = imaging::matlab_bicubic_downscale(hr, 3);
    CHECK(lr_float.type() == CV_64FC3);
    cv::Mat cropped64;
    hr(cv::Rect(0, 0, 9, 9)).convertTo(cropped64, CV_64FC3);
    CHECK(max_abs_diff(lr_float, imaging::matlab_imresize(cropped64, 1.0 / 3)) == 0.0);
    CHECK(imaging::crop_to_multiple_of(hr, 4).size() == cv::Size(8, 8));
    CHECK_THROWS_AS(imaging::crop_to_multiple_of(hr, 12), Error);
    CHECK_THROWS_AS(imaging::matlab_imresize(hr, 0.5), Error);  // 8-bit needs the _u8 variant
  }

  TEST_CASE("Y of white, black and the primaries follows BT.601 studio range, grey passes through") {
    cv::Mat bgr(1, 5, CV_8UC3);
    bgr.at<cv::Vec3b>(0, 0) = {255, 255, 255};
    bgr.at<cv::Vec3b>(0, 1) = {0, 0, 0};
    bgr.at<cv::Vec3b>(0, 2) = {0, 0, 255};  // red: 16 + 65.481 = 81.481
    bgr.at<cv::Vec3b>(0, 3) = {0, 255, 0};  // green: 16 + 128.553 = 144.553
    bgr.at<cv::Vec3b>(0, 4) = {255, 0, 0};  // blue: 16 + 24.966 = 40.966
    const cv::Mat y = an::rgb_to_y_u8(bgr);
    REQUIRE(y.type() == CV_8UC1);
    CHECK(y.at<unsigned char>(0, 0) == 235);
    CHECK(y.at<unsigned char>(0, 1) == 16);
    CHECK(y.at<unsigned char>(0, 2) == 81);
    CHECK(y.at<unsigned char>(0, 3) == 145);
    CHECK(y.at<unsigned char>(0, 4) == 41);
    const cv::Mat bgra(1, 1, CV_8UC4, cv::Scalar(0, 0, 255, 0));
    CHECK(an::rgb_to_y_u8(bgra).at<unsigned char>(0, 0) == 81);  // alpha ignored
    const cv::Mat grey(2, 2, CV_8UC1, cv::Scalar(7));
    CHECK(max_abs_diff(an::rgb_to_y_u8(grey), grey) == 0.0);
  }

  TEST_CASE("PSNR of images one level apart is 10·log10(255²) = 48.13 dB") {
    const cv::Mat a(20, 24, CV_8UC1, cv::Scalar(100));
    const cv::Mat b(20, 24, CV_8UC1, cv::Scalar(101));
    CHECK(an::psnr_y(a, b, 0) == doctest::Approx(48.130803608679).epsilon(1e-12));
    CHECK(an::psnr_y(a, b, 3) == doctest::Approx(48.130803608679).epsilon(1e-12));
    CHECK(an::psnr_y(a, a, 2) == std::numeric_limits<double>::infinity());
    // Only the shaved border differs: the score ignores it.
    cv::Mat c = a.clone();
    c.row(0).setTo(0);
    CHECK(an::psnr_y(c, a, 1) == std::numeric_limits<double>::infinity());
    CHECK(an::psnr_y(c, a, 0) < 30.0);
  }

  TEST_CASE("PSNR is measured on Y: a colour change Y cannot see scores infinity") {
    // BGR (10, 20, 30) and (12, 20, 30): Y = 34.765 and 34.961, both 35.
    const cv::Mat a(12, 12, CV_8UC3, cv::Scalar(10, 20, 30));
    const cv::Mat b(12, 12, CV_8UC3, cv::Scalar(12, 20, 30));
    CHECK(an::psnr_y(a, b, 0) == std::numeric_limits<double>::infinity());
    // A grey SR is taken as Y and compared with the colour HR's Y.
    const cv::Mat y = an::rgb_to_y_u8(a);
    CHECK(an::psnr_y(y, a, 0) == std::numeric_limits<double>::infinity());
    CHECK_THROWS_AS(an::psnr_y(a, y, 0), Error);  // colour SR against grey HR
    CHECK_THROWS_AS(an::psnr_y(a, cv::Mat(12, 13, CV_8UC3, cv::Scalar(0)), 0), Error);
    CHECK_THROWS_AS(an::psnr_y(a, b, 6), Error);  // shaved to nothing
  }

  TEST_CASE("SSIM of an image with itself is 1, and matches the closed form for constants") {
    // Seeds far apart: cv::RNG streams from nearby seeds are correlated.
    const cv::Mat t = texture_u8(40, 50, 3, 0x2545F491u);
    CHECK(an::ssim_y(t, t, 0) == doctest::Approx(1.0).epsilon(1e-12));
    CHECK(std::abs(an::ssim_y(t, texture_u8(40, 50, 3, 0x9E3779B9u), 0)) < 0.1);  // independent noise
    // Constants 100 and 101: means differ, variances are 0, so SSIM = (2·100·101 + C1) /
    // (100² + 101² + C1) with C1 = (0.01·255)².
    const double c1 = 2.55 * 2.55;
    const cv::Mat a(30, 30, CV_8UC1, cv::Scalar(100));
    const cv::Mat b(30, 30, CV_8UC1, cv::Scalar(101));
    CHECK(an::ssim_y(a, b, 4) == doctest::Approx((20200.0 + c1) / (20201.0 + c1)).epsilon(1e-13));
    CHECK_THROWS_AS(an::ssim_y(a, b, 10), Error);  // 10×10 left: smaller than the window
  }

  // The window is Gaussian and only its valid positions count: a single changed pixel in
  // the middle of a flat image lowers SSIM at the (2·5+1)² positions that see it, by an
  // amount set by its Gaussian weight. Recompute that here from the definition.
  TEST_CASE("SSIM uses the 11x11 Gaussian (sigma 1.5) over the valid region") {
    cv::Mat a(21, 21, CV_8UC1, cv::Scalar(120));
    cv::Mat b = a.clone();
    b.at<unsigned char>(10, 10) = 150;
    double g[11], gsum = 0.0;
    for (int i = 0; i < 11; ++i) gsum += g[i] = std::exp(-((i - 5.0) * (i - 5.0)) / 4.5);
    const double c1 = 2.55 * 2.55, c2 = 7.65 * 7.65;
    double sum = 0.0;
    for (int y = 0; y < 11; ++y)
      for (int x = 0; x < 11; ++x) {
        const double w = g[10 - y] * g[10 - x] / (gsum * gsum);  // weight of pixel (10,10)
        const double mu_b = 120.0 + 30.0 * w;
        const double var_b = w * (1.0 - w) * 900.0;
        sum += ((2.0 * 120.0 * mu_b + c1) * c2) / ((120.0 * 120.0 + mu_b * mu_b + c1) * (var_b + c2));
      }
    CHECK(an::ssim_y(a, b, 0) == doctest::Approx(sum / 121.0).epsilon(1e-12));
  }

  TEST_CASE("evaluate_pair crops HR to the scale and shaves scale pixels") {
    const cv::Mat hr = texture_u8(27, 31, 3, 5);
    const cv::Mat cropped = imaging::crop_to_multiple_of(hr, 3);
    const an::PsnrSsim same = an::evaluate_pair(cropped.clone(), hr, 3);
    CHECK(same.psnr == std::numeric_limits<double>::infinity());
    CHECK(same.ssim == doctest::Approx(1.0).epsilon(1e-12));
    const cv::Mat sr = an::bicubic_baseline_y(hr, 3);
    CHECK(sr.size() == cropped.size());
    const an::PsnrSsim scored = an::evaluate_pair(sr, hr, 3);
    CHECK(scored.psnr == doctest::Approx(an::psnr_y(sr, cropped, 3)));
    CHECK(scored.ssim == doctest::Approx(an::ssim_y(sr, cropped, 3)));
    CHECK_THROWS_AS(an::evaluate_pair(hr, hr, 3), Error);  // SR must have the cropped size
  }
}
