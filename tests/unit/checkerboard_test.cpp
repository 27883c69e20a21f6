// Checkerboard measurements against cases whose answer is known (DESIGN §5, issue 7).
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "analysis/checkerboard.hpp"
#include "analysis/heatmap_render.hpp"
#include "cli_runner.hpp"
#include "test_models.hpp"
#include "models/model.hpp"
#include "nn/layers.hpp"
#include "ops/conv_transpose2d.hpp"
#include "pipeline/method_registry.hpp"
#include "tensor/error.hpp"

namespace an = upsample::analysis;
using upsample::Shape;
using upsample::Tensor;

namespace {

const std::vector<std::string> kClassicalMethods = {"nearest", "bilinear", "bicubic", "lanczos", "area"};
const std::vector<an::WindowShape> kShapes = {an::WindowShape::Hann, an::WindowShape::Box};

std::string name_of(an::WindowShape shape) { return shape == an::WindowShape::Hann ? "hann" : "box"; }

cv::Mat upscale(const cv::Mat& image, const std::string& method, int scale) {
  return upsample::pipeline::create_upscaler(method, scale)->upscale(image);
}

double max_of(const cv::Mat& m) {
  double lo = 0.0, hi = 0.0;
  cv::minMaxLoc(m, &lo, &hi);
  return hi;
}

double min_of(const cv::Mat& m) {
  double lo = 0.0, hi = 0.0;
  cv::minMaxLoc(m, &lo, &hi);
  return lo;
}

double median_of(const cv::Mat& m) {
  std::vector<float> v;
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) v.push_back(m.at<float>(y, x));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return static_cast<double>(v[v.size() / 2]);
}

// A linear ramp `base + gx·x + gy·y` of the given depth (exact in 8 bits for whole slopes).
cv::Mat ramp_image(int rows, int cols, double base, double gx, double gy, int depth) {
  cv::Mat levels(rows, cols, CV_64F);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x) levels.at<double>(y, x) = base + gx * x + gy * y;
  cv::Mat out;
  levels.convertTo(out, depth, depth == CV_16U ? 257.0 : 1.0);
  return out;
}

cv::Mat scene_grey() {
  const cv::Mat colour = cv::imread(upsample::testing::sample("scene.png").string(), cv::IMREAD_COLOR);
  REQUIRE_FALSE(colour.empty());
  cv::Mat grey;
  cv::cvtColor(colour, grey, cv::COLOR_BGR2GRAY);
  return grey;
}

// cv::Mat (one channel, levels) ↔ Tensor [1, 1, H, W].
Tensor to_tensor(const cv::Mat& image) {
  cv::Mat f;
  image.convertTo(f, CV_32F);
  return Tensor::from(Shape{1, 1, f.rows, f.cols}, std::span<const float>(f.ptr<float>(), f.total()));
}

cv::Mat to_mat(const Tensor& t) {
  const int rows = static_cast<int>(t.shape().h()), cols = static_cast<int>(t.shape().w());
  return cv::Mat(rows, cols, CV_32F, const_cast<float*>(t.plane(0, 0))).clone();
}

// The stride-2 transposed convolution used below: padding k/2 − (k even), so that the
// output is exactly twice the input for k = 3 (output padding 1) and k = 4.
upsample::ops::ConvTranspose2dParams deconv_params(int kernel) {
  upsample::ops::ConvTranspose2dParams p;
  p.stride_h = p.stride_w = 2;
  p.pad_h = p.pad_w = 1;
  p.output_padding_h = p.output_padding_w = kernel == 3 ? 1 : 0;
  return p;
}

cv::Mat deconv(const cv::Mat& image, const Tensor& weight) {
  const int k = static_cast<int>(weight.shape()[2]);
  return to_mat(upsample::ops::conv_transpose2d_forward(to_tensor(image), weight, Tensor(), deconv_params(k)));
}

// k = 3, uneven on purpose: DC gains of the phases (0,0) 1.0, (0,1) 0.7, (1,0) 1.3, (1,1) 0.9.
Tensor uneven_k3() {
  const std::vector<float> w = {0.1f, 0.6f, 0.3f, 0.5f, 1.0f, 0.2f, 0.4f, 0.7f, 0.1f};
  return Tensor::from(Shape{1, 1, 3, 3}, w);
}
constexpr double kUnevenK3GainStd = 0.21650635094610965;  // population std of {1.0, 0.7, 1.3, 0.9}

// k = 4: bilinear taps (¼ ¾ ¾ ¼ each way) disturbed at random, then each polyphase
// sub-kernel rescaled to sum to 1: every phase has DC gain 1, yet the kernel is uneven.
Tensor equal_dc_k4() {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> jitter(-0.05f, 0.05f);
  const float taps[4] = {0.25f, 0.75f, 0.75f, 0.25f};
  std::vector<float> w(16);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) w[static_cast<size_t>(y * 4 + x)] = taps[y] * taps[x] + jitter(rng);
  // With padding 1, tap k feeds phase (k − 1) mod 2.
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 2; ++b) {
      float sum = 0.0f;
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x)
          if ((y + 1) % 2 == a && (x + 1) % 2 == b) sum += w[static_cast<size_t>(y * 4 + x)];
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x)
          if ((y + 1) % 2 == a && (x + 1) % 2 == b) w[static_cast<size_t>(y * 4 + x)] /= sum;
    }
  return Tensor::from(Shape{1, 1, 4, 4}, w);
}

// The map values of the blocks inside `pixels`, shrunk by `margin` blocks on every side.
cv::Mat blocks_in(const an::CheckerboardMap& map, cv::Rect pixels, int margin) {
  const int s = map.scale;
  const cv::Rect blocks(pixels.x / s + margin, pixels.y / s + margin, pixels.width / s - 2 * margin,
                        pixels.height / s - 2 * margin);
  return map.blocks(blocks);
}

// Adds a checkerboard of amplitude A (phase offsets ±A, standard deviation A) to `region`.
cv::Mat with_checkerboard(const cv::Mat& image_u8, cv::Rect region, double amplitude) {
  cv::Mat levels;
  image_u8.convertTo(levels, CV_32F);
  for (int y = region.y; y < region.y + region.height; ++y)
    for (int x = region.x; x < region.x + region.width; ++x)
      levels.at<float>(y, x) += static_cast<float>((x + y) % 2 == 0 ? amplitude : -amplitude);
  return levels;
}

}  // namespace

TEST_SUITE("checkerboard") {

TEST_CASE("a flat image through every classical method reads 0 everywhere") {
  for (const auto& method : kClassicalMethods)
    for (const int s : {2, 3, 4}) {
      CAPTURE(method);
      CAPTURE(s);
      const cv::Mat flat(40, 40, CV_8UC3, cv::Scalar(90, 140, 200));
      const an::CheckerboardAnalysis a = an::analyse_checkerboard(upscale(flat, method, s), s);
      CHECK(max_of(a.map.blocks) < 1e-3);
      CHECK(a.score.p99 < 1e-3);
      CHECK(a.score.spectral_ratio == doctest::Approx(1.0).epsilon(0.01));
      CHECK(an::constant_response(*upsample::pipeline::create_upscaler(method, s)).amplitude < 1e-3);
    }
}

TEST_CASE("a ramp through bilinear and bicubic reads about 0 everywhere") {
  // 16-bit, so that rounding the interpolated values adds no pattern of its own.
  const cv::Mat lr = ramp_image(48, 64, 20.0, 2.0, 1.0, CV_16U);
  for (const std::string method : {"bilinear", "bicubic"})
    for (const int s : {2, 3})
      for (const an::WindowShape shape : kShapes) {
        CAPTURE(method);
        CAPTURE(s);
        CAPTURE(name_of(shape));
        const an::CheckerboardMap map = an::checkerboard_map(upscale(lr, method, s), s, {8, shape});
        CHECK(max_of(map.blocks) < 0.02);
      }
}

TEST_CASE("nearest on a ramp is a staircase of period s, and the map reads its exact strength") {
  // A ramp of slopes gx, gy per input pixel, repeated s times each way, is the ramp plus a
  // sawtooth whose phase offsets are −(gx·b + gy·a)/s: standard deviation
  // √(gx² + gy²) · √((s² − 1)/12) / s.
  const double gx = 2.0, gy = 1.0;
  const cv::Mat lr = ramp_image(48, 64, 10.0, gx, gy, CV_8U);
  for (const int s : {2, 3, 4})
    for (const an::WindowShape shape : kShapes) {
      CAPTURE(s);
      CAPTURE(name_of(shape));
      const double expected = std::hypot(gx, gy) * std::sqrt((s * s - 1) / 12.0) / s;
      const an::CheckerboardAnalysis a = an::analyse_checkerboard(upscale(lr, "nearest", s), s, {8, shape});
      CHECK(min_of(a.map.blocks) == doctest::Approx(expected).epsilon(0.01));
      CHECK(max_of(a.map.blocks) == doctest::Approx(expected).epsilon(0.01));
      CHECK(a.score.spectral_ratio > 100.0);
    }
}

TEST_CASE("polyphase DC gains of a transposed convolution") {
  const an::PolyphaseGains uneven = an::transposed_conv_dc_gains(uneven_k3(), deconv_params(3));
  CHECK(uneven.scale == 2);
  CHECK(uneven.at(0, 0, 0, 0) == doctest::Approx(1.0));
  CHECK(uneven.at(0, 0, 0, 1) == doctest::Approx(0.7));
  CHECK(uneven.at(0, 0, 1, 0) == doctest::Approx(1.3));
  CHECK(uneven.at(0, 0, 1, 1) == doctest::Approx(0.9));
  CHECK(uneven.largest_spread() == doctest::Approx(0.6));
  CHECK_FALSE(uneven.equal_dc_gains());
  const an::PolyphaseGains even = an::transposed_conv_dc_gains(equal_dc_k4(), deconv_params(4));
  CHECK(even.equal_dc_gains(1e-5));
  CHECK(even.at(0, 0, 1, 0) == doctest::Approx(1.0));
}

TEST_CASE("stride-2 transposed conv: k = 3 with uneven weights leaves a clear pattern, k = 4 with equal DC gains none") {
  SUBCASE("on a flat image the pattern is the spread of the DC gains times the level") {
    const cv::Mat flat(40, 40, CV_32F, cv::Scalar(100.0));
    const an::CheckerboardMap k3 = an::checkerboard_map(deconv(flat, uneven_k3()), 2);
    const an::CheckerboardMap k4 = an::checkerboard_map(deconv(flat, equal_dc_k4()), 2);
    const cv::Rect centre(8, 8, 64, 64);
    CHECK(min_of(blocks_in(k3, centre, 0)) == doctest::Approx(100.0 * kUnevenK3GainStd).epsilon(0.001));
    CHECK(max_of(blocks_in(k3, centre, 0)) == doctest::Approx(100.0 * kUnevenK3GainStd).epsilon(0.001));
    CHECK(max_of(k4.blocks) < 1e-3);
  }
  SUBCASE("on a photograph") {
    const cv::Mat scene = scene_grey();
    const an::CheckerboardAnalysis k3 = an::analyse_checkerboard(deconv(scene, uneven_k3()), 2);
    const an::CheckerboardAnalysis k4 = an::analyse_checkerboard(deconv(scene, equal_dc_k4()), 2);
    INFO("k=3 mean " << k3.score.mean << ", spectral " << k3.score.spectral_ratio << "; k=4 mean " << k4.score.mean
                        << ", spectral " << k4.score.spectral_ratio);
    CHECK(k3.score.mean > 10.0);
    CHECK(k4.score.mean < 0.5);
    // The ratio measures how periodic the residual is, not how strong: the jittered k = 4
    // kernel leaves a faint texture-dependent trace on this smooth picture, far below k = 3.
    CHECK(k3.score.spectral_ratio > 1000.0);
    CHECK(k3.score.spectral_ratio > 100.0 * k4.score.spectral_ratio);
  }
}

TEST_CASE("a checkerboard pasted into one quadrant is found there, nowhere else, at its amplitude") {
  const int s = 2;
  const cv::Mat natural = upscale(scene_grey(), "bicubic", s);  // 512 × 384
  const cv::Rect quadrant(natural.cols / 2, 0, natural.cols / 2, natural.rows / 2);  // top right
  const std::vector<cv::Rect> others = {{0, 0, natural.cols / 2, natural.rows / 2},
                                        {0, natural.rows / 2, natural.cols / 2, natural.rows / 2},
                                        {natural.cols / 2, natural.rows / 2, natural.cols / 2, natural.rows / 2}};
  for (const an::WindowShape shape : kShapes) {
  CAPTURE(name_of(shape));
  const an::CheckerboardOptions options{8, shape};
  const an::CheckerboardMap background = an::checkerboard_map(natural, s, options);
  // Blocks far enough from the quadrant's edges that no window straddles them.
  const int margin = background.window / 2 + 1;
  const double background_level = median_of(background.blocks);
  INFO(name_of(shape) << " background (bicubic on scene): median " << background_level << ", p99 "
                         << an::summarise(background).p99);
  CHECK(background_level < 0.3);

  double previous = 0.0;
  for (const double amplitude : {1.0, 2.0, 4.0, 8.0}) {
    CAPTURE(amplitude);
    const an::CheckerboardAnalysis a =
        an::analyse_checkerboard(with_checkerboard(natural, quadrant, amplitude), s, options);
    const double measured = median_of(blocks_in(a.map, quadrant, margin));
    INFO("A = " << amplitude << ": quadrant median " << measured << ", mean " << a.score.mean << ", spectral "
                   << a.score.spectral_ratio);
    CHECK(measured == doctest::Approx(amplitude).epsilon(0.2));
    CHECK(min_of(blocks_in(a.map, quadrant, margin)) > 0.8 * amplitude);
    CHECK(measured > previous);
    previous = measured;
    for (const cv::Rect& other : others) {
      // Away from the quadrant, the map is exactly the background's.
      const cv::Mat here = blocks_in(a.map, other, margin), there = blocks_in(background, other, margin);
      CHECK(cv::norm(here, there, cv::NORM_INF) < 1e-4);
    }
  }
  }
}

TEST_CASE("the map is centred on the pattern it finds") {
  // A patch of checkerboard on a flat field, blocks 40..47 across and 60..66 down: its
  // centre lies between blocks 43 and 44 across, on block 63 down.
  const int s = 2;
  const cv::Mat flat(200, 200, CV_8UC1, cv::Scalar(100));
  const cv::Rect patch(80, 120, 16, 14);
  for (const int window : {7, 8})
    for (const an::WindowShape shape : kShapes) {
      CAPTURE(window);
      CAPTURE(name_of(shape));
      const an::CheckerboardMap map = an::checkerboard_map(with_checkerboard(flat, patch, 4.0), s, {window, shape});
      cv::Point peak;
      cv::minMaxLoc(map.blocks, nullptr, nullptr, nullptr, &peak);
      CHECK((peak.x == 43 || peak.x == 44));
      CHECK(peak.y == 63);
      for (int k = 1; k <= 5; ++k) {  // the same fall-off on both sides
        CHECK(map.blocks.at<float>(63, 43 - k) == doctest::Approx(map.blocks.at<float>(63, 44 + k)).epsilon(1e-4));
        CHECK(map.blocks.at<float>(63 - k, 44) == doctest::Approx(map.blocks.at<float>(63 + k, 44)).epsilon(1e-4));
      }
      CHECK(map.blocks.at<float>(63, 44 + 20) < 1e-3);
    }
}

TEST_CASE("the map follows a colour image's luma") {
  // The same pattern added to B, G and R moves Y by (65.481 + 128.553 + 24.966)/255 of it.
  const cv::Mat flat(64, 64, CV_8UC3, cv::Scalar(100, 100, 100));
  cv::Mat patterned = flat.clone();
  for (int y = 0; y < flat.rows; ++y)
    for (int x = 0; x < flat.cols; ++x)
      if ((x + y) % 2 == 0) patterned.at<cv::Vec3b>(y, x) += cv::Vec3b(10, 10, 10);
  // Offsets +10, 0, 0, +10: standard deviation 5.
  const an::CheckerboardMap map = an::checkerboard_map(patterned, 2);
  CHECK(min_of(map.blocks) == doctest::Approx(5.0 * 219.0 / 255.0).epsilon(0.001));
  cv::Mat sixteen;
  patterned.convertTo(sixteen, CV_16U, 257.0);
  CHECK(max_of(an::checkerboard_map(sixteen, 2).blocks) == doctest::Approx(5.0 * 219.0 / 255.0).epsilon(0.001));
}

TEST_CASE("map geometry, window and small images") {
  const cv::Mat image = upscale(scene_grey(), "nearest", 3);
  const an::CheckerboardMap map = an::checkerboard_map(image(cv::Rect(0, 0, 301, 200)), 3);
  CHECK(map.blocks.size() == cv::Size(100, 66));
  CHECK(map.per_pixel().size() == cv::Size(301, 200));
  CHECK(map.window == 8);
  CHECK(an::checkerboard_map(image(cv::Rect(0, 0, 30, 15)), 3).window == 3);
  CHECK_THROWS_AS(an::checkerboard_map(image(cv::Rect(0, 0, 8, 30)), 3), upsample::Error);
  CHECK_THROWS_AS(an::checkerboard_map(image, 1), upsample::Error);
}

TEST_CASE("model diagnostic: constant-input pattern and polyphase gains") {
  SUBCASE("a pure transposed conv inside a model reproduces its gain spread") {
    std::array<float, 9> taps{};
    std::copy_n(uneven_k3().data(), 9, taps.begin());
    const auto model = upsample::testing::fsrcnn_as_one_transposed_conv(taps);

    const an::ModelDiagnostic d = an::diagnose_model(*model, 128.0);
    REQUIRE(d.gains.has_value());
    CHECK(d.gains->at(0, 0, 1, 0) == doctest::Approx(1.3));
    // Phase means 128·gain: offsets 128·(gain − mean gain).
    CHECK(d.pattern.amplitude == doctest::Approx(128.0 * 0.6).epsilon(1e-4));
    CHECK(d.pattern.at(0, 1) == doctest::Approx(128.0 * (0.7 - 0.975)).epsilon(1e-4));
  }
  SUBCASE("random FSRCNN is uneven; resize-conv and ICNR-initialised ESPCN are not") {
    const an::ModelDiagnostic fsrcnn = an::diagnose_model(*upsample::models::build_model({{"arch", "fsrcnn"}, {"scale", "2"}}));
    const an::ModelDiagnostic resizeconv =
        an::diagnose_model(*upsample::models::build_model({{"arch", "resizeconv"}, {"scale", "2"}}));
    const an::ModelDiagnostic espcn = an::diagnose_model(*upsample::models::build_model({{"arch", "espcn"}, {"scale", "3"}}));
    INFO("amplitudes: fsrcnn " << fsrcnn.pattern.amplitude << ", resizeconv " << resizeconv.pattern.amplitude
                                  << ", espcn " << espcn.pattern.amplitude);
    REQUIRE(fsrcnn.gains.has_value());
    CHECK(fsrcnn.gains->in_channels == 56);
    CHECK_FALSE(fsrcnn.gains->equal_dc_gains());
    CHECK(fsrcnn.pattern.amplitude > 0.05);
    CHECK_FALSE(resizeconv.gains.has_value());
    CHECK(resizeconv.pattern.amplitude < 1e-3);
    REQUIRE(espcn.gains.has_value());
    CHECK(espcn.gains->scale == 3);
    CHECK(espcn.gains->equal_dc_gains(1e-5));
    CHECK(espcn.pattern.amplitude < 1e-3);
  }
}

TEST_CASE("renders: fixed colour scale, legend, phase pattern, montage geometry") {
  const cv::Mat flat(64, 48, CV_8UC1, cv::Scalar(100));
  an::CheckerboardMap map = an::checkerboard_map(flat, 2);
  map.blocks(cv::Rect(0, 0, 12, 16)).setTo(100.0);  // left half: far above the scale

  an::HeatmapStyle plain;
  plain.overlay = false;
  const cv::Mat heatmap = an::render_heatmap(map, flat, "title", plain);
  CHECK(heatmap.type() == CV_8UC3);
  CHECK(heatmap.cols == an::kLegendMinWidth);
  CHECK(heatmap.rows > 64);
  cv::Mat zero(1, 1, CV_32F, cv::Scalar(0.0)), top(1, 1, CV_32F, cv::Scalar(plain.max_level));
  CHECK(heatmap.at<cv::Vec3b>(10, 40) == an::colourise_strength(zero, plain).at<cv::Vec3b>(0, 0));
  CHECK(heatmap.at<cv::Vec3b>(10, 5) == an::colourise_strength(top, plain).at<cv::Vec3b>(0, 0));

  an::PhasePattern pattern;
  pattern.scale = 2;
  pattern.offsets = {1.0, -1.0, -1.0, 1.0};
  pattern.amplitude = 2.0;
  const cv::Mat pattern_image = an::render_phase_pattern(pattern, "test");
  CHECK(pattern_image.cols >= an::kLegendMinWidth);

  CHECK(an::heatmap_path_for("out/a_bicubic_x2.png") == std::filesystem::path("out/a_bicubic_x2_heatmap.png"));

  const an::MontageGeometry g = an::montage_geometry({512, 384}, 3, 4);
  CHECK(g.column_width == an::kMontageMaxColumn);
  CHECK(g.total.width == an::kMontagePad + 3 * (an::kMontageMaxColumn + an::kMontagePad));
  CHECK(g.image_height == 270);
  CHECK(g.crop_shown <= g.column_width);
  CHECK(g.crop_size * g.magnification == g.crop_shown);
  std::vector<an::MontageColumn> columns;
  for (const std::string method : {"nearest", "bicubic"}) {
    const cv::Mat out = upscale(scene_grey(), method, 2);
    columns.push_back({method, {"line"}, out, an::checkerboard_map(out, 2)});
  }
  const cv::Mat montage = an::render_montage(columns, "title");
  CHECK(montage.size() == an::montage_geometry({512, 384}, 2, 2).total);
}

}  // TEST_SUITE

TEST_CASE("montage crop: on the zone plate it lands on the network's pattern, not on nearest's blocks") {
  const cv::Mat zone = cv::imread(upsample::testing::sample("zone_plate.png").string(), cv::IMREAD_GRAYSCALE);
  REQUIRE(!zone.empty());
  cv::Mat low;
  cv::resize(zone, low, {}, 0.5, 0.5, cv::INTER_AREA);
  std::vector<an::MontageColumn> columns;
  for (const std::string method : {"nearest", "bicubic", "fsrcnn"}) {
    const cv::Mat out = upscale(low, method, 2);
    columns.push_back({method, {}, out, an::checkerboard_map(out, 2), method == "fsrcnn"});
  }
  constexpr int kSize = 48;
  const an::MontageCrop crop = an::montage_crop(columns, kSize, 2);
  CHECK(crop.where == "where fsrcnn's checkerboard is strongest");
  CHECK(crop.region.size() == cv::Size(kSize, kSize));
  CHECK(crop.region.x % 2 == 0);
  CHECK(crop.region.y % 2 == 0);

  std::vector<an::MontageColumn> classical_only = columns;
  for (auto& c : classical_only) c.learned = false;
  const an::MontageCrop differ = an::montage_crop(classical_only, kSize, 2);
  CHECK(differ.where == "where the heatmaps differ most");
  const auto mean_in = [](const an::MontageColumn& c, const cv::Rect& r) { return cv::mean(c.map.per_pixel()(r))[0]; };
  const an::MontageColumn &nearest = columns[0], &fsrcnn = columns[2];
  CAPTURE(crop.region);
  CAPTURE(differ.region);
  // Nearest's blocks take the variance crop; the network's crop shows its own pattern.
  CHECK(mean_in(nearest, differ.region) > mean_in(fsrcnn, differ.region));
  CHECK(mean_in(fsrcnn, crop.region) > 2 * mean_in(fsrcnn, differ.region));
  CHECK(mean_in(fsrcnn, crop.region) > mean_in(nearest, crop.region));

  // A reference column (no heatmap) is left out of the choice and drawn without one.
  columns.insert(columns.begin(), {"ground truth", {}, zone, {}, false});
  CHECK(an::montage_crop(columns, kSize, 2).region == crop.region);
  CHECK(an::render_montage(columns, "t").size() == an::montage_geometry(zone.size(), 4, 1).total);
}
