// End-to-end: what an output is encoded with when nobody said (a JPEG input's own quality,
// lossy WebP), said in -v and --json; --png-level; alpha flattened onto --background; a
// WebP's EXIF orientation applied like a JPEG's.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.hpp"
#include "imaging/jpeg_quality.hpp"
#include "io/image_io.hpp"
#include "io/webp_lossless.hpp"
#include "photo_tags.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample;
using namespace upsample::testing;

namespace {

// A 48x32 picture of noise: every quality setting shows in its size.
cv::Mat noisy_picture() {
  cv::Mat image(32, 48, CV_8UC3);
  cv::theRNG().state = 30;
  cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(255));
  return image;
}

// The "quality" entry of the one file of a --json run.
nlohmann::json quality_entry(const CliResult& r) {
  const auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["files"].size() == 1);
  return doc["files"][0]["quality"];
}

bool webp_file_is_lossless(const fs::path& file) {
  const std::string bytes = read_file(file);
  return io::is_lossless_webp(std::as_bytes(std::span(bytes.data(), bytes.size())));
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("output encoding: a q70 JPEG comes out at about q70, not 95, and -v and --json say why") {
  ScratchFolder dir;
  cv::imwrite((dir / "q70.jpg").string(), noisy_picture(), {cv::IMWRITE_JPEG_QUALITY, 70});
  const auto r = run_cli({"-m", "bicubic", "-s", "2", "q70.jpg", "-o", "big.jpg", "--json", "-v"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto written = imaging::jpeg_quality_of_file(dir / "big.jpg");
  REQUIRE(written);
  CHECK(written->quality >= 65);
  CHECK(written->quality <= 75);
  const auto entry = quality_entry(r);
  CHECK(entry["value"] == 70);
  CHECK(entry["lossless"] == false);
  CHECK(entry["why"] == "the input's (read from its JPEG tables)");
  CHECK(contains(r.err, "big.jpg: quality 70, the input's (read from its JPEG tables)"));

  // From a PNG: the documented default; --quality overrides either.
  cv::imwrite((dir / "lossless.png").string(), noisy_picture());
  const auto from_png = run_cli({"-m", "bicubic", "-s", "2", "lossless.png", "-o", "png.jpg", "--json"}, dir.path());
  REQUIRE(from_png.exit_code == 0);
  CHECK(quality_entry(from_png)["value"] == 95);
  CHECK(imaging::jpeg_quality_of_file(dir / "png.jpg")->quality == 95);
  const auto asked = run_cli({"-m", "bicubic", "-s", "2", "q70.jpg", "-o", "q40.jpg", "--quality", "40", "--json"}, dir.path());
  REQUIRE(asked.exit_code == 0);
  CHECK(quality_entry(asked)["why"] == "from --quality");
  CHECK(imaging::jpeg_quality_of_file(dir / "q40.jpg")->quality == 40);
}

TEST_CASE("output encoding: WebP is lossy at 90 unless the input is a lossless WebP, which stays lossless") {
  ScratchFolder dir;
  cv::imwrite((dir / "photo.png").string(), noisy_picture());
  const auto lossy = run_cli({"-m", "bicubic", "-s", "2", "photo.png", "-o", "photo.webp", "--json"}, dir.path());
  INFO(lossy.err);
  REQUIRE(lossy.exit_code == 0);
  CHECK(quality_entry(lossy)["value"] == 90);
  CHECK_FALSE(webp_file_is_lossless(dir / "photo.webp"));

  cv::imwrite((dir / "drawing.webp").string(), noisy_picture());  // OpenCV's default: lossless
  REQUIRE(webp_file_is_lossless(dir / "drawing.webp"));
  const auto kept = run_cli({"-m", "bicubic", "-s", "2", "drawing.webp", "-o", "big.webp", "--json"}, dir.path());
  REQUIRE(kept.exit_code == 0);
  CHECK(quality_entry(kept)["lossless"] == true);
  CHECK(quality_entry(kept)["why"] == "as the input WebP");
  CHECK(webp_file_is_lossless(dir / "big.webp"));
}

TEST_CASE("output encoding: --png-level 0 writes a bigger PNG than --png-level 9, of the same pixels") {
  ScratchFolder dir;
  cv::imwrite((dir / "in.png").string(), noisy_picture());
  for (const std::string level : {"0", "9"}) {
    const auto r = run_cli({"-m", "nearest", "-s", "2", "in.png", "-o", "level" + level + ".png", "--png-level", level}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  CHECK(fs::file_size(dir / "level0.png") > fs::file_size(dir / "level9.png"));
  const cv::Mat stored = cv::imread((dir / "level0.png").string()), packed = cv::imread((dir / "level9.png").string());
  CHECK(cv::norm(stored, packed, cv::NORM_INF) == 0);
  const auto bad = run_cli({"-m", "nearest", "-s", "2", "in.png", "-o", "x.png", "--png-level", "10"}, dir.path());
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.err, "--png-level"));
}

TEST_CASE("output encoding: alpha into JPEG is flattened onto white, or the --background asked, and the warning says which") {
  ScratchFolder dir;
  // Opaque green in the middle; the border transparent, with red under it that must not show.
  cv::Mat logo(16, 16, CV_8UC4, cv::Scalar(0, 0, 255, 0));
  logo(cv::Rect(4, 4, 8, 8)).setTo(cv::Scalar(0, 255, 0, 255));
  cv::imwrite((dir / "logo.png").string(), logo);
  const auto corner_of = [&](const std::string& name) { return cv::imread((dir / name).string()).at<cv::Vec3b>(1, 1); };
  const auto near = [](cv::Vec3b got, cv::Vec3b want) { return cv::norm(got, want, cv::NORM_INF) <= 8; };

  const auto white = run_cli({"-m", "nearest", "-s", "2", "logo.png", "-o", "white.jpg", "--quality", "95"}, dir.path());
  INFO(white.err);
  REQUIRE(white.exit_code == 0);
  CHECK(contains(white.err, "white.jpg: the format has no alpha channel, transparent areas flattened onto white"));
  CHECK(near(corner_of("white.jpg"), cv::Vec3b(255, 255, 255)));

  const auto black = run_cli({"-m", "nearest", "-s", "2", "logo.png", "-o", "black.jpg", "--background", "black"}, dir.path());
  REQUIRE(black.exit_code == 0);
  CHECK(contains(black.err, "flattened onto black"));
  CHECK(near(corner_of("black.jpg"), cv::Vec3b(0, 0, 0)));

  const auto blue = run_cli({"-m", "nearest", "-s", "2", "logo.png", "-o", "blue.bmp", "--background=#336699"}, dir.path());
  REQUIRE(blue.exit_code == 0);
  CHECK(contains(blue.err, "flattened onto #336699"));
  CHECK(corner_of("blue.bmp") == cv::Vec3b(0x99, 0x66, 0x33));
  CHECK(cv::imread((dir / "blue.bmp").string()).at<cv::Vec3b>(16, 16) == cv::Vec3b(0, 255, 0));  // the opaque part as it was
}

TEST_CASE("output encoding: a --background that is no colour is bad usage naming the option") {
  ScratchFolder dir;
  cv::imwrite((dir / "in.png").string(), noisy_picture());
  const auto r = run_cli({"-m", "nearest", "in.png", "--background", "purple"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--background"));
  CHECK(contains(r.err, "'purple' is not a colour"));
  CHECK_FALSE(fs::exists(dir / "in_nearest_x2.png"));
}

TEST_CASE("output encoding: a WebP photo with EXIF orientation 6 comes out upright, as a JPEG does") {
  ScratchFolder dir;
  const fs::path input = dir / "phone.webp";
  cv::Mat picture(16, 24, CV_8UC3, cv::Scalar(0, 0, 0));
  picture(cv::Rect(12, 0, 12, 16)).setTo(cv::Scalar(255, 255, 255));  // right half white
  cv::imwrite(input.string(), picture);
  write_phone_tags(input, 24, 16, display_p3_profile());
  for (const std::string strip : {"", "--strip"}) {
    CAPTURE(strip);
    std::vector<std::string> args = {"-m", "nearest", "-s", "2", input.string(), "-o", "up" + strip + ".png"};
    if (!strip.empty()) args.push_back(strip);
    const auto r = run_cli(args, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const cv::Mat out = cv::imread((dir / ("up" + strip + ".png")).string());
    REQUIRE(out.size() == cv::Size(32, 48));  // turned: 16 wide, 24 high, times 2
    CHECK(out.at<cv::Vec3b>(4, 16)[0] < 30);  // turned clockwise: the black left half is now on top
    CHECK(out.at<cv::Vec3b>(44, 16)[0] > 225);
  }
}

}  // TEST_SUITE
