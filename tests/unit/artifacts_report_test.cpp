// The library behind `upsample artifacts` (analysis/artifacts_report.hpp): scoring images,
// and the constant-input diagnostic of methods, including scale-1 deblurring models.
#include "analysis/artifacts_report.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>

#include "cli_runner.hpp"
#include "models/model.hpp"
#include "tensor/error.hpp"
#include "test_values.hpp"

namespace an = upsample::analysis;
namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

// A deblurring U-Net with random weights, saved where the test can load it like any file.
fs::path write_deblur_model(const fs::path& folder, const std::string& up, const std::string& channels = "y") {
  const auto model = upsample::models::build_model(
      {{"arch", "deblur"}, {"scale", "1"}, {"channels", channels}, {"depth", "2"}, {"width", "8"}, {"up", up}}, 7);
  const fs::path path = folder / ("deblur_" + up + "_" + channels + ".safetensors");
  upsample::models::save_model(*model, path);
  return path;
}

}  // namespace

TEST_CASE("artifacts: a deblurring model is diagnosed at scale 1, in phases of its stride-2 grid, whatever -s says") {
  ScratchFolder dir;
  const fs::path file = write_deblur_model(dir.path(), "deconv");
  for (const int scale : {2, 3}) {
    CAPTURE(scale);
    const an::MethodDiagnosis d = an::diagnose_method(file.string(), "blurfix", scale, 128.0);
    CHECK(d.label == "blurfix");
    CHECK(d.scale == 1);
    CHECK(d.not_applicable.empty());
    CHECK(d.pattern.scale == 4);  // depth 2: two stride-2 levels
    CHECK(d.pattern.offsets.size() == 16);
    // Random transposed-conv weights give the 2×2 phases of each level unequal gains.
    CHECK(d.pattern.amplitude > 0.5);  // 3.6 levels with this seed
    CHECK_FALSE(d.gains);
    CHECK(contains(d.last_layer, "deconv up-path"));
  }

  const an::MethodDiagnosis d = an::diagnose_method(file.string(), "blurfix", 2, 128.0);
  const fs::path picture = an::save_phase_picture(d, dir.path(), 128.0, 4.0, false);
  CHECK(picture == dir / "blurfix_x1_phase.png");
  CHECK(fs::exists(picture));
  const std::string details = an::diagnosis_details(d, picture);
  CHECK(contains(details, "\nblurfix x1: constant-input amplitude "));
  CHECK(contains(details, "rows = y mod 4, columns = x mod 4"));
  CHECK(contains(details, "a scale-1 model"));

  const nlohmann::json doc = nlohmann::json::parse(an::diagnoses_json({{"blurfix", d, picture, ""}}, 2, 128.0));
  CHECK(doc["methods"][0]["scale"] == 1);
  CHECK(doc["methods"][0]["period"] == 4);
  CHECK(doc["methods"][0]["phase_offsets"].size() == 16);
}

TEST_CASE("artifacts: a deblurring model whose up-path is resize-conv leaves no pattern on a constant input") {
  // Nearest-neighbour ×2 of constant features is constant: nothing for the convs after it
  // to turn into phases, unlike the transposed conv above. RGB models are measured on Y.
  ScratchFolder dir;
  for (const std::string channels : {"y", "rgb"}) {
    CAPTURE(channels);
    const an::MethodDiagnosis d =
        an::diagnose_method(write_deblur_model(dir.path(), "resizeconv", channels).string(), "rc", 2, 100.0);
    CHECK(d.pattern.scale == 4);
    CHECK(d.pattern.amplitude < 1e-3);
  }
}

TEST_CASE("artifacts: a diagnosis that does not apply is one line, with no picture") {
  an::MethodDiagnosis d;
  d.label = "flat";
  d.not_applicable = "no stride inside";
  ScratchFolder dir;
  CHECK(an::save_phase_picture(d, dir.path(), 128.0, 4.0, false).empty());
  CHECK(upsample::testing::files_below(dir.path()).empty());
  CHECK(an::diagnosis_details(d, {}) == "\nflat x1: no constant-input diagnostic: no stride inside\n");
  const std::string table = an::diagnosis_table({{"flat", d, {}, ""}});
  CHECK(contains(table, "\nflat "));
  CHECK(contains(table, " n/a  -\n"));
}

TEST_CASE("artifacts: an SR model file at the wrong scale is bad usage, classical methods go through their upscaler") {
  ScratchFolder dir;
  const auto model = upsample::models::build_model({{"arch", "espcn"}, {"scale", "3"}, {"channels", "y"}});
  upsample::models::save_model(*model, dir / "espcn3.safetensors");
  CHECK_THROWS_AS(an::diagnose_method((dir / "espcn3.safetensors").string(), "espcn3", 2, 128.0), upsample::UsageError);
  const an::MethodDiagnosis sr = an::diagnose_method((dir / "espcn3.safetensors").string(), "espcn3", 3, 128.0);
  CHECK(sr.scale == 3);
  CHECK(sr.pattern.scale == 3);
  CHECK(sr.gains);

  const an::MethodDiagnosis bilinear = an::diagnose_method("bilinear", "bilinear", 2, 128.0);
  CHECK(bilinear.scale == 2);
  CHECK(bilinear.pattern.amplitude < 1e-6);
  CHECK(bilinear.last_layer == "(not a network)");
  CHECK_THROWS_AS(an::diagnose_method("nosuchmethod", "nosuchmethod", 2, 128.0), upsample::Error);
}

TEST_CASE("artifacts: images are scored one by one and two inputs never share a heatmap") {
  ScratchFolder dir;
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  const cv::Mat scene = cv::imread(sample("scene.png").string(), cv::IMREAD_COLOR);
  cv::imwrite((dir / "a/up.png").string(), scene);
  cv::imwrite((dir / "b/up.png").string(), scene(cv::Rect(0, 0, 201, 151)));  // odd size: not a multiple of 2

  an::ImageScoreOptions options;
  options.scale = 2;
  options.heatmap_folder = dir / "maps";
  an::ImageScorer scorer(options);
  const an::ImageCheckerboard first = scorer.score(dir / "a/up.png");
  CHECK(first.error.empty());
  CHECK(first.warnings.empty());
  CHECK(first.heatmap == dir / "maps/up_heatmap.png");
  CHECK(fs::exists(first.heatmap));
  CHECK(first.score.mean > 0.0);

  const an::ImageCheckerboard second = scorer.score(dir / "b/up.png");
  REQUIRE(second.warnings.size() == 1);
  CHECK(contains(second.warnings[0], "201x151 is not a multiple of 2"));
  CHECK(contains(second.error, "is already the heatmap of another input"));

  const an::ImageCheckerboard missing = scorer.score(dir / "nothere.png");
  CHECK(contains(missing.error, "nothere.png"));

  const nlohmann::json doc = nlohmann::json::parse(an::images_json({first, second, missing}, options));
  CHECK(doc["images"].size() == 3);
  CHECK(doc["images"][0]["heatmap"] == (dir / "maps/up_heatmap.png").string());
  CHECK(doc["images"][1].contains("error"));
  CHECK_FALSE(doc["images"][1].contains("mean"));
  CHECK(doc["window_shape"] == "hann");
  CHECK(an::image_table_row(first).starts_with((dir / "a/up.png").string()));
}

TEST_CASE("artifacts: the scale comes from this tool's output names, a guess is said, a JPEG's blocks are said") {
  CHECK(an::scale_in_name("photo_fsrcnn_x4.png") == 4);
  CHECK(an::scale_in_name("dir/a-x3.jpg") == 3);
  CHECK(an::scale_in_name("scan_x2_x3.png") == 3);  // the last one: {stem}_{method}_x{scale}
  CHECK(an::scale_in_name("photo_x1.5.png") == std::nullopt);
  CHECK(an::scale_in_name("box_x2y.png") == std::nullopt);
  CHECK(an::scale_in_name("xray.png") == std::nullopt);
  CHECK(an::scale_in_name("photo.png") == std::nullopt);

  ScratchFolder dir;
  const cv::Mat scene = cv::imread(sample("scene.png").string(), cv::IMREAD_COLOR);
  cv::imwrite((dir / "scene_fsrcnn_x4.png").string(), scene);
  cv::imwrite((dir / "scene.png").string(), scene);
  cv::imwrite((dir / "scene_x2.jpg").string(), scene);
  an::ImageScoreOptions options;
  options.heatmap_folder = dir / "maps";
  an::ImageScorer scorer(options);

  const an::ImageCheckerboard named = scorer.score(dir / "scene_fsrcnn_x4.png");
  CHECK(named.scale == 4);
  CHECK(named.warnings.empty());
  const an::ImageCheckerboard unnamed = scorer.score(dir / "scene.png");
  CHECK(unnamed.scale == 2);
  REQUIRE(unnamed.warnings.size() == 1);
  CHECK(contains(unnamed.warnings[0], "measured as x2"));
  const an::ImageCheckerboard jpeg = scorer.score(dir / "scene_x2.jpg");
  CHECK(jpeg.scale == 2);
  REQUIRE(jpeg.warnings.size() == 1);
  CHECK(contains(jpeg.warnings[0], "8x8 coding blocks"));

  an::ImageScoreOptions told = options;
  told.scale = 3;
  told.heatmap_folder = dir / "maps3";
  const an::ImageCheckerboard overridden = an::ImageScorer(told).score(dir / "scene_fsrcnn_x4.png");
  CHECK(overridden.scale == 3);
  REQUIRE(!overridden.warnings.empty());
  CHECK(contains(overridden.warnings[0], "its name says x4, measured as x3"));
  CHECK(an::image_table_row(named).find(" x4 ") != std::string::npos);
}
