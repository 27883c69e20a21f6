// End-to-end tests of `upsample deblur`, `--deblur` in the main job, `eval --task deblur`
// and `train --task deblur`: the built binary on samples and scratch folders.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.hpp"
#include "imaging/blur_kernels.hpp"
#include "models/model.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

// A tiny untrained deblurring model, saved as our weights (deblur_x1.safetensors) in `folder`.
void install_tiny_weights(const fs::path& folder) {
  fs::create_directories(folder);
  const auto model = upsample::models::build_model(
      {{"arch", "deblur"}, {"scale", "1"}, {"depth", "2"}, {"width", "4"}, {"up", "pixelshuffle"}});
  upsample::models::save_model(*model, folder / "deblur_x1.safetensors");
}

// A 128×96 corner of the scene sample at `to`: the blur reading costs by the pixel, and
// these tests check what the commands do, not how well (deblur_network_test.cpp does).
void write_small_scene(const fs::path& to) {
  const cv::Mat scene = cv::imread(sample("scene.png").string(), cv::IMREAD_UNCHANGED);
  REQUIRE(cv::imwrite(to.string(), scene(cv::Rect(64, 32, 128, 96))));
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("deblur: wiener and richardson-lucy on one file, named by method, same type and size") {
  ScratchFolder dir;
  fs::copy_file(sample("scene.png"), dir / "scene.png");
  auto r = run_cli({"deblur", "scene.png", "-m", "wiener", "--psf", "gaussian:1.6", "--nsr", "0.01"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "scene_wiener.png\n");
  r = run_cli({"deblur", "scene.png", "-m", "richardson-lucy", "--psf", "motion:9,30", "--iterations", "5", "-o", "rl.png"},
              dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const cv::Mat in = cv::imread((dir / "scene.png").string(), cv::IMREAD_UNCHANGED);
  for (const char* name : {"scene_wiener.png", "rl.png"}) {
    const cv::Mat out = cv::imread((dir / name).string(), cv::IMREAD_UNCHANGED);
    CHECK(out.size() == in.size());
    CHECK(out.type() == in.type());
  }
  // Outputs are never clobbered without --overwrite.
  r = run_cli({"deblur", "scene.png", "-m", "wiener", "--psf", "gaussian:1.6"}, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("scene_wiener.png") != std::string::npos);
}

TEST_CASE("deblur: usage errors exit 2 naming the problem") {
  ScratchFolder dir;
  auto r = run_cli({"deblur", sample("scene.png").string(), "-m", "wiener"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--psf") != std::string::npos);
  r = run_cli({"deblur", sample("scene.png").string(), "-m", "wiener", "--psf", "disk:3"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("disk:3") != std::string::npos);
  r = run_cli({"deblur", sample("scene.png").string(), "-m", "sharpen"}, dir.path());
  CHECK(r.exit_code == 2);
  r = run_cli({"deblur", sample("scene.png").string(), "-m", "wiener", "--psf", "box:3", "--iterations", "3"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(files_below(dir.path()).empty());
}

TEST_CASE("deblur: the network over a folder with --json, and --deblur before upscaling") {
  ScratchFolder dir;
  install_tiny_weights(dir / "weights");
  fs::create_directories(dir / "in");
  write_small_scene(dir / "in" / "scene.png");
  fs::copy_file(sample("logo_rgba.png"), dir / "in" / "logo.png");
  const std::vector<std::pair<std::string, std::string>> env = {{"UPSAMPLE_WEIGHTS", (dir / "weights").string()}};
  auto r = run_cli({"deblur", "in", "-o", "out", "--json", "--tile", "40"}, dir.path(), env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc.dump().find("\"deblur\"") != std::string::npos);
  CHECK(files_below(dir / "out") == std::vector<std::string>{"logo_deblur.png", "scene_deblur.png"});
  const cv::Mat logo = cv::imread((dir / "out" / "logo_deblur.png").string(), cv::IMREAD_UNCHANGED);
  CHECK(logo.channels() == 4);  // alpha kept

  r = run_cli({"in/scene.png", "-s", "2", "--deblur", "-o", "big.png"}, dir.path(), env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const cv::Mat big = cv::imread((dir / "big.png").string(), cv::IMREAD_UNCHANGED);
  CHECK(big.cols == 256);
  // $UPSAMPLE_WEIGHTS without the file: the search goes on to the shipped weights.
  r = run_cli({"deblur", "in/scene.png", "-o", "x.png"}, dir.path(), {{"UPSAMPLE_WEIGHTS", (dir / "none").string()}});
  CHECK(r.exit_code == 0);
  // A scale no weights are trained for: refused, naming the scales there are.
  r = run_cli({"in/scene.png", "-s", "5", "-m", "fsrcnn", "-o", "x5.png"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("supports scales 2, 3, 4") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "x5.png"));
}

TEST_CASE("deblur: a network told the blur takes --psf or estimates the blur, a blind one refuses --psf") {
  ScratchFolder dir;
  install_tiny_weights(dir / "weights");
  const auto told = upsample::models::build_model({{"arch", "deblur"}, {"scale", "1"}, {"depth", "2"}, {"width", "4"},
                                                   {"condition", "3"}});
  upsample::models::save_model(*told, dir / "told.safetensors");
  const auto estimator = upsample::models::build_model({{"arch", "blur-estimator"}, {"scale", "1"}, {"width", "4"}});
  upsample::models::save_model(*estimator, dir / "est.safetensors");
  const std::string scene = "scene.png";
  write_small_scene(dir / scene);
  auto r = run_cli({"deblur", scene, "-m", "told.safetensors", "--psf", "motion:9,30", "-o", "a.png", "--json"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out).dump().find("motion:9,30") != std::string::npos);
  r = run_cli({"deblur", scene, "-m", "told.safetensors", "--estimator", "est.safetensors", "-o", "b.png"}, dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK(cv::imread((dir / "b.png").string()).size() == cv::Size(128, 96));
  r = run_cli({"deblur", scene, "--psf", "gaussian:1", "-o", "c.png"}, dir.path(),
              {{"UPSAMPLE_WEIGHTS", (dir / "weights").string()}});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("blind network") != std::string::npos);
  r = run_cli({"deblur", scene, "-m", "told.safetensors", "--estimator", "told.safetensors", "-o", "d.png"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("not a blur estimator") != std::string::npos);
  r = run_cli({"deblur", scene, "-m", "wiener", "--psf", "box:3", "--estimator", "est.safetensors", "-o", "e.png"},
              dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--estimator") != std::string::npos);
  // The self-ensemble turns the image and its blur with it: it cannot be told one blur.
  r = run_cli({"deblur", scene, "-m", "told.safetensors+", "--psf", "box:3", "-o", "f.png"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("self-ensemble") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "f.png"));
  // A network that refines a Wiener deconvolution takes the blur the same two ways.
  auto refiner = upsample::models::build_model({{"arch", "deblur"}, {"scale", "1"}, {"depth", "2"}, {"width", "4"},
                                                {"prefilter", "wiener"}});
  upsample::models::save_model(*refiner, dir / "refiner.safetensors");
  r = run_cli({"deblur", scene, "-m", "refiner.safetensors", "--psf", "motion:9,30", "-o", "g.png"}, dir.path());
  CHECK(r.exit_code == 0);
  r = run_cli({"deblur", scene, "-m", "refiner.safetensors", "--estimator", "est.safetensors", "-o", "h.png"}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(cv::imread((dir / "h.png").string()).size() == cv::Size(128, 96));
  refiner->metadata()["prefilter"] = "fft";
  upsample::models::save_model(*refiner, dir / "bad.safetensors");
  r = run_cli({"deblur", scene, "-m", "bad.safetensors", "--psf", "box:3", "-o", "i.png"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("bad.safetensors") != std::string::npos);
  CHECK(r.err.find("'prefilter' must be none or wiener, not 'fft'") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "i.png"));
  CHECK_FALSE(fs::exists(dir / "c.png"));
  CHECK_FALSE(fs::exists(dir / "d.png"));
  CHECK_FALSE(fs::exists(dir / "e.png"));
}

TEST_CASE("estimate-blur: one spec per image and what it came from, --json, --save-kernels, errors name the file") {
  ScratchFolder dir;
  // An estimator whose every cell says the code of gaussian:1.6 (last layer: weights 0,
  // biases the code), whatever the image.
  auto estimator = upsample::models::build_model({{"arch", "blur-estimator"}, {"scale", "1"}, {"width", "4"}});
  const auto params = estimator->net().parameters();
  params.end()[-2]->value.fill(0.0f);
  params.end()[-1]->value.fill(0.0f);
  params.end()[-1]->value.data()[0] = params.end()[-1]->value.data()[1] = 0.32f;  // 1.6² / 8
  upsample::models::save_model(*estimator, dir / "est.safetensors");
  fs::create_directories(dir / "shots");
  // a.png blurred as the estimator says; b.png by camera shake, which the kernel search finds.
  cv::Mat scene;
  cv::imread(sample("scene.png").string()).convertTo(scene, CV_32F);
  const auto write_blurred = [&](const std::string& name, const std::string& spec, const cv::Rect& part) {
    cv::Mat blurred;
    upsample::imaging::blur_image(scene, upsample::imaging::parse_blur_kernel(spec)).convertTo(blurred, CV_8U);
    REQUIRE(cv::imwrite((dir / "shots" / name).string(), blurred(part)));
  };
  // The shake needs the whole sample's edges to be found; the Gaussian is the estimator's.
  write_blurred("a.png", "gaussian:1.6", cv::Rect(64, 32, 128, 96));
  write_blurred("b.png", "shake:6", cv::Rect(0, 0, scene.cols, scene.rows));
  auto r = run_cli({"estimate-blur", "shots", "--estimator", "est.safetensors", "--save-kernels", "k"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("shots/a.png: gaussian:1.6  (estimator)\nshots/b.png: "));
  CHECK(r.out.ends_with("  (free-form kernel)\n"));
  INFO(r.out);
  const cv::Mat kernel = cv::imread((dir / "k" / "b_kernel.png").string(), cv::IMREAD_UNCHANGED);
  REQUIRE(!kernel.empty());
  CHECK(kernel.depth() == CV_16U);
  CHECK(kernel.rows % 2 == 1);
  CHECK(kernel.rows > 9);  // the trajectory, not a point
  r = run_cli({"estimate-blur", "shots/a.png", "missing.png", "--estimator", "est.safetensors", "--json"}, dir.path());
  CHECK(r.exit_code == 1);
  const auto list = nlohmann::json::parse(r.out);
  REQUIRE(list.size() == 2);
  CHECK(list[0]["blur"] == "gaussian:1.6");
  CHECK(list[0]["source"] == "estimator");
  CHECK(list[0]["sigma"].get<double>() == doctest::Approx(1.6).epsilon(0.01));  // the kernel the code describes, measured again
  CHECK(list[1]["error"].get<std::string>().find("missing.png") != std::string::npos);
  CHECK(r.err.find("missing.png") != std::string::npos);
  fs::create_directories(dir / "empty");
  r = run_cli({"estimate-blur", "empty", "--estimator", "est.safetensors"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no images") != std::string::npos);
  r = run_cli({"estimate-blur", "shots", "--estimator", "shots/a.png"}, dir.path());
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("a.png") != std::string::npos);
}

TEST_CASE("eval --task deblur: a table with one column per method and NSR") {
  ScratchFolder dir;
  fs::create_directories(dir / "set");
  fs::copy_file(sample("scene.png"), dir / "set" / "scene.png");
  const auto r = run_cli({"eval", "--task", "deblur", "--data", "set", "--blur", "motion:9,30", "--noise", "2", "-m",
                          "wiener,none", "--nsr", "0.005,0.02", "--json"},
                         dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto rows = nlohmann::json::parse(r.out);
  double none = 0, best_wiener = 0;
  for (const auto& row : rows) {
    if (row["image"] != "average") continue;
    if (row["method"] == "none") none = row["psnr"];
    else best_wiener = std::max(best_wiener, row["psnr"].get<double>());
  }
  CHECK(rows.size() == 6);  // 3 methods × (1 image + average)
  CHECK(best_wiener > none);  // the quality margins are tested in deblur_baselines_test.cpp
}

TEST_CASE("eval --task deblur --tell: a network told the blur, estimating it and told the true one") {
  ScratchFolder dir;
  fs::create_directories(dir / "set");
  write_small_scene(dir / "set" / "scene.png");
  const auto told = upsample::models::build_model({{"arch", "deblur"}, {"scale", "1"}, {"depth", "2"}, {"width", "4"},
                                                   {"condition", "3"}});
  upsample::models::save_model(*told, dir / "told.safetensors");
  const auto estimator = upsample::models::build_model({{"arch", "blur-estimator"}, {"scale", "1"}, {"width", "4"}});
  upsample::models::save_model(*estimator, dir / "est.safetensors");
  const auto r = run_cli({"eval", "--task", "deblur", "--data", "set", "--blur", "gaussian:1.2", "-m",
                          "told.safetensors,told.safetensors+,none", "--estimator", "est.safetensors", "--tell", "--json"},
                         dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> methods;
  for (const auto& row : nlohmann::json::parse(r.out))
    if (row["image"] == "average") methods.push_back(row["method"]);
  CHECK(methods == std::vector<std::string>{"told", "told told", "told+", "none"});
}

TEST_CASE("train --task deblur: a few steps write a loadable deblurring model") {
  ScratchFolder dir;
  fs::create_directories(dir / "data");
  fs::copy_file(sample("scene.png"), dir / "data" / "scene.png");
  const auto r = run_cli({"train", "--task", "deblur", "--data", "data", "--val", "", "--eval", "", "--steps", "3", "--batch",
                          "2", "--patch", "16", "--set", "width=4", "-o", "d.safetensors", "-q"},
                         dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto model = upsample::models::load_model(dir / "d.safetensors");
  CHECK(model->arch() == "deblur");
  CHECK(model->scale() == 1);
}

TEST_CASE("train --motion-fraction, --blur and --estimator: deblurring options, checked before any work") {
  ScratchFolder dir;
  auto r = run_cli({"train", "-m", "fsrcnn", "-s", "2", "--motion-fraction", "0.8", "-o", "m.safetensors"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--motion-fraction is for --task deblur") != std::string::npos);
  r = run_cli({"train", "--task", "deblur", "--motion-fraction", "1.5", "-o", "m.safetensors"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--motion-fraction") != std::string::npos);
  r = run_cli({"train", "--task", "deblur", "--blur", "motion:9", "-o", "m.safetensors"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("motion:9") != std::string::npos);
  r = run_cli({"train", "--task", "deblur", "--blur", "box:3", "--motion-fraction", "1", "-o", "m.safetensors"},
              dir.path());
  CHECK(r.exit_code == 2);
  r = run_cli({"train", "--task", "blur-estimate", "--estimator", "m.safetensors", "-o", "e.safetensors"}, dir.path());
  CHECK(r.exit_code == 2);  // no such file, and not for this task
  CHECK(r.err.find("--estimator") != std::string::npos);
  CHECK(files_below(dir.path()).empty());
}

}  // TEST_SUITE
