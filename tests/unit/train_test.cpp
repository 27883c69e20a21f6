#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "io/safetensors.hpp"
#include "models/model.hpp"
#include "tensor/error.hpp"
#include "train/adam.hpp"
#include "train/patch_dataset.hpp"
#include "train/trainer.hpp"
#include "test_models.hpp"

using namespace upsample;
namespace fs = std::filesystem;

namespace {

// Two small training images cut from the samples, in their own folder.
void make_training_folder(const fs::path& folder) {
  fs::create_directories(folder);
  const cv::Mat scene = cv::imread(testing::sample("scene.png").string());
  const cv::Mat chart = cv::imread(testing::sample("text_chart.png").string());
  cv::imwrite((folder / "a.png").string(), scene(cv::Rect(40, 60, 96, 96)));
  cv::imwrite((folder / "b.png").string(), chart(cv::Rect(0, 100, 96, 96)));
}

// A 3-step tiny run, then a fine-tune from it set up by `configure`; returns the options
// of the fine-tune (its output next to the base's, base.safetensors).
train::TrainOptions base_then_fine_tune(const testing::ScratchFolder& dir,
                                        const std::function<void(train::TrainOptions&)>& configure) {
  make_training_folder(dir / "train");
  auto base = testing::tiny_training_run(dir.path());
  base.steps = 3;
  base.output = dir / "base.safetensors";
  train::train_model(base, [](const train::TrainProgress&) {}, [](const std::string&) {});
  auto tune = base;
  tune.init = {base.output};
  tune.output = dir / "tuned.safetensors";
  tune.checkpoint = dir / "tuned.ckpt";
  configure(tune);
  train::train_model(tune, [](const train::TrainProgress&) {}, [](const std::string&) {});
  return tune;
}

}  // namespace

TEST_SUITE("train") {

TEST_CASE("Adam minimises a quadratic, honours lr multipliers and frozen parameters") {
  nn::Parameter fast, slow, frozen;
  for (nn::Parameter* p : {&fast, &slow, &frozen}) {
    p->value = Tensor::full(Shape{3}, 5.0f);
    p->grad = Tensor(Shape{3});
  }
  slow.lr_multiplier = 0.1f;
  frozen.trainable = false;
  train::Adam adam({&fast, &slow, &frozen});
  for (int step = 0; step < 500; ++step) {
    for (nn::Parameter* p : {&fast, &slow, &frozen})
      for (int64_t i = 0; i < 3; ++i) p->grad.data()[i] = 2.0f * p->value.data()[i];  // d/dw of w²
    adam.step(0.05);
  }
  CHECK(std::abs(fast.value.data()[0]) < 0.05f);
  CHECK(slow.value.data()[0] > 1.0f);  // 10× smaller steps: still on its way
  CHECK(slow.value.data()[0] < 4.0f);
  CHECK(frozen.value.data()[0] == 5.0f);
}

TEST_CASE("patches are aligned: the LR patch is the HR patch shrunk, under every flip and rotation") {
  const cv::Mat scene = cv::imread(testing::sample("scene.png").string());
  const auto data = train::PatchDataset::from_images({scene}, 3, {1.0});
  std::mt19937 rng(3);
  Tensor lr, hr;
  data.sample(rng, 16, 8, lr, hr);
  CHECK(lr.shape() == Shape{16, 1, 8, 8});
  CHECK(hr.shape() == Shape{16, 1, 24, 24});
  // Bicubic shrinking keeps local means: each LR pixel ≈ the mean of its 3×3 HR block.
  double error = 0, spread = 0;
  for (int b = 0; b < 16; ++b)
    for (int y = 1; y < 7; ++y)
      for (int x = 1; x < 7; ++x) {
        double block = 0;
        for (int dy = 0; dy < 3; ++dy)
          for (int dx = 0; dx < 3; ++dx) block += static_cast<double>(hr.at(b, 0, 3 * y + dy, 3 * x + dx));
        error += std::abs(block / 9 - static_cast<double>(lr.at(b, 0, y, x)));
        spread += static_cast<double>(std::abs(lr.at(b, 0, y, x) - lr.at(b, 0, y, x - 1)));
      }
  CHECK(error < 0.5 * spread);  // misaligned by one pixel, the error would be as large as the spread
}

TEST_CASE("a tiny training run lowers the loss and writes a model that reloads") {
  testing::ScratchFolder dir;
  make_training_folder(dir / "train");
  auto o = testing::tiny_training_run(dir.path());
  std::vector<double> losses;
  const auto r = train::train_model(o, [&](const train::TrainProgress& p) { losses.push_back(p.loss); }, [](const std::string&) {});
  CHECK(r.finished);
  REQUIRE(losses.size() >= 2);
  CHECK(r.final_loss < 0.5 * losses.front());
  const auto model = models::load_model(o.output);
  CHECK(model->metadata().at("training_steps") == "60");
  CHECK(model->arch() == "fsrcnn");
}

TEST_CASE("a run stopped early and resumed ends exactly where an uninterrupted run ends") {
  testing::ScratchFolder dir;
  make_training_folder(dir / "train");
  auto whole = testing::tiny_training_run(dir.path());
  whole.steps = 12;
  whole.output = dir / "whole.safetensors";
  train::train_model(whole, [](const train::TrainProgress&) {}, [](const std::string&) {});

  auto split = whole;
  split.output = dir / "split.safetensors";
  split.max_steps_this_run = 5;
  auto r = train::train_model(split, [](const train::TrainProgress&) {}, [](const std::string&) {});
  CHECK_FALSE(r.finished);
  CHECK_FALSE(fs::exists(split.output));
  split.max_steps_this_run = 0;
  split.resume = true;
  r = train::train_model(split, [](const train::TrainProgress&) {}, [](const std::string&) {});
  CHECK(r.finished);
  const auto a = io::read_safetensors(whole.output), b = io::read_safetensors(split.output);
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    CAPTURE(a.tensors[i].first);
    const auto& x = a.tensors[i].second;
    const auto& y = b.tensors[i].second;
    CHECK(std::equal(x.values().begin(), x.values().end(), y.values().begin()));
  }
  // Other settings must not silently continue this checkpoint.
  split.loss = "l1";
  CHECK_THROWS_WITH_AS(train::train_model(split, [](const train::TrainProgress&) {}, [](const std::string&) {}),
                       doctest::Contains("belongs to a run with other settings"), Error);
}

TEST_CASE("fine-tuning only the last layer leaves the body as it was") {
  testing::ScratchFolder dir;
  auto tune = base_then_fine_tune(dir, [](train::TrainOptions& t) { t.train_last_layer_only = true; });
  const auto a = io::read_safetensors(tune.init.front()), b = io::read_safetensors(tune.output);
  const std::string last = a.tensors.back().first;  // the deconv bias sorts last in file order
  int changed = 0;
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const auto& x = a.tensors[i].second;
    const auto& y = b.tensors[i].second;
    const bool same = std::equal(x.values().begin(), x.values().end(), y.values().begin());
    const bool in_last_layer = a.tensors[i].first.rfind(last.substr(0, last.find('.')) + ".", 0) == 0;
    CAPTURE(a.tensors[i].first);
    CHECK(same != in_last_layer);
    changed += same ? 0 : 1;
  }
  CHECK(changed == 2);  // weight and bias of the transposed conv
}

TEST_CASE("a layer's learning-rate multiplier scales only that layer's steps") {
  testing::ScratchFolder dir;
  auto tune = base_then_fine_tune(dir, [](train::TrainOptions& t) {
    t.steps = 5;
    t.layer_lr_multipliers = {{0, 1e-3f}};
  });
  const auto a = io::read_safetensors(tune.init.front()), b = io::read_safetensors(tune.output);
  const auto largest_step = [&](const std::string& name) {
    float largest = 0;
    for (size_t i = 0; i < a.tensors.size(); ++i)
      if (a.tensors[i].first == name)
        for (size_t k = 0; k < a.tensors[i].second.values().size(); ++k)
          largest = std::max(largest, std::abs(a.tensors[i].second.values()[k] - b.tensors[i].second.values()[k]));
    return largest;
  };
  // Adam moves a parameter by at most about lr · multiplier a step.
  const float bound = static_cast<float>(tune.steps * tune.learning_rate) * 1e-3f * 1.5f;
  CHECK(largest_step("0.weight") > 0.0f);
  CHECK(largest_step("0.weight") <= bound);
  CHECK(largest_step("2.weight") > 100 * bound);

  tune.layer_lr_multipliers = {{99, 2.0f}};
  CHECK_THROWS_WITH_AS(train::train_model(tune, [](const train::TrainProgress&) {}, [](const std::string&) {}),
                       doctest::Contains("layer 99 of fsrcnn has no parameters; the layers that have are 0, 1, 2"),
                       Error);
  tune.layer_lr_multipliers = {{0, 0.0f}};
  CHECK_THROWS_WITH_AS(train::train_model(tune, [](const train::TrainProgress&) {}, [](const std::string&) {}),
                       doctest::Contains("must be > 0"), Error);
}

TEST_CASE("several --init models combine, later ones taking precedence") {
  testing::ScratchFolder dir;
  make_training_folder(dir / "train");
  auto body = testing::tiny_training_run(dir.path());
  body.steps = 2;
  body.output = dir / "fsrcnn.safetensors";
  train::train_model(body, [](const train::TrainProgress&) {}, [](const std::string&) {});
  auto head = body;
  head.model["arch"] = "resizeconv";
  head.output = dir / "resizeconv.safetensors";
  train::train_model(head, [](const train::TrainProgress&) {}, [](const std::string&) {});
  // A resize-conv with the FSRCNN body and its own last layer; lr 0 keeps what it was given.
  auto combined = head;
  combined.init = {head.output, body.output};
  combined.learning_rate = combined.final_learning_rate = 0;
  combined.steps = 1;
  combined.output = dir / "combined.safetensors";
  train::train_model(combined, [](const train::TrainProgress&) {}, [](const std::string&) {});
  const auto from_body = io::read_safetensors(body.output), from_head = io::read_safetensors(head.output),
             result = io::read_safetensors(combined.output);
  int from_fsrcnn = 0, from_resizeconv = 0;
  for (const auto& [name, value] : result.tensors) {
    CAPTURE(name);
    const bool in_body = std::any_of(from_body.tensors.begin(), from_body.tensors.end(),
                                     [&](const auto& t) { return t.first == name && t.second.shape() == value.shape(); });
    const Tensor& expected = in_body ? from_body.get(name) : from_head.get(name);
    CHECK(std::equal(value.values().begin(), value.values().end(), expected.values().begin()));
    ++(in_body ? from_fsrcnn : from_resizeconv);
  }
  CHECK(from_fsrcnn > 0);
  CHECK(from_resizeconv == 2);  // the last convolution's weight and bias
}

TEST_CASE("a network grown with moved layers and identity layers starts out computing what it was grown from") {
  testing::ScratchFolder dir;
  make_training_folder(dir / "train");
  auto base = testing::tiny_training_run(dir.path());  // m = 1: mapping conv 4, expand 6, deconv 8
  base.steps = 3;
  base.output = dir / "base.safetensors";
  train::train_model(base, [](const train::TrainProgress&) {}, [](const std::string&) {});
  // m = 3: the trained mapping conv stays at 4, new ones at 6 and 8, expand moves to 10.
  auto grown = base;
  grown.model["m"] = "3";
  grown.init = {base.output};
  grown.init_layer_moves = {{6, 10}, {7, 11}, {8, 12}};
  grown.identity_layers = {6, 8};
  grown.learning_rate = grown.final_learning_rate = 0;
  grown.steps = 1;
  grown.output = dir / "grown.safetensors";
  train::train_model(grown, [](const train::TrainProgress&) {}, [](const std::string&) {});
  const auto before = models::load_model(base.output), after = models::load_model(grown.output);
  REQUIRE(after->net().size() == before->net().size() + 4);
  Tensor x(Shape{1, 1, 13, 17});
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = static_cast<float>((i * 37) % 101) / 100.0f;
  const Tensor a = before->forward(x), b = after->forward(x);
  REQUIRE(a.shape() == b.shape());
  float worst = 0;
  for (int64_t i = 0; i < a.numel(); ++i) worst = std::max(worst, std::abs(a.data()[i] - b.data()[i]));
  CHECK(worst < 1e-5f);

  auto wrong = grown;
  wrong.identity_layers = {2};  // the 1×1 shrink: fewer outputs than inputs
  CHECK_THROWS_WITH_AS(train::train_model(wrong, [](const train::TrainProgress&) {}, [](const std::string&) {}),
                       doctest::Contains("cannot start as the identity"), Error);
  wrong.identity_layers = {40};
  CHECK_THROWS_WITH_AS(train::train_model(wrong, [](const train::TrainProgress&) {}, [](const std::string&) {}),
                       doctest::Contains("has no layer 40"), Error);
}

TEST_CASE("the loss border leaves the outputs near a patch edge out of the loss and its gradient") {
  const Shape shape{2, 1, 10, 12};
  Tensor target(shape), prediction(shape);
  for (int64_t i = 0; i < prediction.numel(); ++i) prediction.data()[i] = 0.01f * static_cast<float>(i % 37);
  auto on_border = [&](int64_t y, int64_t x, int border) {
    return y < border || x < border || y >= shape.h() - border || x >= shape.w() - border;
  };
  for (const char* loss : {"mse", "l1", "charbonnier"}) {
    CAPTURE(loss);
    // Only the border differs: nothing to learn.
    Tensor border_only = target;
    for (int64_t n = 0; n < shape.n(); ++n)
      for (int64_t y = 0; y < shape.h(); ++y)
        for (int64_t x = 0; x < shape.w(); ++x)
          if (on_border(y, x, 3)) border_only.row(n, 0, y)[x] = prediction.row(n, 0, y)[x] + 0.5f;
    const auto blind = train::interior_loss(loss, border_only, target, 3);
    const auto inner = train::interior_loss(loss, prediction, target, 3);
    const auto perfect = train::interior_loss(loss, target, target, 0);  // 0, or charbonnier's ε
    CHECK(blind.value == doctest::Approx(perfect.value));
    CHECK(inner.value > perfect.value + 1e-3);
    // Elsewhere: the loss of the interior alone, its gradient there, zero on the border.
    Tensor crop(Shape{2, 1, 4, 6}), crop_target(Shape{2, 1, 4, 6});
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t y = 0; y < 4; ++y)
        for (int64_t x = 0; x < 6; ++x) crop.row(n, 0, y)[x] = prediction.row(n, 0, y + 3)[x + 3];
    const auto expected = train::interior_loss(loss, crop, crop_target, 0);
    CHECK(inner.value == doctest::Approx(expected.value).epsilon(1e-6));
    REQUIRE(inner.grad.shape() == shape);
    for (int64_t n = 0; n < shape.n(); ++n)
      for (int64_t y = 0; y < shape.h(); ++y)
        for (int64_t x = 0; x < shape.w(); ++x) {
          const float g = inner.grad.row(n, 0, y)[x];
          if (on_border(y, x, 3)) CHECK(g == 0.0f);
          else CHECK(g == doctest::Approx(expected.grad.row(n, 0, y - 3)[x - 3]).epsilon(1e-6));
        }
  }
}

TEST_CASE("a run with a loss border trains, records it, and refuses one that leaves nothing") {
  testing::ScratchFolder dir;
  make_training_folder(dir / "train");
  auto o = testing::tiny_training_run(dir.path());
  o.steps = 20;
  o.loss_border = 3;  // 10-pixel patches: the middle 4×4 (8×8 outputs at ×2) counts
  std::vector<double> losses;
  const auto r = train::train_model(o, [&](const train::TrainProgress& p) { losses.push_back(p.loss); }, [](const std::string&) {});
  CHECK(r.finished);
  REQUIRE(losses.size() >= 2);
  CHECK(r.final_loss < losses.front());
  CHECK(models::load_model(o.output)->metadata().at("training_loss_border") == "3");
  o.loss_border = 5;
  CHECK_THROWS_WITH_AS(train::train_model(o, [](const train::TrainProgress&) {}, [](const std::string&) {}),
                       doctest::Contains("border < patch / 2"), Error);
}

TEST_CASE("cosine schedule runs from start to end") {
  CHECK(train::cosine_learning_rate(1e-3, 1e-5, 0, 100) == doctest::Approx(1e-3));
  CHECK(train::cosine_learning_rate(1e-3, 1e-5, 50, 100) == doctest::Approx((1e-3 + 1e-5) / 2));
  CHECK(train::cosine_learning_rate(1e-3, 1e-5, 100, 100) == doctest::Approx(1e-5));
}

}  // TEST_SUITE
