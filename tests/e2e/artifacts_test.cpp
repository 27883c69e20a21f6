// End-to-end tests of checkerboard analysis: `compare`, `artifacts` and the main job's
// --heatmap, on the built binary.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "analysis/heatmap_render.hpp"
#include "cli_runner.hpp"
#include "models/model.hpp"
#include "nn/layers.hpp"
#include "test_models.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

// A ×2 model that is bilinear interpolation with a checkerboard injected: FSRCNN cut down
// to one channel with identity convolutions and PReLU slopes of 1, ending in a k = 3
// stride-2 transposed conv whose taps (0.46, 1, 0.46) each way give the phases DC gains 1
// and 0.92 — bilinear would be (0.5, 1, 0.5).
fs::path write_checkerboard_model(const fs::path& folder) {
  const float t[3] = {0.46f, 1.0f, 0.46f};
  const auto model = upsample::testing::fsrcnn_as_one_transposed_conv(
      {t[0] * t[0], t[0] * t[1], t[0] * t[2], t[1] * t[0], t[1] * t[1], t[1] * t[2], t[2] * t[0], t[2] * t[1], t[2] * t[2]});
  const fs::path path = folder / "checker.safetensors";
  upsample::models::save_model(*model, path);
  return path;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("compare: three methods, every file, the montage's size, and a report that ranks the checkerboard worst") {
  ScratchFolder dir;
  const fs::path model = write_checkerboard_model(dir.path());
  const auto r = run_cli({"compare", sample("zone_plate.png").string(), "-m", "bicubic,lanczos," + model.string(), "-s",
                          "2", "--degrade", "-o", "cmp"},
                         dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(files_below(dir / "cmp") ==
        std::vector<std::string>{"report.csv", "report.json", "report.md", "zone_plate_bicubic_x2.png",
                                 "zone_plate_bicubic_x2_heatmap.png", "zone_plate_checker_x2.png",
                                 "zone_plate_checker_x2_heatmap.png", "zone_plate_lanczos_x2.png",
                                 "zone_plate_lanczos_x2_heatmap.png", "zone_plate_montage_x2.png"});

  // --degrade: the 256×256 input is the ground truth, so every output is 256×256.
  const cv::Mat output = cv::imread((dir / "cmp/zone_plate_checker_x2.png").string(), cv::IMREAD_UNCHANGED);
  CHECK(output.size() == cv::Size(256, 256));
  const cv::Mat montage = cv::imread((dir / "cmp/zone_plate_montage_x2.png").string(), cv::IMREAD_UNCHANGED);
  // One column per method, each as wide as the output (below the 360 px cap), 8 px apart;
  // label lines: name, time, checkerboard, spectral ratio, PSNR/SSIM; the ground truth and
  // the input come first.
  CHECK(montage.cols == 8 + 5 * (256 + 8));
  CHECK(montage.size() == upsample::analysis::montage_geometry({256, 256}, 5, 5).total);
  const cv::Mat heatmap = cv::imread((dir / "cmp/zone_plate_lanczos_x2_heatmap.png").string(), cv::IMREAD_UNCHANGED);
  CHECK(heatmap.cols == upsample::analysis::kLegendMinWidth);
  CHECK(heatmap.rows > 256);

  const nlohmann::json report = nlohmann::json::parse(read_file(dir / "cmp/report.json"));
  CHECK(report["scale"] == 2);
  CHECK(report["mode"] == "degrade");
  REQUIRE(report["inputs"].size() == 1);
  const nlohmann::json& input = report["inputs"][0];
  CHECK(input["ranking"]["checkerboard"] == nlohmann::json({"bicubic", "lanczos", "checker"}));
  for (const auto& result : input["results"]) {
    CHECK(result["error"].is_null());
    CHECK(result["psnr"].get<double>() > 10.0);
    CHECK(result["ssim"].get<double>() > 0.3);
    if (result["method"] == "checker") {
      CHECK(result["rank"]["checkerboard"] == 3);
      CHECK(result["checkerboard"]["mean"].get<double>() > 2.0);
      CHECK(result["checkerboard"]["spectral_ratio"].get<double>() > 10.0);
    } else {
      CHECK(result["checkerboard"]["mean"].get<double>() < 0.5);
    }
  }

  const std::string markdown = read_file(dir / "cmp/report.md");
  CHECK(markdown == r.out.substr(0, markdown.size()));  // the table is also the command's output
  CHECK(contains(markdown, "| method | PSNR (dB) | SSIM | checkerboard mean |"));
  CHECK(contains(markdown, "| **"));
  const std::string csv = read_file(dir / "cmp/report.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 4);
  CHECK(csv.starts_with("input,method,scale,seconds,checkerboard_mean"));

  SUBCASE("existing files are refused before anything runs, replaced with --overwrite") {
    const auto again = run_cli({"compare", sample("zone_plate.png").string(), "-m", "bicubic", "-s", "2", "-o", "cmp"},
                               dir.path());
    CHECK(again.exit_code == 2);
    CHECK(contains(again.err, "already exists"));
    CHECK(contains(again.err, "--overwrite"));
    const auto replaced = run_cli(
        {"compare", sample("zone_plate.png").string(), "-m", "bicubic", "-s", "2", "-o", "cmp", "--overwrite", "--json"},
        dir.path());
    INFO(replaced.err);
    CHECK(replaced.exit_code == 0);
    CHECK(nlohmann::json::parse(replaced.out)["mode"] == "none");
  }
}

TEST_CASE("compare --reference pairs inputs with references by name, never by order") {
  ScratchFolder dir;
  fs::create_directories(dir / "lr");
  fs::create_directories(dir / "hr");
  // Two unrelated pictures, so a mix-up would cost many dB. The references' names sort in
  // the opposite order to the inputs' and have another extension.
  const cv::Mat zone = cv::imread(sample("zone_plate.png").string(), cv::IMREAD_UNCHANGED);
  const cv::Mat star = cv::imread(sample("siemens_star.png").string(), cv::IMREAD_UNCHANGED);
  auto shrink = [](const cv::Mat& hr) {
    cv::Mat lr;
    cv::resize(hr, lr, {hr.cols / 2, hr.rows / 2}, 0, 0, cv::INTER_AREA);
    return lr;
  };
  cv::imwrite((dir / "lr/a_zone.png").string(), shrink(zone));
  cv::imwrite((dir / "lr/b_star.png").string(), shrink(star));
  cv::imwrite((dir / "hr/a_zone.bmp").string(), zone);
  cv::imwrite((dir / "hr/b_star.bmp").string(), star);

  const auto r = run_cli({"compare", "lr", "-m", "bicubic", "-s", "2", "--reference", "hr", "-o", "cmp", "--json"},
                         dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json report = nlohmann::json::parse(r.out);
  REQUIRE(report["inputs"].size() == 2);
  for (const auto& input : report["inputs"]) {
    const std::string name = fs::path(input["input"].get<std::string>()).stem().string();
    CHECK(fs::path(input["reference"].get<std::string>()).stem().string() == name);
    CHECK(input["results"][0]["psnr"].get<double>() > 12.0);  // right pairs: 15.8 and 20.4 dB; swapped: 6.1, 5.5
  }

  SUBCASE("an input without a reference fails alone, naming it") {
    cv::imwrite((dir / "lr/c_extra.png").string(), shrink(zone));
    const auto missing = run_cli({"compare", "lr", "-m", "bicubic", "-s", "2", "--reference", "hr", "-o", "cmp2"},
                                 dir.path());
    CHECK(missing.exit_code == 1);
    CHECK(contains(missing.err, "lr/c_extra.png: no reference named c_extra.* in hr"));
    CHECK(fs::exists(dir / "cmp2/a_zone_montage_x2.png"));
  }
  SUBCASE("one reference file for several inputs, or --degrade with --reference, is bad usage") {
    CHECK(run_cli({"compare", "lr", "-m", "bicubic", "--reference", "hr/a_zone.bmp", "-o", "x"}, dir.path()).exit_code == 2);
    CHECK(run_cli({"compare", "lr", "-m", "bicubic", "--reference", "hr", "--degrade", "-o", "x"}, dir.path()).exit_code ==
          2);
    CHECK(run_cli({"compare", "lr", "-m", "nosuchmethod", "-o", "x"}, dir.path()).exit_code == 2);
  }
}

TEST_CASE("main job --heatmap writes {stem}_{method}_x{scale}_heatmap.png and puts the score in --json") {
  ScratchFolder dir;
  const auto r = run_cli({sample("scene.png").string(), "-s", "2", "-m", "nearest", "-o", "out/", "--heatmap", "--json"},
                         dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(files_below(dir / "out") == std::vector<std::string>{"scene_nearest_x2.png", "scene_nearest_x2_heatmap.png"});
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  const nlohmann::json& score = doc["files"][0]["checkerboard"];
  CHECK(score["heatmap"] == "out/scene_nearest_x2_heatmap.png");
  CHECK(score["mean"].get<double>() > 0.1);  // nearest's blocks are a period-2 pattern
  CHECK(score["p99"].get<double>() >= score["mean"].get<double>());
  CHECK(score.contains("spectral_ratio"));

  const cv::Mat heatmap = cv::imread((dir / "out/scene_nearest_x2_heatmap.png").string(), cv::IMREAD_UNCHANGED);
  CHECK(heatmap.type() == CV_8UC3);
  CHECK(heatmap.cols == 512);  // the map at the output's size, the legend below it
  CHECK(heatmap.rows > 384);

  // Without --heatmap, no heatmap and no score.
  const auto plain = run_cli({sample("scene.png").string(), "-s", "2", "-m", "bicubic", "-o", "plain/", "--json"}, dir.path());
  CHECK(files_below(dir / "plain") == std::vector<std::string>{"scene_bicubic_x2.png"});
  CHECK_FALSE(nlohmann::json::parse(plain.out)["files"][0].contains("checkerboard"));
}

TEST_CASE("artifacts: scores and heatmaps of images, constant-input amplitude of methods") {
  ScratchFolder dir;
  REQUIRE(run_cli({sample("scene.png").string(), "-s", "2", "-m", "nearest", "-o", "up/"}, dir.path()).exit_code == 0);

  // No -s: the name says x2.
  const auto images = run_cli({"artifacts", "up/scene_nearest_x2.png", "--json"}, dir.path());
  INFO(images.err);
  REQUIRE(images.exit_code == 0);
  CHECK(images.err.empty());
  const nlohmann::json doc = nlohmann::json::parse(images.out);
  CHECK(doc["images"][0]["scale"] == 2);
  CHECK(doc["images"][0]["mean"].get<double>() > 0.1);
  CHECK(doc["images"][0]["heatmap"] == "up/scene_nearest_x2_heatmap.png");
  CHECK(fs::exists(dir / "up/scene_nearest_x2_heatmap.png"));

  const fs::path model = write_checkerboard_model(dir.path());
  const auto methods = run_cli({"artifacts", "-m", "bilinear," + model.string(), "-s", "2"}, dir.path());
  INFO(methods.err);
  REQUIRE(methods.exit_code == 0);
  // Phase means at level 128: 128·(1, 0.92, 0.92, 0.8464); max − min = 128 · 0.1536.
  CHECK(contains(methods.out, "checker x2: constant-input amplitude 19.661 levels"));
  CHECK(contains(methods.out, "bilinear x2: constant-input amplitude 0.000 levels"));
  CHECK(contains(methods.out, "equal-DC-gain condition: violated"));
  // A folder named for the run, not the current one.
  CHECK(files_below(dir / "artifacts_x2") == std::vector<std::string>{"bilinear_x2_phase.png", "checker_x2_phase.png"});

  CHECK(run_cli({"artifacts", "-m", "nosuchmethod", "-s", "3"}, dir.path()).exit_code == 2);
  CHECK(!fs::exists(dir / "artifacts_x3"));
  CHECK(run_cli({"artifacts", "up/scene_nearest_x2.png", "-m", "bilinear"}, dir.path()).exit_code == 2);
  CHECK(run_cli({"artifacts"}, dir.path()).exit_code == 2);
  const auto missing = run_cli({"artifacts", "nothere.png", "up/scene_nearest_x2.png", "-s", "2", "--overwrite"}, dir.path());
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.err, "nothere.png"));
}

}  // TEST_SUITE
