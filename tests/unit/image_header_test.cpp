// The size of an image read from its file header, before decoding (io/image_header.hpp).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "io/image_header.hpp"
#include "io/image_io.hpp"
#include "tensor/error.hpp"

namespace fs = std::filesystem;
namespace io = upsample::io;

TEST_SUITE("image header") {

TEST_CASE("every known format's header gives the size, channels and depth the decoder then gives") {
  struct Case {
    const char* ext;
    int type;
    std::vector<int> params;
  };
  const std::vector<Case> cases = {
      {".png", CV_8UC1, {}},         {".png", CV_8UC3, {}},     {".png", CV_8UC4, {}},
      {".png", CV_16UC1, {}},        {".png", CV_16UC3, {}},    {".jpg", CV_8UC1, {}},
      {".jpg", CV_8UC3, {}},         {".jpg", CV_8UC3, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
      {".webp", CV_8UC3, {cv::IMWRITE_WEBP_QUALITY, 80}}, {".webp", CV_8UC3, {cv::IMWRITE_WEBP_QUALITY, 101}},
      {".webp", CV_8UC4, {}},        {".bmp", CV_8UC3, {}},     {".bmp", CV_8UC1, {}},
      {".tif", CV_8UC1, {}},         {".tif", CV_16UC1, {}},    {".tif", CV_8UC3, {}},
      {".tif", CV_16UC4, {}},        {".ppm", CV_8UC3, {}},     {".pgm", CV_8UC1, {}},
      {".pgm", CV_16UC1, {}}};
  for (const Case& c : cases) {
    const std::string ext = c.ext;
    CAPTURE(ext);
    CAPTURE(c.type);
    cv::Mat image(37, 53, c.type);
    cv::randu(image, 0, 200);
    std::vector<uchar> encoded;
    REQUIRE(cv::imencode(c.ext, image, encoded, c.params));
    const auto header = io::read_image_header(std::as_bytes(std::span(encoded)));
    REQUIRE(header.has_value());
    const cv::Mat decoded = cv::imdecode(encoded, cv::IMREAD_UNCHANGED);
    CHECK(header->width == decoded.cols);
    CHECK(header->height == decoded.rows);
    // A grey BMP is stored with a palette and decoded as colour.
    CHECK(header->channels >= decoded.channels());
    CHECK(header->bytes_per_sample == static_cast<int>(decoded.elemSize1()));
    CHECK(header->decoded_bytes() >= decoded.total() * decoded.elemSize());
  }
}

TEST_CASE("a header that declares a huge image is read without decoding anything") {
  // A PNG of 32000 x 32000 RGBA as declared by its 8-byte signature and IHDR chunk alone.
  const std::string png = std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x7d\0\0\0\x7d\0\x08\x06\0\0\0", 29) + "CRC!";
  const auto header = io::read_image_header(std::as_bytes(std::span(png)));
  REQUIRE(header.has_value());
  CHECK(header->width == 32000);
  CHECK(header->height == 32000);
  CHECK(header->decoded_bytes() == 32000ull * 32000 * 4);
}

TEST_CASE("what is not a known header, or is cut short, gives no size") {
  for (const std::string& bytes : {std::string(""), std::string("hello"), std::string("\x89PNG\r\n\x1a\n", 8),
                                  std::string("\xff\xd8\xff\xe0\0\x10JFIF", 10), std::string("RIFF\0\0\0\0WEBPVP8 ", 16),
                                  std::string("P6\n# only a comment"), std::string("II*\0\xff\xff\xff\x7f", 8)}) {
    CAPTURE(bytes.size());
    CHECK_FALSE(io::read_image_header(std::as_bytes(std::span(bytes))).has_value());
  }
}

TEST_CASE("a decoder that reads the size itself refuses a declared size over 2^30 pixels before allocating") {
  // Found by tests/fuzz/image_fuzz.cpp: a 198-byte JPEG XL file whose header asked the
  // decoder for a buffer of 21 PB.
  const fs::path file = fs::path(UPSAMPLE_FIXTURES_DIR) / "fuzz" / "jxl_declares_huge_size.jxl";
  CHECK_THROWS_WITH_AS(io::load_image(file), doctest::Contains("jxl_declares_huge_size.jxl: its header declares"),
                       upsample::Error);
  bool told = false;
  CHECK_THROWS(io::check_declared_size({40000, 40000, 3, 1}, [&](const io::ImageHeader&) { told = true; }));
  CHECK_FALSE(told);
  io::check_declared_size({4000, 3000, 3, 1}, [&](const io::ImageHeader& h) { told = h.width == 4000; });
  CHECK(told);
}

}  // TEST_SUITE
