// The weights in weights/ are the product: every one must load, run on a sample, and do
// its job better than the classical method it replaces (a wrong file, a truncated
// training run or a broken loader would not).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "imaging/matlab_imresize.hpp"
#include "analysis/metrics.hpp"
#include "cli_runner.hpp"
#include "deblur/blur_estimate.hpp"
#include "deblur/deblurrer.hpp"
#include "models/model.hpp"
#include "pipeline/denoise.hpp"
#include "pipeline/learned_methods.hpp"
#include "pipeline/method_registry.hpp"
#include "tensor/error.hpp"
#include "test_values.hpp"
#include "imaging/blur_kernels.hpp"

namespace fs = std::filesystem;
using namespace upsample;

namespace {

// The scene sample as a photo: an 8-bit colour image with edges, texture and flat areas.
cv::Mat scene() {
  const cv::Mat image = cv::imread(testing::sample("scene.png").string(), cv::IMREAD_COLOR);
  REQUIRE(!image.empty());
  return image;
}

}  // namespace

TEST_CASE("every shipped super-resolution model loads, upscales a sample and beats bicubic on it") {
  const cv::Mat hr_full = scene();
  for (const std::string arch : {"fsrcnn", "espcn", "resizeconv"}) {
    for (int scale : {2, 3, 4}) {
      const fs::path file = testing::source_dir() / "weights" / (arch + "_x" + std::to_string(scale) + ".safetensors");
      INFO(file.string());
      REQUIRE(fs::is_regular_file(file));
      const auto model = models::load_model(file);
      CHECK(model->arch() == arch);
      CHECK(model->scale() == scale);

      const cv::Mat hr = imaging::crop_to_multiple_of(hr_full, scale).clone();
      const cv::Mat lr = imaging::matlab_bicubic_downscale_u8(hr, scale);
      const cv::Mat learned = pipeline::create_upscaler(arch, scale)->upscale(lr);
      const cv::Mat bicubic = pipeline::create_upscaler("bicubic", scale)->upscale(lr);
      REQUIRE(learned.size() == hr.size());
      REQUIRE(learned.type() == hr.type());
      const double ours = analysis::psnr_y(learned, hr, scale), baseline = analysis::psnr_y(bicubic, hr, scale);
      INFO("PSNR on Y: " << ours << " dB, bicubic " << baseline << " dB");
      CHECK(ours > baseline + 0.3);
    }
  }
}

TEST_CASE("every shipped super-resolution model gives in tiles exactly the whole image's result, in colour, at x2, x3 and x4") {
  // Not a multiple of the tile either way; tiles below --tile's minimum make more seams.
  const cv::Mat photo = scene()(cv::Rect(0, 0, 101, 74)).clone();
  const std::string archs[] = {"fsrcnn", "espcn", "resizeconv", "fsrcnn-real"};
  for (size_t a = 0; a < std::size(archs); ++a) {
    const std::string& arch = archs[a];
    for (int scale : {2, 3, 4}) {
      // The sanitizers take each architecture at one scale, every scale in turn.
      if (testing::kSanitizedBuild && scale != 2 + static_cast<int>(a % 3)) continue;
      const fs::path file = testing::source_dir() / "weights" / (arch + "_x" + std::to_string(scale) + ".safetensors");
      INFO(file.string());
      std::shared_ptr<const models::Model> model = models::load_model(file);
      const bool damage_aware = model->condition_planes() > 0;
      const auto upscaler = [&](int tile) {
        return damage_aware ? pipeline::damage_aware_upscaler(model, tile, pipeline::parse_denoise("high"))
                            : pipeline::upscaler_for_model(model, tile);
      };
      CHECK(cv::norm(upscaler(0)->upscale(photo), upscaler(24)->upscale(photo), cv::NORM_INF) == 0);
    }
  }
}

TEST_CASE("the shipped deblurring model loads and sharpens a blurred sample") {
  const fs::path file = testing::source_dir() / "weights" / "deblur_x1.safetensors";
  INFO(file.string());
  REQUIRE(fs::is_regular_file(file));
  const cv::Mat sharp = scene();
  cv::Mat as_float;
  sharp.convertTo(as_float, CV_32F);
  cv::Mat blurred;
  imaging::blur_image(as_float, imaging::parse_blur_kernel("gaussian:1.6")).convertTo(blurred, CV_8U);
  // Our network reads the blur with our blur estimator, and refines a Wiener deconvolution.
  const cv::Mat restored = deblur::create_deblurrer("deblur", {})->upscale(blurred);
  REQUIRE(restored.size() == sharp.size());
  const int border = 5;  // the kernel radius, as the evaluation excludes
  const double before = analysis::psnr_y(blurred, sharp, border), after = analysis::psnr_y(restored, sharp, border);
  INFO("PSNR on Y: blurred " << before << " dB, deblurred " << after << " dB");
  CHECK(after > before + 1.0);
}

TEST_CASE("the shipped blur estimator reads the kind, size and direction of a blur off a sample") {
  const fs::path file = testing::source_dir() / "weights" / "blur-estimator_x1.safetensors";
  INFO(file.string());
  REQUIRE(fs::is_regular_file(file));
  const auto estimator = models::load_model(file);
  cv::Mat sharp;
  scene().convertTo(sharp, CV_32F);
  auto read = [&](const std::string& spec) {
    cv::Mat blurred;
    imaging::blur_image(sharp, imaging::parse_blur_kernel(spec)).convertTo(blurred, CV_8U);
    return deblur::estimate_image_blur(*estimator, blurred);
  };
  const imaging::BlurCode horizontal = read("motion:9,0"), vertical = read("motion:9,90");
  const imaging::BlurCode narrow = read("gaussian:1.0"), wide = read("gaussian:2.5");
  INFO("motion:9,0 " << horizontal[0] << " " << horizontal[1] << " " << horizontal[2]);
  INFO("motion:9,90 " << vertical[0] << " " << vertical[1] << " " << vertical[2]);
  INFO("gaussian:1.0 " << narrow[0] << " " << narrow[1] << " " << narrow[2]);
  INFO("gaussian:2.5 " << wide[0] << " " << wide[1] << " " << wide[2]);
  CHECK(horizontal[0] > 2 * horizontal[1]);  // spread along x
  CHECK(vertical[1] > 2 * vertical[0]);      // along y
  CHECK(wide[0] + wide[1] > 2 * (narrow[0] + narrow[1]));
  CHECK(wide[0] == doctest::Approx(wide[1]).epsilon(0.3));  // a Gaussian has no direction
}

TEST_CASE("weights that exist nowhere: the error names the file and every folder searched") {
  try {
    (void)pipeline::find_weights("fsrcnn", 7);
    FAIL("found weights for fsrcnn x7");
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK(message.find("fsrcnn_x7.safetensors") != std::string::npos);
    CHECK(message.find((testing::source_dir() / "weights").lexically_normal().string()) != std::string::npos);
    CHECK(message.find("UPSAMPLE_WEIGHTS") != std::string::npos);
  }
}


TEST_CASE("models lists each weights file once: a copy earlier on the search path shadows the shipped one") {
  const testing::ScratchFolder dir;
  fs::copy_file(testing::source_dir() / "weights" / "fsrcnn_x2.safetensors", dir.path() / "fsrcnn_x2.safetensors");
  const auto listed = testing::run_cli({"models", "--json"}, dir.path(), {{"UPSAMPLE_WEIGHTS", dir.path().string()}});
  REQUIRE(listed.exit_code == 0);
  const nlohmann::json list = nlohmann::json::parse(listed.out);
  int fsrcnn_x2 = 0;
  for (const auto& entry : list) {
    const fs::path file = entry.at("file").get<std::string>();
    if (file.filename() != "fsrcnn_x2.safetensors") continue;
    ++fsrcnn_x2;
    CHECK(file.parent_path() == dir.path());  // the copy -m would use
  }
  CHECK(fsrcnn_x2 == 1);
  // Named folders are listed as asked, each file of each.
  const auto both = testing::run_cli({"models", "--json", dir.path().string(), (testing::source_dir() / "weights").string()},
                                     dir.path());
  REQUIRE(both.exit_code == 0);
  int copies = 0;
  for (const auto& entry : nlohmann::json::parse(both.out))
    copies += fs::path(entry.at("file").get<std::string>()).filename() == "fsrcnn_x2.safetensors";
  CHECK(copies == 2);
}
