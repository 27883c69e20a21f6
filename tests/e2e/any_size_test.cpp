// End-to-end tests of asked sizes (#28 "Any size"): -s 1.5, --width/--height, a learned
// method between its scales, names, --json, --report, metadata, and the refusals.
#include <doctest/doctest.h>

#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "imaging/matlab_imresize.hpp"
#include "photo_tags.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

void write_picture(const fs::path& path, int width, int height, int type = CV_8UC3) {
  cv::Mat image(height, width, type);
  cv::RNG rng(static_cast<std::uint64_t>(width * 1000 + height));
  rng.fill(image, cv::RNG::UNIFORM, 0, CV_MAT_DEPTH(type) == CV_16U ? 65536 : 256);
  cv::GaussianBlur(image, image, cv::Size(5, 5), 1.2);  // a picture, not noise: the networks see edges
  REQUIRE(cv::imwrite(path.string(), image));
}

cv::Mat read_back(const fs::path& path) {
  cv::Mat image = cv::imread(path.string(), cv::IMREAD_UNCHANGED);
  REQUIRE_FALSE(image.empty());
  return image;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("-s 1.5 gives round(side x 1.5) and {scale} prints 1.5, -s 2 names as before") {
  ScratchFolder dir;
  write_picture(dir / "a.png", 101, 67);
  const auto r = run_cli({"a.png", "-s", "1.5", "-m", "bicubic"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(read_back(dir / "a_bicubic_x1.5.png").size() == cv::Size(152, 101));  // 151.5 and 100.5 round up
  const auto whole = run_cli({"a.png", "-s", "2", "-m", "bicubic"}, dir.path());
  REQUIRE(whole.exit_code == 0);
  CHECK(read_back(dir / "a_bicubic_x2.png").size() == cv::Size(202, 134));
  const auto whole_decimal = run_cli({"a.png", "-s", "3.0", "-m", "nearest"}, dir.path());
  REQUIRE(whole_decimal.exit_code == 0);
  CHECK(fs::exists(dir / "a_nearest_x3.png"));  // a whole factor typed with a point is still x3
}

TEST_CASE("--width 1920 keeps the aspect ratio, --width and --height together give both, named by the size") {
  ScratchFolder dir;
  write_picture(dir / "wide.png", 1000, 667);
  const auto r = run_cli({"wide.png", "--width", "1920", "-m", "lanczos"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(read_back(dir / "wide_lanczos_w1920.png").size() == cv::Size(1920, 1281));  // 667 x 1.92 = 1280.64
  write_picture(dir / "small.png", 100, 67);
  const auto both = run_cli({"small.png", "--width", "150", "--height", "90", "-m", "fsrcnn"}, dir.path());
  INFO(both.err);
  REQUIRE(both.exit_code == 0);
  CHECK(read_back(dir / "small_fsrcnn_150x90.png").size() == cv::Size(150, 90));
  const auto tall =
      run_cli({"small.png", "--height", "134", "-m", "bicubic", "--name", "{stem}_{scale}.{ext}"}, dir.path());
  REQUIRE(tall.exit_code == 0);
  CHECK(read_back(dir / "small_h134.png").size() == cv::Size(200, 134));
}

TEST_CASE("-s 2.5 -m fsrcnn runs x3 and shrinks to the exact size with MATLAB's antialiased bicubic") {
  ScratchFolder dir;
  write_picture(dir / "p.png", 41, 31);
  const auto r = run_cli({"p.png", "-s", "2.5", "-m", "fsrcnn", "--denoise", "off"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const cv::Mat sized = read_back(dir / "p_fsrcnn_x2.5.png");
  CHECK(sized.size() == cv::Size(103, 78));
  const auto x3 = run_cli({"p.png", "-s", "3", "-m", "fsrcnn", "--denoise", "off"}, dir.path());
  REQUIRE(x3.exit_code == 0);
  const cv::Mat expected = upsample::imaging::matlab_resize_to(read_back(dir / "p_fsrcnn_x3.png"), 78, 103, CV_8U);
  CHECK(cv::norm(sized, expected, cv::NORM_INF) == 0);
}

TEST_CASE("an asked size keeps alpha and 16 bits") {
  ScratchFolder dir;
  write_picture(dir / "deep.png", 48, 40, CV_16UC4);
  const auto r = run_cli({"deep.png", "-s", "1.5"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const cv::Mat out = read_back(dir / "deep_fsrcnn_x1.5.png");
  CHECK(out.type() == CV_16UC4);
  CHECK(out.size() == cv::Size(72, 60));
}

TEST_CASE("--json, --dry-run and --report say what was asked and the size made") {
  ScratchFolder dir;
  write_picture(dir / "a.png", 40, 30);
  const auto dry = run_cli({"a.png", "--width", "100", "-m", "bicubic", "--dry-run", "--json"}, dir.path());
  INFO(dry.err);
  REQUIRE(dry.exit_code == 0);
  const auto plan = nlohmann::json::parse(dry.out);
  CHECK(plan["width"] == 100);
  CHECK(plan["height"].is_null());
  CHECK(plan["scale"].is_null());
  CHECK(contains(dry.out, "a_bicubic_w100.png"));
  const auto r = run_cli({"a.png", "-s", "1.5", "-m", "bicubic", "--json", "--report", "r.jsonl"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["scale"] == 1.5);
  CHECK(doc["width"].is_null());
  CHECK(doc["files"][0]["output_size"] == nlohmann::json::array({60, 45}));
  const auto line = nlohmann::json::parse(read_file(dir / "r.jsonl"));
  CHECK(line["scale"] == 1.5);
}

TEST_CASE("an asked size fits the metadata to the real output size") {
  ScratchFolder dir;
  const fs::path in = dir / "phone.png";
  write_picture(in, 24, 16);
  write_phone_tags(in, 24, 16, display_p3_profile());  // orientation 6: upright it is 16x24
  const auto r = run_cli({"phone.png", "-s", "1.5", "-m", "bicubic"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const fs::path out = dir / "phone_bicubic_x1.5.png";
  CHECK(read_back(out).size() == cv::Size(24, 36));
  const PhotoTags tags = read_photo_tags(out);
  const auto value_of = [&](const char* key) {
    const auto it = tags.exif.findKey(Exiv2::ExifKey(key));
    return it == tags.exif.end() ? std::string("(none)") : it->toString();
  };
  CHECK(value_of("Exif.Photo.PixelXDimension") == "24");
  CHECK(value_of("Exif.Photo.PixelYDimension") == "36");
  CHECK(value_of("Exif.Image.Orientation") == "1");
}

TEST_CASE("eval -s 1.5 scores methods by the protocol with the HR cropped to a multiple of 3") {
  ScratchFolder dir;
  fs::create_directories(dir / "set");
  write_picture(dir / "set/a.png", 64, 50);
  const auto r = run_cli({"eval", "--data", (dir / "set").string(), "-s", "1.5", "-m", "bicubic,fsrcnn", "--json"},
                         dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto rows = nlohmann::json::parse(r.out);
  REQUIRE(rows.size() == 4);  // the image and the average, for each method
  CHECK(rows[0]["scale"] == 1.5);
  CHECK(rows[0]["method"] == "bicubic");
  CHECK(rows[2]["method"] == "fsrcnn");
  CHECK(rows[0]["psnr"].get<double>() > 20);
  const auto whole = run_cli({"eval", "--data", (dir / "set").string(), "-s", "2", "-m", "bicubic", "--json"}, dir.path());
  REQUIRE(whole.exit_code == 0);
  CHECK(nlohmann::json::parse(whole.out)[0]["scale"].dump() == "2");  // a whole scale stays an integer
}

TEST_CASE("eval --data takes a benchmark set's bare name from $UPSAMPLE_DATA/sr-bench") {
  ScratchFolder dir;
  fs::create_directories(dir / "shared/sr-bench/Tiny");
  write_picture(dir / "shared/sr-bench/Tiny/a.png", 48, 40);
  const auto r = run_cli({"eval", "--data", "Tiny", "-s", "2", "-m", "bicubic", "--json"}, dir.path(),
                         {{"UPSAMPLE_DATA", (dir / "shared").string()}});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)[0]["psnr"].get<double>() > 20);
  const auto missing = run_cli({"eval", "--data", "Nowhere", "-s", "2", "-m", "bicubic"}, dir.path(),
                               {{"UPSAMPLE_DATA", (dir / "shared").string()}});
  CHECK(missing.exit_code != 0);
  CHECK(contains(missing.err, "Nowhere: evaluation folder not found"));
}

TEST_CASE("asked sizes that cannot be made are refused naming the problem") {
  ScratchFolder dir;
  write_picture(dir / "a.png", 40, 30);
  const auto both = run_cli({"a.png", "-s", "1.5", "--width", "100"}, dir.path());
  CHECK(both.exit_code == 2);
  CHECK(contains(both.err, "-s 1.5 and --width/--height"));
  for (const char* bad : {"0.5", "17", "1,5"}) {
    CAPTURE(bad);
    const auto r = run_cli({"a.png", "-s", bad}, dir.path());
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, std::string("-s ") + bad + ": the scale is a number from 1 to 16"));
  }
  const auto zero = run_cli({"a.png", "--width", "0"}, dir.path());
  CHECK(zero.exit_code == 2);
  CHECK(contains(zero.err, "--width"));
  const auto beyond = run_cli({"a.png", "-s", "4.5", "-m", "fsrcnn"}, dir.path());
  CHECK(beyond.exit_code == 2);
  CHECK(contains(beyond.err, "more than this method's largest scale"));
  const auto shrink = run_cli({"a.png", "--width", "20", "-m", "lanczos"}, dir.path());
  CHECK(shrink.exit_code == 1);
  CHECK(contains(shrink.err, "a.png"));
  CHECK(contains(shrink.err, "smaller than it is"));
  CHECK_FALSE(fs::exists(dir / "a_lanczos_w20.png"));
  const auto heatmap = run_cli({"a.png", "-s", "1.5", "--heatmap"}, dir.path());
  CHECK(heatmap.exit_code == 2);
  CHECK(contains(heatmap.err, "--heatmap"));
  const auto eval = run_cli({"eval", "--data", dir.path().string(), "-s", "1.5", "--degrade", "jpeg:50"}, dir.path());
  CHECK(eval.exit_code == 2);
  CHECK(contains(eval.err, "eval -s 1.5: --degrade needs a whole scale"));
  const auto eval_fraction = run_cli({"eval", "--data", dir.path().string(), "-s", "1.05"}, dir.path());
  CHECK(eval_fraction.exit_code == 2);
  CHECK(contains(eval_fraction.err, "a fraction with a denominator of at most 16"));
  const auto compare = run_cli({"compare", "a.png", "-s", "2.5"}, dir.path());
  CHECK(compare.exit_code == 2);
  CHECK(contains(compare.err, "compare takes whole scales"));
}

}
