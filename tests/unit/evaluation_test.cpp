#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>

#include <opencv2/imgcodecs.hpp>

#include "analysis/evaluation.hpp"
#include "analysis/metrics.hpp"
#include "cli_runner.hpp"
#include "models/model.hpp"
#include "nn/layers.hpp"
#include "pipeline/learned_methods.hpp"
#include "tensor/error.hpp"

using namespace upsample;
namespace fs = std::filesystem;

TEST_SUITE("evaluation") {

TEST_CASE("eval of a model with a known constant output gives the PSNR computed by hand") {
  testing::ScratchFolder dir;
  fs::create_directories(dir / "set");
  cv::imwrite((dir / "set/scene.png").string(), cv::imread(testing::sample("scene.png").string()));
  // FSRCNN with every weight zero outputs its last bias everywhere: 100/255.
  auto model = models::build_model({{"arch", "fsrcnn"}, {"scale", "3"}, {"d", "8"}, {"s", "4"}, {"m", "1"}});
  for (nn::Parameter* p : model->net().parameters()) p->value.fill(0.0f);
  model->net().parameters().back()->value.fill(100.0f / 255.0f);
  model->net().weights_changed();
  std::shared_ptr<const models::Model> shared = std::move(model);
  const auto upscaler = pipeline::upscaler_for_model(shared);

  const auto set = analysis::load_eval_set(dir / "set", 3);
  const auto scores = analysis::evaluate_upscaler(*upscaler, set, 3);
  REQUIRE(scores.size() == 1);
  // By hand: Y of the HR, cropped to 255×192 (multiple of 3), 3 pixels shaved.
  const cv::Mat y = analysis::rgb_to_y_u8(cv::imread(testing::sample("scene.png").string()));
  const cv::Mat inner = y(cv::Rect(3, 3, 255 - 6, 192 - 6));
  double se = 0;
  for (int r = 0; r < inner.rows; ++r)
    for (int c = 0; c < inner.cols; ++c) se += std::pow(inner.at<uint8_t>(r, c) - 100.0, 2);
  const double expected = 10 * std::log10(255.0 * 255.0 / (se / static_cast<double>(inner.total())));
  CHECK(scores[0].psnr == doctest::Approx(expected).epsilon(1e-9));
}

TEST_CASE("eval reproduces the published bicubic numbers on Set5 with the bicubic method") {
  const char* env = std::getenv("UPSAMPLE_DATA");
  const fs::path data = env ? fs::path(env) : testing::source_dir() / "../shared/data";
  if (!fs::is_directory(data / "sr-bench/Set5")) {
    MESSAGE("skipped: " << (data / "sr-bench/Set5").string() << " not found (set UPSAMPLE_DATA)");
    return;
  }
  const double published[] = {33.66, 30.39, 28.42};
  for (int scale : {2, 3, 4}) {
    CAPTURE(scale);
    const auto set = analysis::load_eval_set(data / "sr-bench/Set5", scale);
    const auto bicubic = pipeline::create_upscaler("bicubic", scale);
    const double psnr = analysis::average(analysis::evaluate_upscaler(*bicubic, set, scale)).psnr;
    CHECK(std::round(psnr * 100) / 100 == doctest::Approx(published[scale - 2]));
  }
}

TEST_CASE("OpenCV dnn_superres models: named by file, scored as the issue quotes them") {
  CHECK_THROWS_WITH_AS(pipeline::create_upscaler("opencv:/nowhere/model.pb", 2), doctest::Contains("cannot tell"), Error);
  CHECK_THROWS_WITH_AS(pipeline::create_upscaler("opencv:/nowhere/FSRCNN_x3.pb", 2), doctest::Contains("upscales ×3, not ×2"),
                       Error);
  CHECK_THROWS_WITH_AS(pipeline::create_upscaler("opencv:/nowhere/FSRCNN_x2.pb", 2), doctest::Contains("no such model file"),
                       Error);
  const char* env = std::getenv("UPSAMPLE_DATA");
  const fs::path data = env ? fs::path(env) : testing::source_dir() / "../shared/data";
  const fs::path model = data / "anchors/opencv-dnn-superres/FSRCNN_x2.pb";
  if (!fs::exists(model) || !fs::is_directory(data / "sr-bench/Set5")) {
    MESSAGE("skipped: " << model.string() << " not found (set UPSAMPLE_DATA)");
    return;
  }
  const auto set = analysis::load_eval_set(data / "sr-bench/Set5", 2);
  const auto opencv = pipeline::create_upscaler("opencv:" + model.string(), 2);
  const double psnr = analysis::average(analysis::evaluate_upscaler(*opencv, set, 2)).psnr;
  CHECK(std::round(psnr * 100) / 100 == doctest::Approx(34.82));
}

}  // TEST_SUITE
