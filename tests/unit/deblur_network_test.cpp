// The deblurring U-Net: shapes and names, exact gradients, tiling, and a tiny training run.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "test_models.hpp"
#include "models/model.hpp"
#include "nn/layers.hpp"
#include "nn/unet.hpp"
#include "pipeline/learned_methods.hpp"
#include "pipeline/tiling.hpp"
#include "tensor/error.hpp"
#include "deblur/blur_code_planes.hpp"
#include "train/deblur_data.hpp"
#include "train/trainer.hpp"
#include "test_values.hpp"

using namespace upsample;
using upsample::testing::randomise;

using upsample::testing::dot;
using upsample::testing::smooth_random_image;

namespace {

// Small enough for the reference ops in sanitized builds.
models::Metadata tiny_deblur(const std::string& up, int depth = 2, int condition = 0) {
  return {{"arch", "deblur"}, {"scale", "1"},       {"up", up}, {"depth", std::to_string(depth)}, {"width", "4"},
          {"condition", std::to_string(condition)}};
}

const char* const kUpPaths[] = {"deconv", "pixelshuffle", "resizeconv"};

}  // namespace

TEST_SUITE("deblur network") {

TEST_CASE("keeps the size for any input, names parameters like the PyTorch module, reloads exactly") {
  testing::ScratchFolder dir;
  for (const char* up : kUpPaths) {
    CAPTURE(up);
    const auto model = models::build_model(tiny_deblur(up), 3);
    CHECK(model->scale() == 1);
    for (const Shape& s : {Shape{1, 1, 13, 10}, Shape{2, 1, 8, 8}, Shape{1, 1, 1, 1}})
      CHECK(model->forward(Tensor::full(s, 0.5f)).shape() == s);
    const auto params = model->net().parameters();
    CHECK(params.front()->name == "0.head.0.weight");
    CHECK(params.back()->name == "0.tail.0.bias");
    CHECK(std::any_of(params.begin(), params.end(), [](const nn::Parameter* p) { return p->name == "0.enc.1.0.weight"; }));
    models::save_model(*model, dir / "d.safetensors");
    const auto again = models::load_model(dir / "d.safetensors");
    CHECK(again->metadata().at("up") == up);
    const Tensor x = pipeline::mat_to_tensor(smooth_random_image(11, 9, CV_32F, 1));
    const Tensor a = model->forward(x), b = again->forward(x);
    CHECK(std::equal(a.values().begin(), a.values().end(), b.values().begin()));
  }
  CHECK_THROWS_WITH_AS(models::build_model(tiny_deblur("bilinear")), doctest::Contains("deconv, pixelshuffle, resizeconv"), Error);
  auto at_x2 = tiny_deblur("deconv");
  at_x2["scale"] = "2";
  CHECK_THROWS_WITH_AS(models::build_model(at_x2), doctest::Contains("scale 1"), Error);
}

TEST_CASE("starts close to the identity thanks to the global residual") {
  const auto model = models::build_model(tiny_deblur("deconv"), 5);
  const Tensor x = pipeline::mat_to_tensor(smooth_random_image(16, 16, CV_32F, 2));
  const Tensor y = model->forward(x);
  double worst = 0;
  for (int64_t i = 0; i < x.numel(); ++i) worst = std::max(worst, std::abs(static_cast<double>(y.data()[i] - x.data()[i])));
  CHECK(worst < 0.05);
}

TEST_CASE("inference (convs fused with their ReLU, resize-conv run at half resolution) equals the training forward") {
  for (const char* up : kUpPaths) {
    CAPTURE(up);
    const auto model = models::build_model(tiny_deblur(up, 3), 9);
    randomise(*model, 10);
    for (const Shape& s : {Shape{1, 1, 19, 13}, Shape{2, 1, 16, 16}}) {
      CAPTURE(s.h());
      Tensor x(s);
      std::mt19937 rng(11);
      std::uniform_real_distribution<float> dist(0.0f, 1.0f);
      for (float& v : x.values()) v = dist(rng);
      const Tensor fast = model->forward(x), layer_by_layer = model->net().forward_train(x);
      REQUIRE(fast.shape() == layer_by_layer.shape());
      double worst = 0, scale = 0;
      for (int64_t i = 0; i < fast.numel(); ++i) {
        worst = std::max(worst, std::abs(static_cast<double>(fast.data()[i] - layer_by_layer.data()[i])));
        scale = std::max(scale, std::abs(static_cast<double>(layer_by_layer.data()[i])));
      }
      CHECK(worst <= 1e-5 * std::max(1.0, scale));
    }
  }
}

TEST_CASE("backward matches finite differences through skips, padding and the residual") {
  struct Case {
    const char* up;
    int condition;  // 3: told the blur code as extra input planes
  };
  for (const Case c : {Case{"deconv", 0}, Case{"pixelshuffle", 0}, Case{"resizeconv", 0}, Case{"deconv", 3},
                       Case{"resizeconv", 3}}) {
    const char* up = c.up;
    const int condition = c.condition;
    CAPTURE(up);
    CAPTURE(condition);
    // He-initialised body (activations of order 1) with a random tail in place of the
    // near-zero one.
    // Small random biases keep pre-activations off exact zeros (ReLU kinks). A small step
    // keeps kink crossings rare; the loss stays of order 10, so float round-off is fine.
    auto model = models::build_model(tiny_deblur(up, 2, condition), 11);
    std::mt19937 init_rng(12);
    nn::init_normal(model->net().parameters().end()[-2]->value, 0.3, init_rng);
    for (nn::Parameter* p : model->net().parameters())
      if (p->name.ends_with("bias")) nn::init_normal(p->value, 0.1, init_rng);
    // 7×6 is padded to 8×8 inside: the crop's gradient is checked too.
    // Told the blur: constant code planes as in use (random ones drive the deep levels hard
    // enough for the finite differences to cross ReLU kinks).
    Tensor x = pipeline::mat_to_tensor(smooth_random_image(7, 6, CV_32F, 4));
    if (condition > 0) x = deblur::with_blur_code_planes(x, {imaging::BlurCode{0.3f, 0.1f, -0.2f}});
    const Tensor direction = pipeline::mat_to_tensor(smooth_random_image(7, 6, CV_32F, 5));
    model->net().zero_grad();
    model->net().forward_train(x);
    const Tensor grad_x = model->net().backward(direction);
    // Loss L = <f(x), direction>: compare dL/dx and dL/dw along random directions.
    const Tensor dx = pipeline::mat_to_tensor(smooth_random_image(7, 6, CV_32FC(1 + condition), 6));
    const float eps = 1e-4f;
    const double step = 2.0 * static_cast<double>(eps);
    // The weights are perturbed between calls: each call replans with them.
    auto loss_at = [&](const Tensor& input) {
      model->net().weights_changed();
      return dot(model->forward(input), direction);
    };
    Tensor plus = x.clone(), minus = x.clone();
    for (int64_t i = 0; i < x.numel(); ++i) {
      plus.data()[i] += eps * dx.data()[i];
      minus.data()[i] -= eps * dx.data()[i];
    }
    const double numeric_x = (loss_at(plus) - loss_at(minus)) / step;
    CHECK(dot(grad_x, dx) == doctest::Approx(numeric_x).epsilon(1e-2).scale(1.0));
    for (nn::Parameter* p : model->net().parameters()) {
      if (p->name.find("weight") == std::string::npos) continue;
      CAPTURE(p->name);
      std::mt19937 rng(static_cast<uint32_t>(p->value.numel()));
      std::normal_distribution<float> dist(0.0f, 1.0f);
      Tensor dw(p->value.shape());
      for (float& v : dw.values()) v = dist(rng);
      const Tensor saved = p->value.clone();
      for (int64_t i = 0; i < dw.numel(); ++i) p->value.data()[i] = saved.data()[i] + eps * dw.data()[i];
      const double up_loss = loss_at(x);
      for (int64_t i = 0; i < dw.numel(); ++i) p->value.data()[i] = saved.data()[i] - eps * dw.data()[i];
      const double down_loss = loss_at(x);
      std::copy_n(saved.data(), saved.numel(), p->value.data());
      const double numeric = (up_loss - down_loss) / step;
      CHECK(dot(p->grad, dw) == doctest::Approx(numeric).epsilon(1e-2).scale(1.0));
    }
  }
}

TEST_CASE("a training step without the input gradient gives the same parameter gradients") {
  auto model = models::build_model(tiny_deblur("resizeconv", 2, 3), 11);
  nn::Sequential& net = model->net();
  const Tensor x = deblur::with_blur_code_planes(pipeline::mat_to_tensor(smooth_random_image(9, 8, CV_32F, 4)),
                                                 {imaging::BlurCode{0.3f, 0.1f, -0.2f}});
  const Tensor direction = pipeline::mat_to_tensor(smooth_random_image(9, 8, CV_32F, 5));
  net.zero_grad();
  (void)net.forward_train(x);
  (void)net.backward(direction);
  std::vector<Tensor> full;
  for (nn::Parameter* p : net.parameters()) full.push_back(p->grad.clone());
  net.zero_grad();
  (void)net.forward_train(x);
  CHECK(net.backward(direction, /*need_input_gradient=*/false).empty());
  const auto params = net.parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    CAPTURE(params[i]->name);
    CHECK(testing::same_bits(params[i]->grad, full[i]));
  }
}

TEST_CASE("tiled inference equals whole-image inference (tiles aligned to 2^depth, halo = receptive field)") {
  for (const char* up : kUpPaths)
    for (int depth : {1, 2}) {
      CAPTURE(up);
      CAPTURE(depth);
      auto model = models::build_model(tiny_deblur(up, depth), 7);
      randomise(*model, 8);
      CHECK(pipeline::tile_alignment(model->net()) == (1 << depth));
      const cv::Mat image = smooth_random_image(45, 38, CV_32F, 3);
      const cv::Mat whole = pipeline::run_network_tiled(model->net(), image, 0);
      // Within Winograd's error (its 3×3 layers round by where a 4×4 tile falls), a
      // twentieth of an 8-bit level.
      for (int tile : {8, 13, 20}) {
        CAPTURE(tile);
        CHECK(cv::norm(whole, pipeline::run_network_tiled(model->net(), image, tile), cv::NORM_INF) <= 2e-4);
      }
    }
  // The whole pipeline (colour, grey, 16-bit, chroma passed through) with tiles.
  auto model = models::build_model(tiny_deblur("pixelshuffle"), 9);
  randomise(*model, 10);
  std::shared_ptr<const models::Model> shared = std::move(model);
  const auto whole = pipeline::upscaler_for_model(shared, 0), tiled = pipeline::upscaler_for_model(shared, 12);
  for (int type : {CV_8UC3, CV_8UC1, CV_16UC3}) {
    CAPTURE(type);
    const cv::Mat image = smooth_random_image(29, 35, type, 11);
    const cv::Mat a = whole->upscale(image), b = tiled->upscale(image);
    CHECK(a.type() == type);
    CHECK(a.size() == image.size());
    CHECK(cv::norm(a, b, cv::NORM_INF) == 0);
  }
}

TEST_CASE("a short training run on blurred patches lowers the loss") {
  const cv::Mat photo = smooth_random_image(80, 80, CV_8UC1, 21);
  train::DeblurDataOptions data_options;
  const auto data = train::DeblurPatchSampler::from_images({photo}, data_options);
  auto model = models::build_model(tiny_deblur("deconv"), 1);
  std::mt19937 rng(2);
  Tensor blurred, sharp;
  // One fixed batch, so the loss measures fitting rather than batch-to-batch variety.
  data.sample(rng, 4, 16, blurred, sharp);
  CHECK(blurred.shape() == Shape{4, 1, 16, 16});
  const auto [before, after] = testing::fit_one_batch(*model, blurred, sharp, 40, 3e-3);
  CAPTURE(before);
  CAPTURE(after);
  CHECK(after < 0.7 * before);
}

TEST_CASE("the trainer runs the deblur task end to end and refuses a mismatched task") {
  testing::ScratchFolder dir;
  std::filesystem::create_directories(dir / "train");
  cv::Mat colour = smooth_random_image(64, 72, CV_8UC3, 31);
  REQUIRE(cv::imwrite((dir / "train" / "a.png").string(), colour));
  train::TrainOptions o;
  o.task = train::TaskKind::deblur;
  o.model = tiny_deblur("resizeconv");
  o.train_folders = {dir / "train"};
  o.validation_folder = dir / "train";
  o.batch = 2;
  o.lr_patch = 16;
  o.steps = 6;
  o.validate_every = 3;
  o.output = dir / "d.safetensors";
  double validation = 0;
  const auto r = train::train_model(o, [&](const train::TrainProgress& p) { validation = p.validation_psnr; },
                                    [](const std::string&) {});
  CHECK(r.steps == 6);
  CHECK(validation > 10.0);  // scored on the blurred validation images
  CHECK(models::load_model(o.output)->metadata().at("task") == "deblur");
  o.task = train::TaskKind::super_resolution;
  CHECK_THROWS_WITH_AS(train::train_model(o, {}, [](const std::string&) {}), doctest::Contains("not trained for the sr task"),
                       Error);
}

}  // TEST_SUITE
