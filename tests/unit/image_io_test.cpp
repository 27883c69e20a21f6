#include <doctest/doctest.h>

#include <cstring>

#include <opencv2/imgcodecs.hpp>

#include "cli_runner.hpp"
#include "io/image_io.hpp"
#include "io/webp_metadata.hpp"
#include "tensor/error.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample;

namespace {

// A TIFF-structured EXIF block holding only `orientation`.
std::vector<uchar> exif_with_orientation(int orientation, bool big_endian) {
  std::vector<uchar> tiff = big_endian ? std::vector<uchar>{'M', 'M', 0, 42, 0, 0, 0, 8} : std::vector<uchar>{'I', 'I', 42, 0, 8, 0, 0, 0};
  auto put16 = [&](int v) {  // push_back: GCC 12 misreads an initializer-list insert here as out of bounds
    tiff.push_back(uchar(big_endian ? v >> 8 : v & 255));
    tiff.push_back(uchar(big_endian ? v & 255 : v >> 8));
  };
  put16(1);        // one IFD entry
  put16(0x0112);   // Orientation
  put16(3);        // SHORT
  put16(1); put16(0);  // count = 1 (32-bit)
  put16(orientation); put16(0);
  put16(0); put16(0);  // no next IFD
  return tiff;
}

// A JPEG with an EXIF APP1 segment holding `orientation`, spliced in after SOI.
std::vector<std::byte> jpeg_with_orientation(const cv::Mat& image, int orientation, bool big_endian) {
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", image, jpeg, {cv::IMWRITE_JPEG_QUALITY, 100});
  const std::vector<uchar> tiff = exif_with_orientation(orientation, big_endian);
  std::vector<uchar> app1 = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
  app1.insert(app1.end(), tiff.begin(), tiff.end());
  const size_t len = app1.size() - 2;
  app1[2] = uchar(len >> 8);
  app1[3] = uchar(len & 255);
  jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
  std::vector<std::byte> out(jpeg.size());
  std::memcpy(out.data(), jpeg.data(), jpeg.size());
  return out;
}

}  // namespace

TEST_SUITE("image_io") {

TEST_CASE("EXIF orientation is found in JPEG (both byte orders) and applied on load") {
  // A 40×20 image, left half black, right half white: rotation is easy to see.
  cv::Mat image(20, 40, CV_8UC1, cv::Scalar(0));
  image(cv::Rect(20, 0, 20, 20)).setTo(255);
  for (bool big : {false, true}) {
    for (int o = 1; o <= 8; ++o) {
      CAPTURE(o);
      CAPTURE(big);
      const auto bytes = jpeg_with_orientation(image, o, big);
      CHECK(io::exif_orientation(bytes) == o);
    }
  }
  testing::ScratchFolder dir;
  const auto bytes = jpeg_with_orientation(image, 6, false);  // rotate 90° clockwise to display
  io::write_file_atomically(dir / "rotated.jpg", bytes);
  const cv::Mat loaded = io::load_image(dir / "rotated.jpg");
  CHECK(loaded.cols == 20);
  CHECK(loaded.rows == 40);
  CHECK(loaded.at<uint8_t>(5, 10) < 30);    // the black half is now on top
  CHECK(loaded.at<uint8_t>(35, 10) > 225);  // the white half below
}

TEST_CASE("EXIF orientation is found in a WebP's EXIF chunk (with or without an Exif header) and applied on load") {
  cv::Mat image(20, 40, CV_8UC3, cv::Scalar(0, 0, 0));
  image(cv::Rect(20, 0, 20, 20)).setTo(cv::Scalar(255, 255, 255));
  testing::ScratchFolder dir;
  for (bool with_header : {false, true}) {
    CAPTURE(with_header);
    std::vector<uchar> webp;
    cv::imencode(".webp", image, webp);
    const std::vector<uchar> tiff = exif_with_orientation(6, with_header);  // one of each byte order
    io::PhotoMetadata metadata;
    if (with_header) for (const char c : std::string("Exif\0\0", 6)) metadata.exif.push_back(std::byte(c));
    for (const uchar b : tiff) metadata.exif.push_back(std::byte(b));
    io::embed_webp_metadata(webp, metadata);
    CHECK(io::exif_orientation(std::as_bytes(std::span(webp))) == 6);
    const fs::path file = dir / (with_header ? "header.webp" : "plain.webp");
    io::write_file_atomically(file, std::as_bytes(std::span(webp)));
    const cv::Mat loaded = io::load_image(file);  // no metadata asked: the orientation is read all the same
    CHECK(loaded.size() == cv::Size(20, 40));
    CHECK(loaded.at<cv::Vec3b>(5, 10)[0] < 30);    // the black half is now on top
    CHECK(loaded.at<cv::Vec3b>(35, 10)[0] > 225);  // the white half below
  }
}

TEST_CASE("orientation transforms match their EXIF meaning") {
  const cv::Mat m = (cv::Mat_<uint8_t>(2, 3) << 1, 2, 3, 4, 5, 6);
  auto first_row = [](const cv::Mat& x) { return std::vector<int>(x.ptr<uint8_t>(0), x.ptr<uint8_t>(0) + x.cols); };
  CHECK(first_row(io::apply_exif_orientation(m, 1)) == std::vector<int>{1, 2, 3});
  CHECK(first_row(io::apply_exif_orientation(m, 2)) == std::vector<int>{3, 2, 1});
  CHECK(first_row(io::apply_exif_orientation(m, 3)) == std::vector<int>{6, 5, 4});
  CHECK(first_row(io::apply_exif_orientation(m, 4)) == std::vector<int>{4, 5, 6});
  CHECK(first_row(io::apply_exif_orientation(m, 5)) == std::vector<int>{1, 4});
  CHECK(first_row(io::apply_exif_orientation(m, 6)) == std::vector<int>{4, 1});
  CHECK(first_row(io::apply_exif_orientation(m, 7)) == std::vector<int>{6, 3});
  CHECK(first_row(io::apply_exif_orientation(m, 8)) == std::vector<int>{3, 6});
}

TEST_CASE("no EXIF, or a broken one, means no orientation") {
  std::vector<uchar> png;
  cv::imencode(".png", cv::Mat(4, 4, CV_8UC1, cv::Scalar(9)), png);
  CHECK_FALSE(io::exif_orientation(std::as_bytes(std::span(png))).has_value());
  const std::vector<std::byte> junk(64, std::byte{0xFF});
  CHECK_FALSE(io::exif_orientation(junk).has_value());
}

TEST_CASE("save keeps 16 bits and alpha where the format can, says what it changed otherwise") {
  testing::ScratchFolder dir;
  const cv::Mat rgba16(8, 8, CV_16UC4, cv::Scalar(1000, 2000, 3000, 65535));
  auto report = io::save_image(dir / "a.png", rgba16);
  CHECK_FALSE(report.dropped_alpha);
  CHECK_FALSE(report.reduced_to_8bit);
  CHECK(io::load_image(dir / "a.png").type() == CV_16UC4);
  report = io::save_image(dir / "a.jpg", rgba16);
  CHECK(report.dropped_alpha);
  CHECK(report.reduced_to_8bit);
  CHECK(io::load_image(dir / "a.jpg").type() == CV_8UC3);
  CHECK_THROWS_WITH_AS(io::save_image(dir / "a.png", rgba16), doctest::Contains("already exists"), Error);
  CHECK_THROWS_WITH_AS(io::save_image(dir / "a.xyz", rgba16), doctest::Contains("unknown image format 'xyz'"), Error);
}

TEST_CASE("load errors name the file and the reason") {
  testing::ScratchFolder dir;
  CHECK_THROWS_WITH_AS(io::load_image(dir / "missing.png"), doctest::Contains("missing.png: cannot open"), Error);
  CHECK_THROWS_WITH_AS(io::load_image(dir.path()), doctest::Contains("is a folder"), Error);
  io::write_file_atomically(dir / "text.png", std::as_bytes(std::span("hello", 5)));
  CHECK_THROWS_WITH_AS(io::load_image(dir / "text.png"), doctest::Contains("text.png: not a readable image"), Error);
}

TEST_CASE("damage_in: every cut of a JPEG or PNG is truncated, the whole file with trailing bytes is not") {
  const cv::Mat image = testing::smooth_random_image(24, 40, CV_8UC3, 7);
  std::vector<std::pair<std::string, std::vector<std::byte>>> files;
  auto encode = [&](const std::string& name, const std::string& ext, const std::vector<int>& params) {
    std::vector<uchar> bytes;
    REQUIRE(cv::imencode(ext, image, bytes, params));
    files.emplace_back(name, std::vector<std::byte>(reinterpret_cast<const std::byte*>(bytes.data()),
                                                    reinterpret_cast<const std::byte*>(bytes.data()) + bytes.size()));
  };
  encode("baseline", ".jpg", {});
  encode("progressive", ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  encode("restart markers", ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 1});
  encode("png", ".png", {});
  files.emplace_back("exif", jpeg_with_orientation(image, 6, false));
  for (const auto& [name, whole] : files) {
    CAPTURE(name);
    CHECK(io::damage_in(whole).empty());
    auto trailed = whole;
    trailed.insert(trailed.end(), 7, std::byte{0});
    CHECK(io::damage_in(trailed).empty());
    size_t flagged = 0;
    for (size_t cut = 8; cut < whole.size(); ++cut)
      flagged += io::damage_in(std::span(whole).first(cut)).rfind("truncated: ", 0) == 0;
    CHECK(flagged == whole.size() - 8);
  }
}

TEST_CASE("damage_in: an end-of-image marker inside a segment (an EXIF thumbnail) does not end the JPEG") {
  std::vector<uchar> jpeg;
  REQUIRE(cv::imencode(".jpg", testing::smooth_random_image(16, 16, CV_8UC1, 3), jpeg));
  const std::vector<uchar> app1 = {0xFF, 0xE1, 0, 10, 'E', 'x', 'i', 'f', 0, 0, 0xFF, 0xD9};  // a thumbnail's EOI
  jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
  jpeg.resize(jpeg.size() - 20);
  CHECK(io::damage_in(std::as_bytes(std::span(jpeg))) == "truncated: the JPEG data ends before its end-of-image marker");
}

TEST_CASE("a truncated JPEG is refused by load_image, or loaded with the damage said when accepted") {
  testing::ScratchFolder dir;
  std::vector<uchar> jpeg;
  REQUIRE(cv::imencode(".jpg", testing::smooth_random_image(32, 48, CV_8UC3, 5), jpeg));
  jpeg.resize(jpeg.size() / 2);
  io::write_file_atomically(dir / "cut.jpg", std::as_bytes(std::span(jpeg)));
  CHECK_THROWS_WITH_AS(io::load_image(dir / "cut.jpg"), doctest::Contains("cut.jpg: truncated: "), io::DamagedImageError);
  std::string damage;
  const cv::Mat loaded = io::load_image(dir / "cut.jpg", {.accept_damaged = true, .check_size = {}}, &damage);
  CHECK(loaded.size() == cv::Size(48, 32));
  CHECK(damage.rfind("truncated: ", 0) == 0);
}

}  // TEST_SUITE
