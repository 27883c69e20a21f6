// The blur kernels of issue 27 (line, disc, shake, kernel files), the real-world training
// mix, a colour photo's noise in the training patches and the colour-noise evaluation.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "deblur/deblurrer.hpp"
#include "deblur/evaluation.hpp"
#include "deblur/kernel_spec.hpp"
#include "pipeline/method_registry.hpp"
#include "imaging/blur_kernels.hpp"
#include "imaging/shake_kernel.hpp"
#include "io/image_io.hpp"
#include "tensor/error.hpp"
#include "train/deblur_data.hpp"

using namespace upsample;

namespace {

// Every kernel's promise: CV_32FC1, odd square, non-negative, sums to 1.
void check_kernel_basics(const cv::Mat& k) {
  REQUIRE(k.type() == CV_32FC1);
  CHECK(k.rows == k.cols);
  CHECK(k.rows % 2 == 1);
  double low = 0;
  cv::minMaxLoc(k, &low);
  CHECK(low >= 0);
  CHECK(cv::sum(k)[0] == doctest::Approx(1.0).epsilon(1e-5));
}

// The centre of mass, in pixels from the centre pixel.
cv::Point2d kernel_centroid(const cv::Mat& k) {
  double total = 0, x_sum = 0, y_sum = 0;
  for (int y = 0; y < k.rows; ++y)
    for (int x = 0; x < k.cols; ++x) {
      const double w = k.at<float>(y, x);
      total += w;
      x_sum += w * (x - k.cols / 2);
      y_sum += w * (y - k.rows / 2);
    }
  return {x_sum / total, y_sum / total};
}

// A restorer with only a colour path: the colour-noise evaluation must not take Y.
class ColourPathOnly final : public pipeline::Upscaler {
 public:
  int scale() const override { return 1; }
  cv::Mat upscale(const cv::Mat& image) const override { return image.clone(); }
  cv::Mat upscale_y(const cv::Mat&) const override { throw Error("the Y path was taken"); }
};

}  // namespace

TEST_SUITE("blur kernels") {

TEST_CASE("line:9,0 is a row of nine equal taps, line:L,90 a column") {
  const cv::Mat row = imaging::parse_blur_kernel("line:9,0");
  check_kernel_basics(row);
  REQUIRE(row.rows == 9);
  for (int y = 0; y < 9; ++y)
    for (int x = 0; x < 9; ++x) CHECK(row.at<float>(y, x) == doctest::Approx(y == 4 ? 1.0 / 9 : 0.0));
  for (const int length : {5, 7, 11}) {
    CAPTURE(length);
    const cv::Mat column = imaging::parse_blur_kernel("line:" + std::to_string(length) + ",90");
    check_kernel_basics(column);
    REQUIRE(column.rows == length);
    cv::Mat transposed;
    cv::transpose(column, transposed);
    const cv::Mat along_x = imaging::parse_blur_kernel("line:" + std::to_string(length) + ",0");
    CHECK(cv::norm(transposed, along_x, cv::NORM_INF) < 1e-7);
  }
  // Not our anti-aliased splat: a diagonal LINE_8 streak between whole-pixel ends
  // (±round(4·cos 45°) = ±3) is seven equal taps, one per column.
  const cv::Mat diagonal = imaging::parse_blur_kernel("line:9,45");
  check_kernel_basics(diagonal);
  CHECK(cv::countNonZero(diagonal) == 7);
  for (int i = 0; i < 7; ++i) CHECK(diagonal.at<float>(6 - i, i) == doctest::Approx(1.0 / 7));
  CHECK(cv::countNonZero(imaging::parse_blur_kernel("motion:9,45")) > 9);
  CHECK(diagonal.at<float>(0, diagonal.cols - 1) > 0);  // 45° goes up and to the right
}

TEST_CASE("a disc is a centred, symmetric defocus blur") {
  for (const double radius : {1.0, 2.5, 4.0}) {
    CAPTURE(radius);
    const cv::Mat disc = imaging::parse_blur_kernel("disc:" + std::to_string(radius));
    check_kernel_basics(disc);
    cv::Mat turned;
    for (const int flip : {0, 1, -1}) {
      cv::flip(disc, turned, flip);
      CHECK(cv::norm(turned, disc, cv::NORM_INF) == 0);
    }
    cv::transpose(disc, turned);
    CHECK(cv::norm(turned, disc, cv::NORM_INF) == 0);
    const int r = disc.rows / 2;
    CHECK(r >= static_cast<int>(radius));
    CHECK(r <= static_cast<int>(std::ceil(radius + 0.5)));
    // Uniform inside, anti-aliased at the edge.
    CHECK(disc.at<float>(r, r) == doctest::Approx(disc.at<float>(r, r + static_cast<int>(radius) - 1)));
    CHECK(disc.at<float>(r, r + static_cast<int>(radius)) < disc.at<float>(r, r));
  }
  CHECK_THROWS_WITH_AS(imaging::parse_blur_kernel("disc:0"), doctest::Contains("radius"), Error);
}

TEST_CASE("a shake kernel fits its box, is centred on its mass, and is the same for a seed") {
  for (const uint32_t seed : {1u, 2u, 3u, 42u, 1000u}) {
    CAPTURE(seed);
    const cv::Mat k = imaging::parse_blur_kernel("shake:" + std::to_string(seed));
    check_kernel_basics(k);
    CHECK(k.rows >= 11);
    CHECK(k.rows <= 25);
    const cv::Point2d c = kernel_centroid(k);
    CHECK(std::abs(c.x) <= 0.5);
    CHECK(std::abs(c.y) <= 0.5);
    CHECK(cv::norm(k, imaging::parse_blur_kernel("shake:" + std::to_string(seed)), cv::NORM_INF) == 0);
    CHECK(cv::norm(k, imaging::shake_kernel(seed), cv::NORM_INF) == 0);
    const cv::Mat sized = imaging::parse_blur_kernel("shake:" + std::to_string(seed) + ",15");
    check_kernel_basics(sized);
    CHECK(sized.rows == 15);
    // It fills its box: some tap lies on the box's edge.
    CHECK(cv::sum(sized)[0] - cv::sum(sized(cv::Rect(1, 1, 13, 13)))[0] > 0);
  }
  const cv::Mat one = imaging::shake_kernel(1u, 15), two = imaging::shake_kernel(2u, 15);
  CHECK(cv::norm(one, two, cv::NORM_INF) > 1e-3);
  CHECK_THROWS_WITH_AS(imaging::parse_blur_kernel("shake:1,14"), doctest::Contains("odd"), Error);
  CHECK_THROWS_WITH_AS(imaging::parse_blur_kernel("shake:1.5"), doctest::Contains("seed"), Error);
  CHECK_THROWS_WITH_AS(imaging::parse_blur_kernel("shaky:1"), doctest::Contains("shake:SEED[,SIZE]"), Error);
}

TEST_CASE("centred_on_mass moves a kernel's mass onto its centre to a fraction of a pixel") {
  // Two taps, the centre's and its right neighbour's: the mass sits half a pixel right.
  cv::Mat pair = cv::Mat::zeros(5, 5, CV_32F);
  pair.at<float>(2, 2) = 0.5f;
  pair.at<float>(2, 3) = 0.5f;
  // A streak 0.375 px up and 1.5 px left of the centre (what the search leaves
  // after centring to the nearest pixel, and more).
  cv::Mat off = cv::Mat::zeros(15, 15, CV_32F);
  for (int x = 2; x <= 9; ++x) off.at<float>(x % 3 == 0 ? 6 : 7, x) = 1.0f;
  off /= cv::sum(off)[0];
  for (const cv::Mat& kernel : {pair, off}) {
    const cv::Point2d before = kernel_centroid(kernel);
    const cv::Mat centred = imaging::centred_on_mass(kernel);
    check_kernel_basics(centred);
    const cv::Point2d after = kernel_centroid(centred);
    INFO("centre of mass " << before << " -> " << after);
    CHECK(std::hypot(before.x, before.y) > 0.3);
    CHECK(std::abs(after.x) < 0.05);
    CHECK(std::abs(after.y) < 0.05);
  }
  // A kernel already centred stays as it was.
  const cv::Mat streak = imaging::parse_blur_kernel("motion:9,30");
  const cv::Mat same = imaging::centred_on_mass(streak);
  REQUIRE(same.size() == streak.size());
  CHECK(cv::norm(same, streak, cv::NORM_INF) < 1e-3);
  CHECK_THROWS_WITH_AS(imaging::centred_on_mass(cv::Mat::zeros(3, 3, CV_32F)), doctest::Contains("zero"), Error);
}

TEST_CASE("a kernel image round-trips through save_kernel_image and kernel:FILE") {
  testing::ScratchFolder dir;
  for (const std::string spec : {"shake:7", "disc:2.5", "motion:9,30", "gaussian:1.2", "line:7,20"}) {
    CAPTURE(spec);
    const cv::Mat kernel = imaging::parse_blur_kernel(spec);
    const auto file = dir / "k.png";
    deblur::save_kernel_image(file, kernel);
    const cv::Mat stored = io::load_image(file);
    CHECK(stored.type() == CV_16UC1);
    double peak = 0;
    cv::minMaxLoc(kernel, nullptr, &peak);
    const cv::Mat back = deblur::load_blur_kernel("kernel:" + file.string());
    check_kernel_basics(back);
    REQUIRE(back.size() == kernel.size());
    // Each tap rounded to 1/65535 of the peak, then all renormalised.
    CHECK(cv::norm(back, kernel, cv::NORM_INF) <= peak / 65535.0 + 1e-6);
  }
}

TEST_CASE("kernel:FILE pads even and non-square images, and refuses bad files naming them") {
  testing::ScratchFolder dir;
  cv::Mat wide = cv::Mat::zeros(2, 4, CV_8U);
  wide.at<uchar>(0, 0) = 100;
  wide.at<uchar>(1, 3) = 300 / 2;
  io::save_image(dir / "wide.png", wide);
  const cv::Mat k = deblur::load_blur_kernel("kernel:" + (dir / "wide.png").string());
  check_kernel_basics(k);
  // 2×4 → 3×5 (a zero row below, a zero column right) → 5×5 (a zero row above and below).
  REQUIRE(k.rows == 5);
  CHECK(k.at<float>(1, 0) == doctest::Approx(0.4));
  CHECK(k.at<float>(2, 3) == doctest::Approx(0.6));
  // Colour is read as grey.
  cv::Mat colour(3, 3, CV_8UC3, cv::Scalar(0, 0, 0));
  colour.at<cv::Vec3b>(1, 1) = {200, 200, 200};
  io::save_image(dir / "colour.png", colour);
  const cv::Mat point = deblur::load_blur_kernel("kernel:" + (dir / "colour.png").string());
  CHECK(point.at<float>(1, 1) == doctest::Approx(1.0));

  const std::string missing = (dir / "missing.png").string();
  CHECK_THROWS_WITH_AS(deblur::load_blur_kernel("kernel:" + missing), doctest::Contains(missing.c_str()), Error);
  io::save_image(dir / "zero.png", cv::Mat::zeros(5, 5, CV_8U));
  const std::string zero = (dir / "zero.png").string();
  CHECK_THROWS_WITH_AS(deblur::load_blur_kernel("kernel:" + zero), doctest::Contains((zero + ": the blur kernel is all zero").c_str()),
                       Error);
  io::save_image(dir / "big.png", cv::Mat(5, 202, CV_8U, cv::Scalar(1)));
  const std::string big = (dir / "big.png").string();
  CHECK_THROWS_WITH_AS(deblur::load_blur_kernel("kernel:" + big), doctest::Contains((big + ": a blur kernel image may be at most 201×201").c_str()),
                       Error);
  CHECK_THROWS_WITH_AS(deblur::load_blur_kernel("kernel:"), doctest::Contains("needs a file"), Error);
  // Everything else is imaging's.
  CHECK(cv::norm(deblur::load_blur_kernel("box:3"), imaging::box_kernel(3), cv::NORM_INF) == 0);
  // A user's --psf reaches the file: Wiener takes it.
  deblur::DeblurOptions o;
  o.psf = "kernel:" + zero;
  CHECK_THROWS_WITH_AS(deblur::create_deblurrer("wiener", o), doctest::Contains(zero.c_str()), UsageError);
}

TEST_CASE("blur-kernel writes a spec as a PNG that kernel:FILE reads back") {
  testing::ScratchFolder dir;
  const auto r = testing::run_cli({"blur-kernel", "line:9,0", "-o", "line.png"}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("line.png: 9×9 kernel of line:9,0") != std::string::npos);
  const cv::Mat back = deblur::load_blur_kernel("kernel:" + (dir / "line.png").string());
  CHECK(cv::norm(back, imaging::parse_blur_kernel("line:9,0"), cv::NORM_INF) < 1e-6);
  CHECK(testing::run_cli({"blur-kernel", "shake:x", "-o", "s.png"}, dir.path()).exit_code == 2);
  CHECK(testing::run_cli({"blur-kernel", "disc:2", "-o", "s.jpg"}, dir.path()).exit_code == 2);
}

TEST_CASE("the real-world blur mix draws every kind, each within max_random_kernel_radius") {
  const imaging::RandomBlurOptions options = imaging::RandomBlurOptions::real_world();
  const int max_radius = imaging::max_random_kernel_radius(options);
  CHECK(max_radius > imaging::max_random_kernel_radius());
  std::mt19937 rng(11);
  std::map<imaging::BlurKind, int> seen;
  int widest = 0;
  for (int i = 0; i < 600; ++i) {
    imaging::BlurKind kind{};
    const cv::Mat k = imaging::random_blur_kernel(rng, options, &kind);
    ++seen[kind];
    REQUIRE(k.type() == CV_32FC1);
    REQUIRE(k.rows == k.cols);
    REQUIRE(k.rows % 2 == 1);
    REQUIRE(imaging::kernel_radius(k) <= max_radius);
    CHECK(cv::sum(k)[0] == doctest::Approx(1.0).epsilon(1e-4));
    widest = std::max(widest, imaging::kernel_radius(k));
  }
  for (const auto kind : {imaging::BlurKind::gaussian, imaging::BlurKind::anisotropic, imaging::BlurKind::motion,
                          imaging::BlurKind::line, imaging::BlurKind::line_aa, imaging::BlurKind::disc,
                          imaging::BlurKind::shake, imaging::BlurKind::combined}) {
    CAPTURE(static_cast<int>(kind));
    CHECK(seen[kind] > 0);
  }
  CHECK(widest > imaging::max_random_kernel_radius());  // wider than the default mix reaches
  // The default mix is unchanged: Gaussians and our streaks only.
  std::mt19937 again(11);
  for (int i = 0; i < 50; ++i) {
    imaging::BlurKind kind{};
    imaging::random_blur_kernel(again, {}, &kind);
    CHECK((kind == imaging::BlurKind::gaussian || kind == imaging::BlurKind::motion));
  }
}

TEST_CASE("a colour photo's noise on the training patches: σ on Y as the BT.601 weights say, not on levels") {
  // Independent of colour_noise_y_sigma: the weights of R, G and B in Y (of 1).
  const double weights = std::pow(65.481 / 255, 2) + std::pow(128.553 / 255, 2) + std::pow(24.966 / 255, 2);
  const double level = 1.0 / 255;
  CHECK(train::colour_noise_y_sigma(2 * level) ==
        doctest::Approx(std::sqrt(weights * (4 * level * level + level * level / 12))).epsilon(1e-9));
  const cv::Mat flat(96, 96, CV_8U, cv::Scalar(128));
  train::DeblurDataOptions options;
  options.downscales = {1.0};
  options.colour_noise_fraction = 1.0;
  options.max_colour_noise = 4 * level;
  const auto data = train::DeblurPatchSampler::from_images({flat}, options);
  std::mt19937 rng(3);
  Tensor blurred, sharp;
  double squares = 0;
  long count = 0, on_levels = 0;
  for (int round = 0; round < 40; ++round) {
    data.sample(rng, 64, 16, blurred, sharp);
    for (int b = 0; b < 64; ++b)
      for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x) {
          const double v = blurred.at(b, 0, y, x), d = v - 128.0 / 255;
          squares += d * d;
          ++count;
          on_levels += std::abs(v * 255 - std::round(v * 255)) < 1e-3;
        }
  }
  // σ per channel uniform in [0, M]: E[σ²] = M²/3, plus each channel's rounding, 1/12 level².
  const double expected = std::sqrt(weights * (std::pow(4 * level, 2) / 3 + level * level / 12));
  CHECK(std::sqrt(squares / static_cast<double>(count)) == doctest::Approx(expected).epsilon(0.04));
  CHECK(on_levels < count / 50);  // Y from a colour file is not on 8-bit levels
}

TEST_CASE("deblur evaluation with colour noise: the blurred input's score matches an independent computation") {
  testing::ScratchFolder dir;
  std::filesystem::create_directories(dir / "set");
  std::filesystem::copy_file(testing::sample("scene.png"), dir / "set" / "a_scene.png");
  std::filesystem::copy_file(testing::sample("siemens_star.png"), dir / "set" / "b_star.png");  // grey
  const double noise = 3.0;
  const auto set = deblur::load_deblur_eval_set(dir / "set", "gaussian:1.6", noise, 1, true);
  REQUIRE(set.size() == 2);
  const auto none = deblur::evaluate_deblurrer(*deblur::create_deblurrer("none", {}), set);
  const cv::Mat kernel = imaging::gaussian_kernel(1.6);
  cv::Mat flipped;
  cv::flip(kernel, flipped, -1);
  const std::vector<std::string> files = {"a_scene.png", "b_star.png"};
  for (size_t i = 0; i < files.size(); ++i) {
    CAPTURE(files[i]);
    cv::Mat hr = io::load_image(dir / "set" / files[i]);
    if (hr.channels() == 1) cv::cvtColor(hr, hr, cv::COLOR_GRAY2BGR);  // three equal channels
    REQUIRE(set[i].blurred_colour.type() == CV_8UC3);
    cv::Mat unit, smeared;
    hr.convertTo(unit, CV_32F, 1.0 / 255);
    cv::filter2D(unit, smeared, CV_32F, flipped, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
    std::mt19937 rng(1 + static_cast<uint32_t>(i));
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const auto sigma = static_cast<float>(noise / 255);
    const auto y_of = [](const cv::Vec3b& p) {
      return std::round(16 + (65.481 * p[2] + 128.553 * p[1] + 24.966 * p[0]) / 255);
    };
    const int border = 5;
    double squared = 0;
    long count = 0, differing = 0;
    for (int y = 0; y < hr.rows; ++y)
      for (int x = 0; x < hr.cols; ++x) {
        cv::Vec3b noisy;
        for (int c = 0; c < 3; ++c)
          noisy[c] = static_cast<uchar>(
              std::clamp(std::round((smeared.at<cv::Vec3f>(y, x)[c] + sigma * normal(rng)) * 255.0f), 0.0f, 255.0f));
        differing += noisy != set[i].blurred_colour.at<cv::Vec3b>(y, x);
        if (y < border || x < border || y >= hr.rows - border || x >= hr.cols - border) continue;
        const double d = y_of(noisy) - y_of(hr.at<cv::Vec3b>(y, x));
        squared += d * d;
        ++count;
      }
    CHECK(differing == 0);
    const double psnr = 10 * std::log10(255.0 * 255.0 / (squared / static_cast<double>(count)));
    CHECK(none[i].psnr == doctest::Approx(psnr).epsilon(1e-4));
  }
  const auto colour_path = deblur::evaluate_deblurrer(ColourPathOnly(), set);
  CHECK(colour_path[0].psnr == none[0].psnr);
  // The noise is on the colour image: Y differs from the Y-noise protocol's.
  const auto grey_noise = deblur::load_deblur_eval_set(dir / "set", "gaussian:1.6", noise);
  CHECK(cv::norm(grey_noise[0].blurred_y, set[0].blurred_y, cv::NORM_INF) > 0);
  // And the command line says which protocol it ran.
  const auto r = testing::run_cli({"eval", "--task", "deblur", "--data", "set", "-m", "none", "--noise", "3",
                                   "--colour-noise", "--csv", "-q"},
                                  dir.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("set gaussian:1.6 noise 3 colour,1,none,average") != std::string::npos);
}

TEST_CASE("train --blurs and --colour-noise: deblurring options, checked before any work") {
  testing::ScratchFolder dir;
  auto r = testing::run_cli({"train", "-m", "fsrcnn", "-s", "2", "--blurs", "real", "-o", "m.safetensors"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--blurs is for --task deblur") != std::string::npos);
  r = testing::run_cli({"train", "-m", "fsrcnn", "-s", "2", "--colour-noise", "0.5", "-o", "m.safetensors"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--colour-noise is for --task deblur") != std::string::npos);
  r = testing::run_cli({"train", "--task", "deblur", "--blurs", "real", "--motion-fraction", "0.3", "-o", "m.safetensors"},
                       dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--blurs real has its own mix") != std::string::npos);
  r = testing::run_cli({"train", "--task", "deblur", "--blurs", "real", "--blur", "box:3", "-o", "m.safetensors"}, dir.path());
  CHECK(r.exit_code == 2);
  r = testing::run_cli({"train", "--task", "deblur", "--colour-noise", "1.5", "-o", "m.safetensors"}, dir.path());
  CHECK(r.exit_code == 2);
  r = testing::run_cli({"train", "--task", "deblur", "--blur", "kernel:missing.png", "-o", "m.safetensors"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("missing.png") != std::string::npos);
  CHECK(testing::files_below(dir.path()).empty());
}

TEST_CASE("deblur training patches with the real-world mix and colour noise: blurred, aligned, within [0, 1]") {
  cv::Mat photo;
  cv::cvtColor(io::load_image(testing::sample("scene.png")), photo, cv::COLOR_BGR2GRAY);
  train::DeblurDataOptions options;
  options.blur = imaging::RandomBlurOptions::real_world();
  options.colour_noise_fraction = 0.5;
  const auto data = train::DeblurPatchSampler::from_images({photo}, options);
  std::mt19937 rng(9);
  Tensor blurred, sharp;
  std::vector<imaging::BlurCode> codes;
  data.sample(rng, 16, 32, blurred, sharp, &codes);
  REQUIRE(blurred.shape() == Shape{16, 1, 32, 32});
  CHECK(codes.size() == 16);
  float gradient_blurred = 0, gradient_sharp = 0;
  for (int b = 0; b < 16; ++b)
    for (int y = 0; y < 32; ++y)
      for (int x = 1; x < 32; ++x) {
        const float v = blurred.at(b, 0, y, x);
        CHECK((v >= 0.0f && v <= 1.0f));
        gradient_blurred += std::abs(v - blurred.at(b, 0, y, x - 1));
        gradient_sharp += std::abs(sharp.at(b, 0, y, x) - sharp.at(b, 0, y, x - 1));
      }
  CHECK(gradient_blurred < 0.9f * gradient_sharp);
}

}  // TEST_SUITE
