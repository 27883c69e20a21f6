// The comparison library behind `upsample compare` (analysis/compare.hpp): running
// methods in memory, ranking, the report tables, and pairing inputs with references.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "analysis/compare.hpp"
#include "imaging/matlab_imresize.hpp"
#include "cli_runner.hpp"
#include "io/image_io.hpp"
#include "pipeline/method_registry.hpp"
#include "tensor/error.hpp"

namespace an = upsample::analysis;
namespace imaging = upsample::imaging;
namespace fs = std::filesystem;
using upsample::testing::sample;
using upsample::testing::ScratchFolder;

namespace {

// Bicubic with a checkerboard injected: phase (0, 0) of every 2×2 block is `offset` levels
// brighter, so the phase offsets have a standard deviation of offset·√3/4.
class CheckeredBicubic final : public upsample::pipeline::Upscaler {
 public:
  explicit CheckeredBicubic(double offset) : bicubic_(upsample::pipeline::create_upscaler("bicubic", 2)), offset_(offset) {}
  int scale() const override { return 2; }
  cv::Mat upscale(const cv::Mat& image) const override {
    cv::Mat out = bicubic_->upscale(image);
    cv::Mat phase_zero(out.size(), CV_8U, cv::Scalar(0));
    for (int y = 0; y < out.rows; y += 2)
      for (int x = 0; x < out.cols; x += 2) phase_zero.at<uchar>(y, x) = 1;
    cv::add(out, cv::Scalar::all(offset_), out, phase_zero);  // saturating, any depth and channel count
    return out;
  }
  cv::Mat upscale_y(const cv::Mat& y) const override { return bicubic_->upscale_y(y); }

 private:
  std::unique_ptr<upsample::pipeline::Upscaler> bicubic_;
  double offset_;
};

void touch(const fs::path& path) { std::ofstream(path) << "x"; }

an::ReportRow row(const std::string& method, std::vector<std::optional<double>> values) {
  return {method, std::move(values)};
}

}  // namespace

TEST_CASE("compare: an injected checkerboard ranks last by checkerboard, bicubic first by PSNR") {
  const cv::Mat photo = cv::imread(sample("scene.png").string(), cv::IMREAD_COLOR);
  REQUIRE(!photo.empty());
  const cv::Mat truth = imaging::crop_to_multiple_of(photo, 2).clone();
  const cv::Mat low = imaging::matlab_bicubic_downscale_u8(truth, 2);

  an::NamedUpscalers methods;
  // The checkered method comes first, so a sort that kept the given order would fail.
  methods.emplace_back("checkered", std::make_unique<CheckeredBicubic>(8.0));
  methods.emplace_back("bicubic", upsample::pipeline::create_upscaler("bicubic", 2));
  methods.emplace_back("nearest", upsample::pipeline::create_upscaler("nearest", 2));

  an::InputResult input;
  input.input = "scene.png";
  for (const auto& [label, upscaler] : methods) {
    int outputs_seen = 0;
    an::MethodRun run = an::run_method(label, *upscaler, low, truth, 2, {},
                                       [&](const cv::Mat& output) { outputs_seen += output.size() == truth.size(); });
    CHECK(outputs_seen == 1);
    CHECK(run.output.size() == truth.size());
    CHECK(run.map.scale == 2);
    REQUIRE(run.result.quality);
    input.results.push_back(run.result);
  }
  const auto& checkered = input.results[0];
  CHECK(checkered.score.mean > 2.0);  // 8·√3/4 ≈ 3.5 levels on top of bicubic's few hundredths

  an::rank_results(input);
  CHECK(input.results[0].checkerboard_rank == 3);
  CHECK(input.results[1].checkerboard_rank == 1);
  CHECK(input.results[2].checkerboard_rank == 2);
  CHECK(input.results[1].psnr_rank == 1);  // the same bicubic without the pattern is closer to the truth
  CHECK(input.results[0].psnr_rank > 1);
  CHECK(input.results[2].psnr_rank > 1);
  CHECK_FALSE(an::has_failures(input));

  an::CompareOptions options;
  options.ground_truth = an::GroundTruth::Degrade;
  const std::vector<std::string> labels = {"checkered", "bicubic", "nearest"};
  const nlohmann::json report = nlohmann::json::parse(an::json_report({input}, labels, options));
  CHECK(report["inputs"][0]["ranking"]["checkerboard"] == nlohmann::json({"bicubic", "nearest", "checkered"}));
  CHECK(report["inputs"][0]["ranking"]["psnr"][0] == "bicubic");
  CHECK(report["mode"] == "degrade");

  const std::string markdown = an::markdown_report({input}, labels, options);
  CHECK(markdown.find("| bicubic | **") != std::string::npos);
  CHECK(markdown.find("| checkered | **") == std::string::npos);

  SUBCASE("a failed method is left out of the ranking and reported") {
    input.results[1].error = "scene.png: bicubic: broke";
    an::rank_results(input);
    CHECK(input.results[2].checkerboard_rank == 1);
    CHECK(input.results[0].checkerboard_rank == 2);
    CHECK(an::has_failures(input));
    const std::string text = an::markdown_report({input}, labels, options);
    CHECK(text.find("\nFailed: scene.png: bicubic: broke\n") != std::string::npos);
    CHECK(text.find("| bicubic |") == std::string::npos);
  }
}

TEST_CASE("compare: the Markdown table bolds the best of each ranked column, ties at the shown precision too") {
  const std::vector<an::ReportColumn> columns = an::report_columns(true);
  REQUIRE(columns.size() == 6);
  CHECK(columns[4].title == "spectral ratio");
  CHECK_FALSE(columns[4].ranked);

  // PSNR: higher is better and 30.001 ties with 30.004 at two decimals; SSIM: higher is
  // better; checkerboard and time: lower is better; spectral ratio is never bold.
  const std::vector<an::ReportRow> rows = {
      row("a", {30.001, 0.9, 0.5, 1.0, 1.0, 5.0}),
      row("b", {30.004, 0.95, 0.2, 2.0, 0.5, 10.0}),
      row("c", {std::nullopt, std::nullopt, 0.7, 3.0, 9.0, 7.0}),
  };
  const std::string table = an::markdown_table(rows, columns);
  CHECK(table ==
        "| method | PSNR (dB) | SSIM | checkerboard mean | checkerboard p99 | spectral ratio | time (ms) |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n"
        "| a | **30.00** | 0.9000 | 0.500 | **1.000** | 1.00 | **5.0** |\n"
        "| b | **30.00** | **0.9500** | **0.200** | 2.000 | 0.50 | 10.0 |\n"
        "| c | – | – | 0.700 | 3.000 | 9.00 | 7.0 |\n");

  // One row is best at everything: nothing to point out.
  const std::string single = an::markdown_table({rows[0]}, columns);
  CHECK(single.find("**") == std::string::npos);
}

TEST_CASE("compare: references pair with inputs by name, never by order") {
  ScratchFolder dir;
  fs::create_directories(dir / "hr");
  touch(dir / "hr/a.bmp");
  touch(dir / "hr/a.txt");  // not an image: ignored
  touch(dir / "hr/b.png");
  touch(dir / "hr/b.jpg");

  CHECK(an::reference_for("lr/a.png", dir / "hr") == dir / "hr/a.bmp");
  CHECK(an::reference_for("lr/a.png", dir / "hr/b.png") == dir / "hr/b.png");  // one file: itself
  CHECK_THROWS_WITH_AS(an::reference_for("lr/c.png", dir / "hr"),
                       ("lr/c.png: no reference named c.* in " + (dir / "hr").string()).c_str(), upsample::Error);
  CHECK_THROWS_WITH_AS(an::reference_for("lr/b.png", dir / "hr"),
                       doctest::Contains("more than one reference named b.* in"), upsample::Error);
}

TEST_CASE("compare: file names, what is written, and inputs whose outputs would collide") {
  an::CompareOptions options;
  options.output_folder = "out";
  options.scale = 3;
  CHECK(an::files_compare_writes({"in/p.png"}, {"bicubic"}, options) ==
        std::vector<fs::path>{"out/report.md", "out/report.json", "out/report.csv", "out/p_montage_x3.png",
                              "out/p_bicubic_x3.png", "out/p_bicubic_x3_heatmap.png"});

  CHECK_FALSE(an::inputs_with_same_stem({"a/x.png", "b/y.png"}));
  const auto same = an::inputs_with_same_stem({"a/x.png", "b/y.png", "c/x.jpg"});
  REQUIRE(same);
  CHECK(same->first == "c/x.jpg");
  CHECK(same->second == "a/x.png");

  ScratchFolder dir;
  fs::create_directories(dir / "empty");
  std::vector<fs::path> empty_folders;
  const std::vector<fs::path> files = an::expand_image_inputs(
      {(dir / "empty").string(), "named.png"}, [&](const fs::path& folder) { empty_folders.push_back(folder); });
  CHECK(files == std::vector<fs::path>{"named.png"});
  CHECK(empty_folders == std::vector<fs::path>{dir / "empty"});
}

TEST_CASE("compare: CSV quotes what needs quoting, a failed input is one row") {
  an::InputResult failed;
  failed.input = "gone.png";
  failed.error = "gone.png: cannot open";
  an::InputResult odd;
  odd.input = "in.png";
  an::MethodResult r;
  r.method = "odd,\"name\"";
  r.output = "out.png";
  r.heatmap = "out_heatmap.png";
  odd.results.push_back(r);
  const std::string csv = an::csv_report({failed, odd}, {});
  const std::string header =
      "input,method,scale,seconds,checkerboard_mean,checkerboard_p99,spectral_ratio,psnr,ssim,output,heatmap,error\n";
  CHECK(csv == header + "gone.png,,,,,,,,,,,gone.png: cannot open\n" +
                   "in.png,\"odd,\"\"name\"\"\",2,0.000000,0.000000,0.000000,1.0000,,,out.png,out_heatmap.png,\n");
}

TEST_CASE("compare: an input that cannot be read fails alone, without throwing") {
  ScratchFolder dir;
  an::NamedUpscalers methods;
  methods.emplace_back("bicubic", upsample::pipeline::create_upscaler("bicubic", 2));
  an::CompareOptions options;
  options.output_folder = dir.path();
  const an::InputResult result = an::compare_input(dir / "nothere.png", methods, options);
  CHECK(an::has_failures(result));
  CHECK(result.error.find("nothere.png") != std::string::npos);
  CHECK(result.results.empty());
  CHECK(upsample::testing::files_below(dir.path()).empty());
}
