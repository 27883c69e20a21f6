// A deblurring network told the blur: the blur code, the training pairs that carry it, the
// start from a blind model, the blur estimator, and tiling with condition planes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "test_models.hpp"
#include "deblur/blur_estimate.hpp"
#include "deblur/classical.hpp"
#include "deblur/told_network.hpp"
#include "models/model.hpp"
#include "nn/layers.hpp"
#include "pipeline/learned_methods.hpp"
#include "pipeline/self_ensemble.hpp"
#include "pipeline/tiling.hpp"
#include "tensor/error.hpp"
#include "imaging/blur_kernels.hpp"
#include "deblur/blur_code_planes.hpp"
#include "train/deblur_data.hpp"
#include "train/trainer.hpp"

using namespace upsample;
using upsample::testing::randomise;

namespace {

cv::Mat photo(int rows, int cols, int type, uint32_t seed) {
  cv::Mat m(rows, cols, type);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, CV_MAT_DEPTH(type) == CV_32F ? 1.0 : 255.0);
  cv::GaussianBlur(m, m, {5, 5}, 1.2);
  return m;
}

models::Metadata tiny_told_deblur(int condition) {
  return {{"arch", "deblur"},  {"scale", "1"},  {"up", "deconv"},
          {"depth", "2"},      {"width", "4"},  {"condition", std::to_string(condition)}};
}

pipeline::ConditionSource constant(std::vector<float> values) {
  return [values](const cv::Mat&) { return values; };
}

}  // namespace

TEST_SUITE("told blur") {

TEST_CASE("the blur code is the kernel's second moments: isotropic for a Gaussian, a line for motion") {
  const imaging::BlurCode g = imaging::blur_code(imaging::gaussian_kernel(1.6));
  CHECK(g[0] == doctest::Approx(1.6 * 1.6 / imaging::kBlurCodeScale).epsilon(0.02));  // truncation at 3σ trims a little
  CHECK(g[1] == doctest::Approx(g[0]));
  CHECK(std::abs(g[2]) < 1e-6);
  // A horizontal streak sampled evenly over −4…4: variance 8²/12 along x (plus a little
  // from the anti-aliasing), none across.
  const imaging::BlurCode h = imaging::blur_code(imaging::motion_kernel(9, 0));
  CHECK(h[0] == doctest::Approx(64.0 / 12.0 / imaging::kBlurCodeScale).epsilon(0.05));
  CHECK(h[1] == doctest::Approx(0.0).scale(1.0).epsilon(1e-6));
  CHECK(h[2] == doctest::Approx(0.0).scale(1.0).epsilon(1e-6));
  // y points down: a streak rising to the right (30°) has x and y moving against each other.
  CHECK(imaging::blur_code(imaging::motion_kernel(9, 30))[2] < -0.1f);
  CHECK(imaging::blur_code(imaging::motion_kernel(9, 150))[2] > 0.1f);
  // A streak and its 180° turn are one kernel.
  const imaging::BlurCode a = imaging::blur_code(imaging::motion_kernel(9, 30)), b = imaging::blur_code(imaging::motion_kernel(9, 210));
  for (int k = 0; k < imaging::kBlurCodeSize; ++k) CHECK(a[k] == doctest::Approx(b[k]).epsilon(1e-4));
}

TEST_CASE("a kernel rebuilt from a blur code has that code and is close to the kernel it came from") {
  for (const std::string spec : {"gaussian:0.6", "gaussian:1.6", "gaussian:3", "motion:3,45", "motion:9,0", "motion:9,30",
                                 "motion:13,100", "motion:15,150"}) {
    CAPTURE(spec);
    const cv::Mat kernel = imaging::parse_blur_kernel(spec);
    const imaging::BlurCode code = imaging::blur_code(kernel);
    const cv::Mat rebuilt = imaging::kernel_from_blur_code(code);
    REQUIRE(rebuilt.type() == CV_32FC1);
    REQUIRE(rebuilt.rows % 2 == 1);
    CHECK(cv::sum(rebuilt)[0] == doctest::Approx(1.0).epsilon(1e-5));
    const imaging::BlurCode again = imaging::blur_code(rebuilt);
    CAPTURE(code);
    CAPTURE(again);
    for (int k = 0; k < imaging::kBlurCodeSize; ++k) CHECK(again[k] == doctest::Approx(code[k]).scale(1.0).epsilon(0.02));
    // The same mass in the same places: compared on a common size, centred.
    const int r = std::max(kernel.rows, rebuilt.rows) / 2;
    cv::Mat a = cv::Mat::zeros(2 * r + 1, 2 * r + 1, CV_32F), b = a.clone();
    kernel.copyTo(a(cv::Rect(r - kernel.rows / 2, r - kernel.rows / 2, kernel.cols, kernel.rows)));
    rebuilt.copyTo(b(cv::Rect(r - rebuilt.rows / 2, r - rebuilt.rows / 2, rebuilt.cols, rebuilt.rows)));
    const double moved = cv::norm(a, b, cv::NORM_L1) / 2;  // share of the mass that differs
    CAPTURE(moved);
    CHECK(moved < 0.25);
  }
  // An estimate need not be a covariance: a negative variance is read as none (here: a
  // vertical streak with the variance along y asked for), a huge one is clamped.
  const imaging::BlurCode vertical = imaging::blur_code(imaging::kernel_from_blur_code({-0.2f, 0.1f, 0.0f}));
  CAPTURE(vertical);
  CHECK(std::abs(vertical[0]) < 0.01f);
  CHECK(vertical[1] == doctest::Approx(0.1).epsilon(0.1));
  CHECK(imaging::kernel_from_blur_code({40.0f, 40.0f, 0.0f}).rows <= 2 * (15 + 16) + 1);
  CHECK_THROWS_AS(imaging::kernel_from_blur_code({NAN, 0.0f, 0.0f}), Error);
}

TEST_CASE("a blur code described as the blur users would name") {
  auto describe = [](const cv::Mat& kernel) { return imaging::describe_blur(imaging::blur_shape(imaging::blur_code(kernel))); };
  CHECK(describe(imaging::gaussian_kernel(1.6)) == "gaussian:1.6");
  // A streak's anti-aliasing adds a little spread along it too: 9 px reads as 9.1.
  CHECK(describe(imaging::motion_kernel(9, 30)) == "motion:9.1,30");
  CHECK(describe(imaging::motion_kernel(13, 150)) == "motion:13.1,150");
  CHECK(describe(imaging::motion_kernel(9, 210)) == "motion:9.1,30");  // the same streak
  // Both: a streak spread further than its anti-aliasing.
  cv::Mat padded;
  cv::copyMakeBorder(imaging::motion_kernel(11, 0), padded, 5, 5, 5, 5, cv::BORDER_CONSTANT, 0);
  const cv::Mat spread = imaging::blur_image(padded, imaging::gaussian_kernel(1.5));
  CHECK(describe(spread / cv::sum(spread)[0]).starts_with("motion:"));
  CHECK(describe(spread / cv::sum(spread)[0]).find("+gaussian:1.") != std::string::npos);
  // A short streak inside a wider Gaussian is the Gaussian with the same spread.
  const imaging::BlurShape shape = imaging::blur_shape(imaging::blur_code(imaging::gaussian_kernel(2.0)));
  CHECK(shape.streak < 1.5);
  CHECK(imaging::describe_blur({2.5, 40, 1.5}) == "gaussian:1.5");
}

TEST_CASE("training pairs carry each patch's blur code, as planes after the image") {
  train::DeblurDataOptions options;
  options.fixed_kernel = imaging::parse_blur_kernel("motion:7,60");
  const auto data = train::DeblurPatchSampler::from_images({photo(64, 64, CV_8UC1, 1)}, options);
  std::mt19937 rng(3);
  Tensor blurred, sharp;
  std::vector<imaging::BlurCode> codes;
  data.sample(rng, 3, 16, blurred, sharp, &codes);
  REQUIRE(codes.size() == 3);
  const imaging::BlurCode expected = imaging::blur_code(options.fixed_kernel);
  for (const auto& code : codes) CHECK(code == expected);
  const Tensor input = deblur::with_blur_code_planes(blurred, codes);
  REQUIRE(input.shape() == Shape{3, 4, 16, 16});
  CHECK(std::equal(blurred.plane(2, 0), blurred.plane(2, 0) + 256, input.plane(2, 0)));
  CHECK(input.plane(1, 3)[100] == expected[2]);
  const Tensor target = deblur::blur_code_planes(codes, 2, 5);
  REQUIRE(target.shape() == Shape{3, 3, 2, 5});
  CHECK(target.plane(2, 0)[9] == expected[0]);
}

TEST_CASE("a told model started from a blind one computes what the blind one did") {
  testing::ScratchFolder dir;
  auto blind = models::build_model(tiny_told_deblur(0), 5);
  randomise(*blind, 6);
  models::save_model(*blind, dir / "blind.safetensors");
  // One step at a negligible learning rate: the model as --init left it.
  train::TrainOptions o;
  o.task = train::TaskKind::deblur;
  o.model = tiny_told_deblur(3);
  o.init = {dir / "blind.safetensors"};
  o.train_folders = {dir.path()};
  o.steps = 1;
  o.batch = 1;
  o.lr_patch = 16;
  o.learning_rate = o.final_learning_rate = 1e-30;
  o.output = dir / "told.safetensors";
  REQUIRE(cv::imwrite((dir / "a.png").string(), photo(40, 40, CV_8UC1, 7)));
  std::vector<std::string> notes;
  train::train_model(o, [](const train::TrainProgress&) {}, [&](const std::string& line) { notes.push_back(line); });
  CHECK(std::find(notes.begin(), notes.end(), "initialised " + std::to_string(blind->net().parameters().size()) + " of " +
                                                   std::to_string(blind->net().parameters().size()) +
                                                   " parameter tensors from " + (dir / "blind.safetensors").string()) !=
        notes.end());
  std::shared_ptr<const models::Model> told = models::load_model(o.output);
  std::shared_ptr<const models::Model> blind_shared = std::move(blind);
  const cv::Mat image = photo(27, 30, CV_32F, 8);
  const cv::Mat expected = pipeline::upscaler_for_model(blind_shared)->upscale_y(image);
  const cv::Mat got = pipeline::upscaler_for_model(told, 0, constant({0.7f, 0.1f, -0.3f}))->upscale_y(image);
  CHECK(cv::norm(expected, got, cv::NORM_INF) < 1e-6);
}

TEST_CASE("told the blur, the network runs tiled = untiled, in colour and grey, and needs the values") {
  auto model = models::build_model(tiny_told_deblur(3), 9);
  randomise(*model, 10);
  std::shared_ptr<const models::Model> shared = std::move(model);
  const auto condition = constant({0.5f, 0.2f, -0.1f});
  const auto whole = pipeline::upscaler_for_model(shared, 0, condition);
  const auto tiled = pipeline::upscaler_for_model(shared, 12, condition);
  for (int type : {CV_8UC3, CV_8UC1}) {
    CAPTURE(type);
    const cv::Mat image = photo(29, 35, type, 11);
    const cv::Mat a = whole->upscale(image);
    CHECK(a.type() == type);
    CHECK(cv::norm(a, tiled->upscale(image), cv::NORM_INF) == 0);
  }
  // Another code gives another result: the planes reach the network.
  const cv::Mat y = photo(29, 35, CV_32F, 12);
  CHECK(cv::norm(whole->upscale_y(y), pipeline::upscaler_for_model(shared, 0, constant({1.5f, 0.0f, 0.0f}))->upscale_y(y),
                 cv::NORM_INF) > 1e-3);
  CHECK_THROWS_WITH_AS(pipeline::upscaler_for_model(shared, 0), doctest::Contains("condition plane"), Error);
  CHECK_THROWS_WITH_AS(pipeline::upscaler_for_model(shared, 0, constant({1.0f}))->upscale_y(y),
                       doctest::Contains("not 1"), Error);
}

TEST_CASE("prefilter=wiener: the network refines the Wiener deconvolution with the kernel of the code it is told") {
  models::Metadata meta = tiny_told_deblur(0);
  meta["prefilter"] = "wiener";
  meta["prefilter_nsr"] = "0.02";
  auto built = models::build_model(meta, 13);
  randomise(*built, 14);
  CHECK(built->wiener_prefilter_nsr() == 0.02);
  CHECK(deblur::is_told_blur(*built));
  std::shared_ptr<const models::Model> model = std::move(built);
  const imaging::BlurCode code = imaging::blur_code(imaging::parse_blur_kernel("motion:7,60"));
  const cv::Mat kernel = imaging::kernel_from_blur_code(code);

  // Training input: each patch deconvolved with its own code's kernel.
  const cv::Mat a = photo(24, 24, CV_32F, 15), b = photo(24, 24, CV_32F, 16);
  Tensor batch(Shape{2, 1, 24, 24});
  std::copy_n(pipeline::mat_to_tensor(a).data(), 24 * 24, batch.plane(0, 0));
  std::copy_n(pipeline::mat_to_tensor(b).data(), 24 * 24, batch.plane(1, 0));
  const imaging::BlurCode other = imaging::blur_code(imaging::gaussian_kernel(1.2));
  const Tensor input = deblur::told_network_input(*model, batch, {code, other});
  REQUIRE(input.shape() == batch.shape());
  const cv::Mat first(24, 24, CV_32F, const_cast<float*>(input.plane(0, 0)));
  const cv::Mat second(24, 24, CV_32F, const_cast<float*>(input.plane(1, 0)));
  CHECK(cv::norm(first, deblur::wiener_deconvolve(a, kernel, 0.02), cv::NORM_INF) < 1e-6);
  CHECK(cv::norm(second, deblur::wiener_deconvolve(b, imaging::kernel_from_blur_code(other), 0.02), cv::NORM_INF) < 1e-6);
  CHECK_THROWS_WITH_AS(deblur::told_network_input(*model, batch, {code}), doctest::Contains("2"), Error);

  // Inference: the same input over the whole image, then the network; tiled = untiled.
  const auto told = [code](const cv::Mat&) { return code; };
  const auto whole = deblur::told_network_restorer(model, 0, told);
  const cv::Mat y = photo(37, 41, CV_32F, 17);
  const cv::Mat expected = pipeline::upscaler_for_model(model)->upscale_y(deblur::wiener_deconvolve(y, kernel, 0.02));
  CHECK(cv::norm(whole->upscale_y(y), expected, cv::NORM_INF) < 1e-6);
  CHECK(cv::norm(deblur::told_network_restorer(model, 12, told)->upscale_y(y), expected, cv::NORM_INF) < 1e-6);
  for (int type : {CV_8UC3, CV_8UC1, CV_16UC3}) {
    CAPTURE(type);
    const cv::Mat image = photo(29, 35, type, 18);
    const cv::Mat restored = whole->upscale(image);
    CHECK(restored.type() == type);
    CHECK(restored.size() == image.size());
  }
  // With condition planes as well, the planes follow the deconvolved image.
  meta["condition"] = "3";
  auto both = models::build_model(meta, 19);
  const Tensor with_planes = deblur::told_network_input(*both, batch, {code, other});
  REQUIRE(with_planes.shape() == Shape{2, 4, 24, 24});
  CHECK(std::equal(input.plane(1, 0), input.plane(1, 0) + 576, with_planes.plane(1, 0)));
  CHECK(with_planes.plane(1, 3)[5] == other[2]);

  // Told a whole kernel (a --psf the code cannot describe, e.g. a kernel image), the
  // pre-filter deconvolves with that kernel itself and the planes hold its moments.
  const cv::Mat bent = imaging::parse_blur_kernel("motion:9,0") + imaging::parse_blur_kernel("motion:9,90");
  const cv::Mat cross = bent / cv::sum(bent)[0];
  const std::shared_ptr<const models::Model> planes_too = std::move(both);
  const auto kernel_told = deblur::kernel_told_restorer(planes_too, 0, [cross](const cv::Mat&) { return cross; });
  const imaging::BlurCode moments = imaging::blur_code(cross);
  const cv::Mat direct = pipeline::upscaler_for_model(planes_too, 0, [moments](const cv::Mat&) {
                           return std::vector<float>(moments.begin(), moments.end());
                         })->upscale_y(deblur::wiener_deconvolve(y, cross, 0.02));
  CHECK(cv::norm(kernel_told->upscale_y(y), direct, cv::NORM_INF) < 1e-6);
  // The self-ensemble reads the blur once and tells each orientation the kernel turned with
  // it: equal to averaging the eight runs told those kernels by hand.
  int readings = 0;
  const auto ensemble = deblur::kernel_told_ensemble(planes_too, 0, [&readings, cross](const cv::Mat&) {
    ++readings;
    return cross;
  });
  cv::Mat by_hand = cv::Mat::zeros(y.size(), CV_32F);
  for (int t = 0; t < pipeline::kDihedralTransforms; ++t) {
    const cv::Mat turned_kernel = pipeline::dihedral_transform(cross, t);
    const auto told_turned = deblur::kernel_told_restorer(planes_too, 0, [turned_kernel](const cv::Mat&) { return turned_kernel; });
    by_hand += pipeline::inverse_dihedral_transform(told_turned->upscale_y(pipeline::dihedral_transform(y, t)), t);
  }
  CHECK(cv::norm(ensemble->upscale_y(y), by_hand / pipeline::kDihedralTransforms, cv::NORM_INF) < 1e-6);
  CHECK(readings == 1);
  // A vertical streak turned a quarter is a horizontal one: the kernel is turned, not kept.
  CHECK(cv::norm(pipeline::dihedral_transform(imaging::parse_blur_kernel("motion:9,90"), 4),
                 imaging::parse_blur_kernel("motion:9,0"), cv::NORM_INF) < 1e-6);
  // Told only its code, the network would deconvolve with a streak of those moments instead.
  const auto code_told = deblur::told_network_restorer(planes_too, 0, [moments](const cv::Mat&) { return moments; });
  CHECK(cv::norm(code_told->upscale_y(y), direct, cv::NORM_INF) > 1e-3);

  meta["prefilter"] = "fft";
  CHECK_THROWS_WITH_AS(models::build_model(meta), doctest::Contains("none or wiener"), Error);
  meta["prefilter"] = "wiener";
  meta["prefilter_nsr"] = "0";
  CHECK_THROWS_WITH_AS(models::build_model(meta), doctest::Contains("prefilter_nsr"), Error);
}

TEST_CASE("the blur estimator: one code per 16x16 cell, averaged over the image, and training lowers its error") {
  auto estimator = models::build_model({{"arch", "blur-estimator"}, {"scale", "1"}, {"width", "4"}}, 1);
  CHECK(estimator->net().output_shape(Shape{2, 1, 96, 80}) == Shape{2, 3, 6, 5});
  // With the last layer's weights at zero every cell says its bias: the estimate is the bias.
  nn::Parameter* weight = estimator->net().parameters().end()[-2];
  nn::Parameter* bias = estimator->net().parameters().end()[-1];
  weight->value.fill(0.0f);
  bias->value.data()[0] = 0.25f;
  bias->value.data()[1] = 1.5f;
  bias->value.data()[2] = -0.5f;
  estimator->net().weights_changed();
  // Read in all eight flips and rotations and turned back, a reading that ignores the
  // image is averaged to the isotropic blur of the same spread: (Σxx + Σyy) / 2 each way.
  const imaging::BlurCode code = deblur::estimate_blur_code(*estimator, photo(50, 70, CV_32F, 2));
  CHECK(code[0] == doctest::Approx(0.875));
  CHECK(code[1] == doctest::Approx(0.875));
  CHECK(code[2] == doctest::Approx(0.0));

  auto model = models::build_model({{"arch", "blur-estimator"}, {"scale", "1"}, {"width", "4"}}, 3);
  const auto data = train::DeblurPatchSampler::from_images({photo(96, 96, CV_8UC1, 4)}, {});
  std::mt19937 rng(5);
  Tensor blurred, sharp;
  std::vector<imaging::BlurCode> codes;
  data.sample(rng, 8, 32, blurred, sharp, &codes);
  const Tensor target = deblur::blur_code_planes(codes, 2, 2);
  const auto [before, after] = testing::fit_one_batch(*model, blurred, target, 60, 3e-3);
  CAPTURE(before);
  CAPTURE(after);
  CHECK(after < 0.5 * before);
}

TEST_CASE("the blur estimate weights cells by their gradient energy, so flat cells count for little") {
  // 32x64 pixels: 2x4 cells; the left two columns of cells textured, the right two flat
  // (the step between the halves is the left cells': differences look right and down).
  cv::Mat y(32, 64, CV_32F, cv::Scalar(0.5));
  photo(32, 32, CV_32F, 7).copyTo(y(cv::Rect(0, 0, 32, 32)));
  const auto weights = deblur::cell_weights(y, 2, 4);
  REQUIRE(weights.size() == 8);
  CHECK(weights[0] > 1e-4);
  CHECK(weights[3] < 1e-9);
  Tensor cells(Shape{1, 3, 2, 4});
  for (int k = 0; k < 3; ++k)
    for (int i = 0; i < 8; ++i) cells.plane(0, k)[i] = i % 4 < 2 ? 3.0f : 1.0f;
  CHECK(deblur::weighted_cell_code(cells, 0, weights)[0] == doctest::Approx(3.0).epsilon(1e-6));
  // A blank image has no texture anywhere: the plain mean.
  const auto blank = deblur::cell_weights(cv::Mat(32, 64, CV_32F, cv::Scalar(0.2)), 2, 4);
  CHECK(deblur::weighted_cell_code(cells, 0, blank)[1] == doctest::Approx(2.0));
}

TEST_CASE("the blur estimate turns with the image: transposed swaps the spreads, mirrored negates the slant") {
  auto estimator = models::build_model({{"arch", "blur-estimator"}, {"scale", "1"}, {"width", "4"}}, 1);
  randomise(*estimator, 9);
  const cv::Mat y = imaging::blur_image(photo(48, 80, CV_32F, 5), imaging::motion_kernel(7, 30));
  const imaging::BlurCode code = deblur::estimate_blur_code(*estimator, y);
  CAPTURE(code[0]);
  CAPTURE(code[1]);
  CAPTURE(code[2]);
  CHECK(std::abs(code[2]) > 1e-6);  // the random estimator does read a slant
  cv::Mat transposed, mirrored;
  cv::transpose(y, transposed);
  cv::flip(y, mirrored, 1);
  const imaging::BlurCode of_transposed = deblur::estimate_blur_code(*estimator, transposed);
  const imaging::BlurCode of_mirrored = deblur::estimate_blur_code(*estimator, mirrored);
  CHECK(of_transposed[0] == doctest::Approx(code[1]).epsilon(1e-4));
  CHECK(of_transposed[1] == doctest::Approx(code[0]).epsilon(1e-4));
  CHECK(of_transposed[2] == doctest::Approx(code[2]).epsilon(1e-4));
  CHECK(of_mirrored[0] == doctest::Approx(code[0]).epsilon(1e-4));
  CHECK(of_mirrored[2] == doctest::Approx(-code[2]).epsilon(1e-4));
}

TEST_CASE("a told network can learn from the estimator's codes instead of the true ones") {
  testing::ScratchFolder dir;
  auto estimator = models::build_model({{"arch", "blur-estimator"}, {"scale", "1"}, {"width", "4"}}, 1);
  randomise(*estimator, 2);
  // A batch gives each image the code it gets alone.
  const cv::Mat a = photo(48, 48, CV_32F, 3), b = photo(48, 48, CV_32F, 4);
  Tensor batch(Shape{2, 1, 48, 48});
  std::copy_n(pipeline::mat_to_tensor(a).data(), 48 * 48, batch.plane(0, 0));
  std::copy_n(pipeline::mat_to_tensor(b).data(), 48 * 48, batch.plane(1, 0));
  const auto codes = deblur::estimate_blur_codes(*estimator, batch);
  REQUIRE(codes.size() == 2);
  for (int k = 0; k < imaging::kBlurCodeSize; ++k) {
    CHECK(codes[0][k] == doctest::Approx(deblur::estimate_blur_code(*estimator, a)[k]).epsilon(1e-5));
    CHECK(codes[1][k] == doctest::Approx(deblur::estimate_blur_code(*estimator, b)[k]).epsilon(1e-5));
  }
  CHECK(codes[0][0] != codes[1][0]);
  models::save_model(*estimator, dir / "estimator.safetensors");

  REQUIRE(cv::imwrite((dir / "a.png").string(), photo(64, 64, CV_8UC1, 7)));
  train::TrainOptions o = testing::tiny_deblur_run(tiny_told_deblur(3), dir.path(), 3);
  o.learning_rate = 1e-2;
  auto train = [&](const std::string& name) {
    o.output = dir / name;
    train::train_model(o, [](const train::TrainProgress&) {}, [](const std::string&) {});
    return models::load_model(o.output);
  };
  const auto told_true = train("true.safetensors");
  o.code_estimator = dir / "estimator.safetensors";
  const auto told_estimated = train("estimated.safetensors");
  CHECK(told_true->metadata().at("scores_told_the_blur") == "yes");
  CHECK(told_estimated->metadata().count("scores_told_the_blur") == 0);
  CHECK(told_estimated->metadata().at("blur_codes_from") == "estimator.safetensors");
  // Same seed, same patches: only the codes differ, and so do the weights learned.
  const nn::Parameter* head_true = told_true->net().parameters().front();
  const nn::Parameter* head_estimated = told_estimated->net().parameters().front();
  double difference = 0;
  for (int64_t i = 0; i < head_true->value.numel(); ++i)
    difference = std::max(difference, std::abs(double(head_true->value.data()[i]) - double(head_estimated->value.data()[i])));
  CHECK(difference > 1e-6);

  o.model = tiny_told_deblur(0);  // blind: nothing to tell
  o.output = dir / "blind.safetensors";
  CHECK_THROWS_WITH_AS(train::train_model(o, [](const train::TrainProgress&) {}, [](const std::string&) {}),
                       doctest::Contains("told the blur"), Error);
  o.model = tiny_told_deblur(3);
  o.code_estimator = dir / "true.safetensors";  // a deblurring model, not an estimator
  CHECK_THROWS_WITH_AS(train::train_model(o, [](const train::TrainProgress&) {}, [](const std::string&) {}),
                       doctest::Contains("not a blur estimator"), Error);
}

}  // TEST_SUITE
