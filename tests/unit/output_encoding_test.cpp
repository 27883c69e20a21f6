// How outputs are encoded when the user says nothing, or says --background / --png-level:
// the colour names, alpha flattened onto them, and the quality chosen for lossy formats.
#include <doctest/doctest.h>

#include <opencv2/imgcodecs.hpp>

#include "cli_runner.hpp"
#include "io/background_colour.hpp"
#include "io/flatten_alpha.hpp"
#include "io/image_io.hpp"
#include "io/webp_lossless.hpp"
#include "pipeline/output_quality.hpp"
#include "tensor/error.hpp"

using namespace upsample;

namespace {

std::vector<std::byte> encoded_bytes(const std::string& ext, const cv::Mat& image, const std::vector<int>& params = {}) {
  std::vector<uchar> bytes;
  cv::imencode(ext, image, bytes, params);
  const auto view = std::as_bytes(std::span(bytes));
  return {view.begin(), view.end()};
}

// A picture with detail in it, so that quality settings make a difference.
cv::Mat detailed_picture() {
  cv::Mat image(32, 48, CV_8UC3);
  cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(255));
  return image;
}

}  // namespace

TEST_SUITE("output encoding") {

TEST_CASE("background colours: names and hex are read, anything else refused, and said back") {
  CHECK(io::parse_background_colour("white") == io::BackgroundColour{255, 255, 255});
  CHECK(io::parse_background_colour("Black") == io::BackgroundColour{0, 0, 0});
  CHECK(io::parse_background_colour("grey") == io::BackgroundColour{128, 128, 128});
  CHECK(io::parse_background_colour("gray") == io::BackgroundColour{128, 128, 128});
  CHECK(io::parse_background_colour("#3366cC") == io::BackgroundColour{0x33, 0x66, 0xCC});
  CHECK(io::parse_background_colour("ff0000") == io::BackgroundColour{255, 0, 0});
  for (const std::string bad : {"", "purple", "#12345", "#1234567", "#gg0000", "#", "white "}) {
    CAPTURE(bad);
    CHECK_FALSE(io::parse_background_colour(bad));
  }
  CHECK(io::background_colour_name({255, 255, 255}) == "white");
  CHECK(io::background_colour_name({128, 128, 128}) == "grey");
  CHECK(io::background_colour_name({0x33, 0x66, 0xCC}) == "#3366cc");
}

TEST_CASE("flatten_alpha blends each pixel over the background by its alpha, at 8 and 16 bits") {
  cv::Mat bgra(1, 3, CV_8UC4);
  bgra.at<cv::Vec4b>(0, 0) = {0, 0, 255, 0};    // transparent red
  bgra.at<cv::Vec4b>(0, 1) = {0, 0, 255, 255};  // opaque red
  bgra.at<cv::Vec4b>(0, 2) = {0, 0, 255, 51};   // a fifth red
  const io::BackgroundColour blue{0, 0, 255};
  const cv::Mat flat = io::flatten_alpha(bgra, blue);
  REQUIRE(flat.type() == CV_8UC3);
  CHECK(flat.at<cv::Vec3b>(0, 0) == cv::Vec3b(255, 0, 0));
  CHECK(flat.at<cv::Vec3b>(0, 1) == cv::Vec3b(0, 0, 255));
  CHECK(flat.at<cv::Vec3b>(0, 2) == cv::Vec3b(204, 0, 51));
  cv::Mat deep;
  bgra.convertTo(deep, CV_16U, 257.0);
  const cv::Mat flat16 = io::flatten_alpha(deep, {255, 255, 255});
  REQUIRE(flat16.type() == CV_16UC3);
  CHECK(flat16.at<cv::Vec3w>(0, 0) == cv::Vec3w(65535, 65535, 65535));
  CHECK(flat16.at<cv::Vec3w>(0, 1) == cv::Vec3w(0, 0, 65535));
  CHECK_THROWS_AS(io::flatten_alpha(cv::Mat(2, 2, CV_8UC3), blue), Error);
}

TEST_CASE("save_image flattens alpha onto the background it is given, and writes PNG at the level asked") {
  testing::ScratchFolder dir;
  cv::Mat bgra(8, 8, CV_8UC4, cv::Scalar(0, 0, 255, 0));
  auto report = io::save_image(dir / "white.bmp", bgra);
  CHECK(report.dropped_alpha);
  CHECK(cv::imread((dir / "white.bmp").string()).at<cv::Vec3b>(0, 0) == cv::Vec3b(255, 255, 255));
  io::SaveOptions on_black;
  on_black.background = {0, 0, 0};
  io::save_image(dir / "black.bmp", bgra, on_black);
  CHECK(cv::imread((dir / "black.bmp").string()).at<cv::Vec3b>(0, 0) == cv::Vec3b(0, 0, 0));

  // A gradient: noise would not compress at any level.
  cv::Mat picture(32, 48, CV_8UC3);
  for (int y = 0; y < picture.rows; ++y)
    for (int x = 0; x < picture.cols; ++x) picture.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 5), uchar(y * 7), 90);
  io::SaveOptions fast, small;
  fast.png_level = 0;
  small.png_level = 9;
  const size_t stored = io::save_image(dir / "stored.png", picture, fast).bytes_written;
  const size_t packed = io::save_image(dir / "packed.png", picture, small).bytes_written;
  CHECK(stored > packed);
  CHECK(cv::norm(cv::imread((dir / "stored.png").string()), cv::imread((dir / "packed.png").string()), cv::NORM_INF) == 0);
  io::SaveOptions bad;
  bad.png_level = 10;
  CHECK_THROWS_WITH_AS(io::save_image(dir / "bad.png", picture, bad), doctest::Contains("between 0 and 9"), Error);
}

TEST_CASE("is_lossless_webp tells VP8L from VP8, and anything else is not") {
  const cv::Mat picture = detailed_picture();
  CHECK(io::is_lossless_webp(encoded_bytes(".webp", picture)));
  CHECK_FALSE(io::is_lossless_webp(encoded_bytes(".webp", picture, {cv::IMWRITE_WEBP_QUALITY, 80})));
  CHECK_FALSE(io::is_lossless_webp(encoded_bytes(".png", picture)));
  CHECK_FALSE(io::is_lossless_webp({}));
}

TEST_CASE("output_quality: a JPEG keeps a JPEG input's quality, WebP a lossless input's kind, --quality wins") {
  const cv::Mat picture = detailed_picture();
  const io::ImageFormat& jpeg = *io::format_of_extension("jpg");
  const io::ImageFormat& webp = *io::format_of_extension("webp");
  const auto q70 = encoded_bytes(".jpg", picture, {cv::IMWRITE_JPEG_QUALITY, 70});
  const auto png = encoded_bytes(".png", picture);
  const auto lossless = encoded_bytes(".webp", picture);

  const auto kept = pipeline::output_quality(jpeg, q70, std::nullopt);
  REQUIRE(kept);
  CHECK(kept->quality == 70);
  CHECK(kept->describe() == "quality 70, the input's (read from its JPEG tables)");
  CHECK(pipeline::output_quality(jpeg, png, std::nullopt)->quality == pipeline::kDefaultJpegQuality);
  CHECK(pipeline::output_quality(jpeg, q70, 40)->describe() == "quality 40, from --quality");

  CHECK(pipeline::output_quality(webp, q70, std::nullopt)->quality == pipeline::kDefaultWebpQuality);
  const auto stays_lossless = pipeline::output_quality(webp, lossless, std::nullopt);
  REQUIRE(stays_lossless);
  CHECK_FALSE(stays_lossless->quality);
  CHECK(stays_lossless->describe() == "lossless, as the input WebP");
  CHECK(pipeline::output_quality(webp, lossless, 75)->quality == 75);

  for (const std::string ext : {"heic", "avif", "jxl"}) {
    CAPTURE(ext);
    CHECK(pipeline::output_quality(*io::format_of_extension(ext), q70, std::nullopt)->quality == 90);
  }
  CHECK_FALSE(pipeline::output_quality(*io::format_of_extension("png"), q70, std::nullopt));
  CHECK_FALSE(pipeline::output_quality(*io::format_of_extension("tif"), q70, 80));
}

}  // TEST_SUITE
