// The PNG encoder of images made band by band (io/png_row_encoder.hpp): what it writes
// decodes to the image, extra chunks land before the pixels, and a failure of the filler
// or of the sink comes back as itself.
#include <doctest/doctest.h>

#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "io/png_chunks.hpp"
#include "io/png_row_encoder.hpp"
#include "tensor/error.hpp"

namespace io = upsample::io;

namespace {

io::ImageInRows rows_of(const cv::Mat& image) {
  return {image.size(), image.type(), [&image](int first, cv::Mat& rows) { image.rowRange(first, first + rows.rows).copyTo(rows); }};
}

std::vector<unsigned char> encoded(const io::ImageInRows& image, std::optional<int> level,
                                   std::span<const unsigned char> chunks = {}) {
  std::vector<unsigned char> bytes;
  io::encode_png_in_rows(image, level, chunks,
                         [&](std::span<const unsigned char> part) { bytes.insert(bytes.end(), part.begin(), part.end()); });
  return bytes;
}

}  // namespace

TEST_SUITE("png row encoder") {

TEST_CASE("a PNG encoded band by band decodes to the image, for 8 and 16 bits, grey and colour, at any level") {
  // 150 rows: two whole bands of the encoder and a short one.
  for (const int type : {CV_8UC1, CV_8UC3, CV_16UC1, CV_16UC3}) {
    cv::Mat image(150, 77, type);
    cv::randu(image, 0, CV_MAT_DEPTH(type) == CV_16U ? 65536 : 256);
    for (const std::optional<int> level : {std::optional<int>{}, std::optional<int>{0}, std::optional<int>{9}}) {
      CAPTURE(type);
      CAPTURE(level.value_or(-1));
      const std::vector<unsigned char> png = encoded(rows_of(image), level);
      const cv::Mat back = cv::imdecode(png, cv::IMREAD_UNCHANGED);
      REQUIRE(back.type() == type);
      CHECK(cv::norm(back, image, cv::NORM_INF) == 0);
    }
  }
}

TEST_CASE("the chunks it is given go after the header, before the pixels") {
  cv::Mat image(3, 4, CV_8UC3, cv::Scalar(10, 20, 30));
  // A tEXt chunk "a" = "b": length 3, type, data, CRC.
  const std::vector<unsigned char> text = {0, 0, 0, 3, 't', 'E', 'X', 't', 'a', 0, 'b', 0xDC, 0x49, 0xA2, 0x3B};
  const std::vector<unsigned char> png = encoded(rows_of(image), std::nullopt, text);
  CHECK(io::png_ancillary_chunks(png) == text);
  const size_t after_header = 8 + 25;
  REQUIRE(png.size() > after_header + text.size());
  CHECK(std::memcmp(png.data() + after_header, text.data(), text.size()) == 0);
  CHECK(cv::norm(cv::imdecode(png, cv::IMREAD_UNCHANGED), image, cv::NORM_INF) == 0);
}

TEST_CASE("the bands are made on the calling thread and sent from another, a go of rows queued between them") {
  cv::Mat image(700, 33, CV_8UC3);
  cv::randu(image, 0, 256);
  io::ImageInRows rows = rows_of(image);
  rows.rows_at_once = 300;  // queues five bands and one more
  const std::thread::id caller = std::this_thread::get_id();
  bool filled_elsewhere = false, sent_here = false;
  rows.fill = [&](int first, cv::Mat& band) {
    filled_elsewhere = filled_elsewhere || std::this_thread::get_id() != caller;
    image.rowRange(first, first + band.rows).copyTo(band);
  };
  std::vector<unsigned char> png;
  io::encode_png_in_rows(rows, std::nullopt, {}, [&](std::span<const unsigned char> part) {
    sent_here = sent_here || std::this_thread::get_id() == caller;
    png.insert(png.end(), part.begin(), part.end());
  });
  CHECK_FALSE(filled_elsewhere);
  CHECK_FALSE(sent_here);
  CHECK(cv::norm(cv::imdecode(png, cv::IMREAD_UNCHANGED), image, cv::NORM_INF) == 0);
}

TEST_CASE("what the filler or the sink throws comes back, and a type it cannot write is refused") {
  cv::Mat image(200, 50, CV_8UC1, cv::Scalar(1));
  io::ImageInRows failing = rows_of(image);
  failing.fill = [](int first, cv::Mat& rows) {
    if (first >= 64) throw upsample::Error("the filler failed at row " + std::to_string(first));
    rows.setTo(0);
  };
  CHECK_THROWS_WITH_AS(encoded(failing, std::nullopt), "the filler failed at row 64", upsample::Error);

  size_t taken = 0;
  const io::ByteSink full_disk = [&](std::span<const unsigned char> part) {
    if (taken + part.size() > 100) throw std::runtime_error("no space left");
    taken += part.size();
  };
  CHECK_THROWS_WITH_AS(io::encode_png_in_rows(rows_of(image), 0, {}, full_disk), "no space left", std::runtime_error);

  cv::Mat floats(4, 4, CV_32FC1);
  CHECK_THROWS_AS(encoded(rows_of(floats), std::nullopt), upsample::Error);
  cv::Mat four(4, 4, CV_8UC4);
  CHECK_THROWS_AS(encoded(rows_of(four), std::nullopt), upsample::Error);
}

}  // TEST_SUITE
