#include <doctest/doctest.h>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "io/safetensors.hpp"
#include "models/model.hpp"
#include "pipeline/learned_methods.hpp"
#include "pipeline/tiling.hpp"
#include "tensor/error.hpp"
#include "test_values.hpp"

using namespace upsample;

using upsample::testing::max_abs_diff;
using upsample::testing::smooth_random_image;

namespace {

// The small variants keep the reference ops quick in sanitized builds.
models::Metadata small(const std::string& arch, int scale) {
  models::Metadata m = {{"arch", arch}, {"scale", std::to_string(scale)}};
  if (arch != "espcn") m.insert({{"d", "16"}, {"s", "8"}, {"m", "1"}});
  else m.insert({{"features1", "16"}, {"features2", "8"}});
  return m;
}

}  // namespace

TEST_SUITE("models") {

TEST_CASE("every architecture upscales by its scale and names parameters like PyTorch") {
  for (const auto& arch : models::architectures()) {
    if (arch.defaults.count("task")) continue;  // not super-resolution: tested in its own file
    for (int scale : {2, 3, 4}) {
      CAPTURE(arch.name);
      CAPTURE(scale);
      const auto model = models::build_model(small(arch.name, scale));
      const Tensor out = model->forward(Tensor::full(Shape{1, 1, 7, 5}, 0.5f));
      CHECK(out.shape() == Shape{1, 1, 7 * scale, 5 * scale});
      CHECK(model->net().parameters().front()->name == "0.weight");
      CHECK(model->net().upscale() == scale);
    }
  }
  // The paper's default FSRCNN(56, 12, 4) at ×3 has 12,464 weights + biases + PReLU slopes.
  const auto fsrcnn = models::build_model({{"arch", "fsrcnn"}, {"scale", "3"}});
  CHECK(fsrcnn->parameter_count() == 12464 + (56 + 12 + 4 * 12 + 56 + 1) + (56 + 12 + 4 * 12 + 56));
}

TEST_CASE("resize-conv's kernel defaults to 2·scale+1, is written into the metadata, and can be set") {
  for (int scale : {2, 3, 4}) {
    CAPTURE(scale);
    const auto model = models::build_model({{"arch", "resizeconv"}, {"scale", std::to_string(scale)}});
    CHECK(model->metadata().at("kernel") == std::to_string(2 * scale + 1));
    CHECK(model->net().parameters().back()->name.ends_with(".bias"));
    const Shape& head = model->net().parameters()[model->net().parameters().size() - 2]->value.shape();
    CHECK(head == Shape{1, 56, 2 * scale + 1, 2 * scale + 1});
  }
  const auto five = models::build_model({{"arch", "resizeconv"}, {"scale", "4"}, {"kernel", "5"}});
  CHECK(five->metadata().at("kernel") == "5");
}

TEST_CASE("ESPCN starts with He fan-out hidden convs and a near-zero last conv, ICNR or not") {
  const auto std_dev = [](const Tensor& t) {
    double sum = 0, squares = 0;
    for (const float v : t.values()) {
      sum += static_cast<double>(v);
      squares += static_cast<double>(v) * static_cast<double>(v);
    }
    const double n = static_cast<double>(t.numel());
    return std::sqrt(squares / n - (sum / n) * (sum / n));
  };
  for (const std::string icnr : {"true", "false"}) {
    CAPTURE(icnr);
    const auto model = models::build_model({{"arch", "espcn"}, {"scale", "3"}, {"icnr", icnr}});
    const auto params = model->net().parameters();  // 0.weight, 0.bias, 2.weight, 2.bias, 4.weight, 4.bias
    REQUIRE(params.size() == 6);
    CHECK(std_dev(params[0]->value) == doctest::Approx(std::sqrt(2.0 / (64 * 25))).epsilon(0.1));
    CHECK(std_dev(params[2]->value) == doctest::Approx(std::sqrt(2.0 / (32 * 9))).epsilon(0.05));
    const Tensor& last = params[4]->value;  // [9, 32, 3, 3]
    CHECK(std_dev(last) == doctest::Approx(0.001).epsilon(0.1));
    // ICNR: the 9 sub-pixel phases start with one kernel.
    const int64_t per_phase = last.numel() / 9;
    const bool phases_equal = std::equal(last.data(), last.data() + per_phase, last.data() + 4 * per_phase);
    CHECK(phases_equal == (icnr == "true"));
    for (float b : params[5]->value.values()) CHECK(b == 0.0f);
  }
}

TEST_CASE("a saved model reloads with identical outputs, bad files are refused by name") {
  testing::ScratchFolder dir;
  const auto model = models::build_model(small("fsrcnn", 2), 42);
  models::save_model(*model, dir / "m.safetensors");
  const auto again = models::load_model(dir / "m.safetensors");
  CHECK(again->metadata() == model->metadata());
  const Tensor x = Tensor::full(Shape{1, 1, 9, 11}, 0.3f);
  const Tensor a = model->forward(x), b = again->forward(x);
  CHECK(std::equal(a.values().begin(), a.values().end(), b.values().begin()));

  auto tensors = std::vector<std::pair<std::string, Tensor>>{};
  for (const auto* p : model->net().parameters()) tensors.emplace_back(p->name, p->value);
  tensors.pop_back();  // drop the last bias
  io::write_safetensors(dir / "missing.safetensors", tensors, model->metadata());
  CHECK_THROWS_WITH_AS(models::load_model(dir / "missing.safetensors"), doctest::Contains("missing.safetensors: tensor '"), Error);
  auto meta = model->metadata();
  meta["arch"] = "srgan";
  io::write_safetensors(dir / "arch.safetensors", {{"x", Tensor(Shape{1})}}, meta);
  CHECK_THROWS_WITH_AS(models::load_model(dir / "arch.safetensors"), doctest::Contains("unknown model architecture 'srgan'"), Error);
  meta = model->metadata();
  meta["d"] = "17";  // the weights were made for d = 16
  tensors.clear();
  for (const auto* p : model->net().parameters()) tensors.emplace_back(p->name, p->value);
  io::write_safetensors(dir / "shape.safetensors", tensors, meta);
  CHECK_THROWS_WITH_AS(models::load_model(dir / "shape.safetensors"), doctest::Contains("has shape"), Error);
}

TEST_CASE("tiled inference equals whole-image inference exactly, at every scale, on sizes that are not tile multiples") {
  for (const auto& arch : models::architectures()) {
    if (arch.defaults.count("task")) continue;  // not super-resolution: tested in its own file
    for (int scale : {2, 3, 4}) {
      // The small variant, and the shipped widths, which take the fast paths the small one
      // does not (Winograd, also for resize-conv's folded conv at x3 and x4).
      for (const bool shipped_width : {false, true}) {
        CAPTURE(arch.name);
        CAPTURE(scale);
        CAPTURE(shipped_width);
        const models::Metadata metadata =
            shipped_width ? models::Metadata{{"arch", arch.name}, {"scale", std::to_string(scale)}} : small(arch.name, scale);
        const auto model = models::build_model(metadata, 7);
        const cv::Mat image = smooth_random_image(37, 29, CV_32F, 3);
        const cv::Mat whole = pipeline::run_network_tiled(model->net(), image, 0);
        for (int tile : {8, 13, 16}) {
          CAPTURE(tile);
          const cv::Mat tiled = pipeline::run_network_tiled(model->net(), image, tile);
          CHECK(max_abs_diff(whole, tiled) == 0);
        }
      }
    }
  }
}

TEST_CASE("a halo smaller than the receptive field would show: the equality test can fail") {
  const auto model = models::build_model(small("fsrcnn", 2), 7);
  const cv::Mat image = smooth_random_image(24, 24, CV_32F, 5);
  const cv::Mat whole = pipeline::run_network_tiled(model->net(), image, 0);
  // Tiles with no halo at all: zero padding at tile seams changes the result.
  cv::Mat seams(whole.size(), whole.type());
  for (const auto& t : pipeline::plan_tiles(image.size(), 8, 0)) {
    const Tensor r = model->forward(pipeline::mat_to_tensor(image(t.padded)));
    pipeline::tensor_to_mat(r).copyTo(seams(pipeline::tile_output(t, 2).target));
  }
  CHECK(max_abs_diff(whole, seams) > 1e-3);
}

TEST_CASE("learned upscaler: colour, grey, 16-bit, tiles change nothing") {
  testing::ScratchFolder dir;
  const auto model = models::build_model(small("espcn", 2), 9);
  models::save_model(*model, dir / "e.safetensors");
  const auto whole = pipeline::upscaler_from_model_file(dir / "e.safetensors", 2, {0, {}});
  const auto tiled = pipeline::upscaler_from_model_file(dir / "e.safetensors", 2, {10, {}});
  for (int type : {CV_8UC3, CV_8UC1, CV_16UC3}) {
    CAPTURE(type);
    cv::Mat image = smooth_random_image(23, 31, type, 11);
    const cv::Mat a = whole->upscale(image), b = tiled->upscale(image);
    CHECK(a.type() == type);
    CHECK(a.size() == cv::Size(62, 46));
    CHECK(max_abs_diff(a, b) == 0);
  }
  CHECK_THROWS_WITH_AS(pipeline::upscaler_from_model_file(dir / "e.safetensors", 3, {}), doctest::Contains("pass -s 2"), Error);
}

}  // TEST_SUITE
