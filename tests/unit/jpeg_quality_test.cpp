#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "imaging/jpeg_quality.hpp"
#include "tensor/error.hpp"

using upsample::Error;
namespace im = upsample::imaging;

namespace {

using Bytes = std::vector<uint8_t>;

// Smooth gradients with a few shapes: something with both flat areas and edges.
cv::Mat test_picture(int channels) {
  cv::Mat bgr(48, 64, CV_8UC3);
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x) bgr.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(4 * x), uchar(5 * y), uchar(2 * (x + y)));
  cv::circle(bgr, {20, 24}, 12, cv::Scalar(30, 200, 90), cv::FILLED);
  cv::rectangle(bgr, {40, 8}, {58, 40}, cv::Scalar(240, 20, 160), cv::FILLED);
  if (channels == 3) return bgr;
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  return grey;
}

Bytes encode(const cv::Mat& image, const std::string& extension, const std::vector<int>& parameters = {}) {
  Bytes bytes;
  REQUIRE(cv::imencode(extension, image, bytes, parameters));
  return bytes;
}

Bytes jpeg(int channels, int quality) {
  return encode(test_picture(channels), ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality});
}

std::optional<im::JpegQualityEstimate> quality_of(const Bytes& bytes) {
  const auto tables = im::read_jpeg_quant_tables(bytes);
  return tables ? im::estimate_jpeg_quality(*tables) : std::nullopt;
}

// Where the first SOS marker starts: everything before it is the header.
std::size_t start_of_scan(const Bytes& bytes) {
  for (std::size_t i = 2; i + 1 < bytes.size(); ++i)
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xDA) return i;
  FAIL("no SOS marker");
  return 0;
}

// The parser's only ways out on bad data: a result or an Error (a crash or an
// out-of-bounds read would show under the sanitizers).
bool parses_or_refuses(const Bytes& bytes) {
  try {
    (void)quality_of(bytes);
    return true;
  } catch (const Error&) {
    return true;
  } catch (...) {
    return false;
  }
}

// A JPEG header by hand: SOI, then `segments` as (marker, payload), then SOS.
Bytes header(const std::vector<std::pair<uint8_t, Bytes>>& segments) {
  Bytes bytes = {0xFF, 0xD8};
  for (const auto& [marker, payload] : segments) {
    const std::size_t length = payload.size() + 2;
    bytes.insert(bytes.end(), {0xFF, marker, uint8_t(length >> 8), uint8_t(length & 0xFF)});
    bytes.insert(bytes.end(), payload.begin(), payload.end());
  }
  bytes.insert(bytes.end(), {0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00});
  return bytes;
}

// Annex K luma and chroma tables, written out in zig-zag order as a DQT holds them.
const Bytes kStandardLumaZigZag = {
    16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18,  17,  16,  19,  24,  40,  26,  24,  22,  22,  24, 49,
    35, 37, 29, 40, 58, 51, 61, 60, 57, 51, 56,  55,  64,  72,  92,  78,  64,  68,  87,  69,  55, 56,
    80, 109, 81, 87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99};
const Bytes kStandardChromaZigZag = {
    17, 18, 18, 24, 21, 24, 47, 26, 26, 47, 99, 66, 56, 66, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

// A DQT table entry list: Pq/Tq, then the entries (8-bit, or 16-bit big-endian).
Bytes dqt_table(int slot, const Bytes& zigzag, bool sixteen_bit = false) {
  Bytes table = {uint8_t((sixteen_bit ? 0x10 : 0x00) | slot)};
  for (const uint8_t entry : zigzag) {
    if (sixteen_bit) table.push_back(0);
    table.push_back(entry);
  }
  return table;
}

Bytes concatenated(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_SUITE("jpeg quality") {

TEST_CASE("files libjpeg wrote give back their quality exactly, grey and colour") {
  for (const int channels : {1, 3})
    for (const int quality : {10, 30, 50, 75, 90, 95, 100}) {
      CAPTURE(channels);
      CAPTURE(quality);
      const auto estimate = quality_of(jpeg(channels, quality));
      REQUIRE(estimate);
      CHECK(estimate->quality == quality);
      CHECK(estimate->mean_abs_error == 0);
      CHECK(estimate->is_exact_ijg());
    }
}

TEST_CASE("every quality from 1 to 100 is told apart") {
  for (int quality = 1; quality <= 100; ++quality) {
    CAPTURE(quality);
    const auto estimate = quality_of(jpeg(3, quality));
    REQUIRE(estimate);
    CHECK(estimate->quality == quality);
    CHECK(estimate->is_exact_ijg());
  }
}

TEST_CASE("a greyscale file has one table and a colour file a luma and a chroma table") {
  const auto grey = im::read_jpeg_quant_tables(jpeg(1, 75));
  REQUIRE(grey);
  CHECK(grey->luma_slot == 0);
  CHECK_FALSE(grey->chroma_slot);
  const auto colour = im::read_jpeg_quant_tables(jpeg(3, 75));
  REQUIRE(colour);
  CHECK(colour->luma_slot == 0);
  REQUIRE(colour->chroma_slot);
  CHECK(*colour->chroma_slot == 1);
}

TEST_CASE("tables are stored in zig-zag order and read back in natural order") {
  // At quality 50 libjpeg's scale is 100 %, so the tables are Annex K's as they stand.
  const auto tables = im::read_jpeg_quant_tables(jpeg(3, 50));
  REQUIRE(tables);
  const im::JpegQuantTable& luma = *tables->slots[0];
  CHECK(luma[0] == 16);
  CHECK(luma[1] == 11);   // first row: 16 11 10 16 24 40 51 61
  CHECK(luma[7] == 61);
  CHECK(luma[8] == 12);   // first column: 16 12 14 14 18 24 49 72
  CHECK(luma[56] == 72);
  CHECK(luma[63] == 99);
}

TEST_CASE("hand-built headers with 8- and 16-bit tables and two tables in one DQT") {
  SUBCASE("Annex K luma alone is quality 50") {
    const auto estimate = quality_of(header({{0xDB, dqt_table(0, kStandardLumaZigZag)}}));
    REQUIRE(estimate);
    CHECK(estimate->quality == 50);
    CHECK(estimate->is_exact_ijg());
  }
  SUBCASE("the same with 16-bit precision") {
    const auto estimate = quality_of(header({{0xDB, dqt_table(0, kStandardLumaZigZag, true)}}));
    REQUIRE(estimate);
    CHECK(estimate->quality == 50);
    CHECK(estimate->is_exact_ijg());
  }
  SUBCASE("luma and chroma in one segment") {
    const Bytes both = concatenated(dqt_table(0, kStandardLumaZigZag), dqt_table(1, kStandardChromaZigZag));
    const auto tables = im::read_jpeg_quant_tables(header({{0xDB, both}}));
    REQUIRE(tables);
    REQUIRE(tables->chroma_slot);
    const auto estimate = im::estimate_jpeg_quality(*tables);
    REQUIRE(estimate);
    CHECK(estimate->quality == 50);
    CHECK(estimate->is_exact_ijg());
  }
  SUBCASE("all ones is quality 100") {
    const auto estimate = quality_of(header({{0xDB, dqt_table(0, Bytes(64, 1))}}));
    REQUIRE(estimate);
    CHECK(estimate->quality == 100);
    CHECK(estimate->is_exact_ijg());
  }
  SUBCASE("no DQT at all (lossless JPEG) has no quality") {
    CHECK_FALSE(im::read_jpeg_quant_tables(header({{0xE0, Bytes{'J', 'F', 'I', 'F', 0}}})));
  }
}

TEST_CASE("a table that is not IJG's gets the nearest quality and a misfit") {
  Bytes off_by_one = kStandardLumaZigZag;
  off_by_one[20] += 1;
  const auto near_fifty = quality_of(header({{0xDB, dqt_table(0, off_by_one)}}));
  REQUIRE(near_fifty);
  CHECK(near_fifty->quality == 50);
  CHECK(near_fifty->mean_abs_error == doctest::Approx(1.0 / 64.0));
  CHECK_FALSE(near_fifty->is_exact_ijg());

  const auto flat = quality_of(header({{0xDB, dqt_table(0, Bytes(64, 3))}}));
  REQUIRE(flat);
  CHECK(flat->quality >= 1);
  CHECK(flat->quality <= 100);
  CHECK(flat->mean_abs_error > 0);
}

TEST_CASE("fill bytes and standalone markers between segments are skipped") {
  const Bytes original = jpeg(3, 75);
  Bytes padded = {0xFF, 0xD8, 0xFF, 0xFF, 0xFF, 0xD0, 0xFF, 0x01};  // SOI, RST0 after fill, TEM
  padded.insert(padded.end(), original.begin() + 2, original.end());
  const auto estimate = quality_of(padded);
  REQUIRE(estimate);
  CHECK(estimate->quality == 75);
}

TEST_CASE("PNG, empty and non-image data have no JPEG quality") {
  CHECK_FALSE(im::read_jpeg_quant_tables(encode(test_picture(3), ".png")));
  CHECK_FALSE(im::read_jpeg_quant_tables(Bytes{}));
  CHECK_FALSE(im::read_jpeg_quant_tables(Bytes{0xFF}));
  CHECK_FALSE(im::read_jpeg_quant_tables(Bytes{'h', 'e', 'l', 'l', 'o'}));
}

TEST_CASE("every truncation of a header before its first scan is refused with an Error") {
  const Bytes full = jpeg(3, 90);
  const std::size_t header_end = start_of_scan(full);
  for (std::size_t length = 2; length < header_end; ++length) {
    CAPTURE(length);
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(length));
    CHECK_THROWS_AS(im::read_jpeg_quant_tables(cut), Error);
  }
  CHECK(quality_of(Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(header_end) + 2)));
}

TEST_CASE("malformed segments are refused with an Error") {
  CHECK_THROWS_AS(im::read_jpeg_quant_tables(header({{0xDB, dqt_table(4, kStandardLumaZigZag)}})), Error);
  CHECK_THROWS_AS(im::read_jpeg_quant_tables(header({{0xDB, Bytes{0x20, 1, 2, 3}}})), Error);
  CHECK_THROWS_AS(im::read_jpeg_quant_tables(header({{0xDB, Bytes(40, 0)}})), Error);  // ends inside the table
  CHECK_THROWS_AS(im::read_jpeg_quant_tables(header({{0xC0, Bytes{8, 0, 16, 0, 16, 3, 1}}})), Error);  // 3 components, none given
  CHECK_THROWS_AS(im::read_jpeg_quant_tables(Bytes{0xFF, 0xD8, 0x12, 0x34}), Error);  // no marker
  CHECK_THROWS_AS(im::read_jpeg_quant_tables(Bytes{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01}), Error);  // length below 2
  CHECK_THROWS_AS(im::read_jpeg_quant_tables(Bytes{0xFF, 0xD8, 0xFF, 0xD8}), Error);  // a second SOI
}

TEST_CASE("random bytes after SOI and random damage to a header never crash") {
  cv::RNG rng(20240611);
  for (int trial = 0; trial < 2000; ++trial) {
    Bytes garbage = {0xFF, 0xD8};
    const int size = rng.uniform(0, 300);
    for (int i = 0; i < size; ++i) garbage.push_back(uint8_t(rng.uniform(0, 256)));
    if (trial % 2 == 1 && garbage.size() > 2) garbage[2] = 0xFF;  // half start like a marker
    CHECK(parses_or_refuses(garbage));
  }
  const Bytes original = jpeg(3, 80);
  const std::size_t header_end = start_of_scan(original);
  for (int trial = 0; trial < 2000; ++trial) {
    Bytes damaged = original;
    for (int hits = rng.uniform(1, 4); hits > 0; --hits)
      damaged[static_cast<std::size_t>(rng.uniform(2, static_cast<int>(header_end)))] = uint8_t(rng.uniform(0, 256));
    CHECK(parses_or_refuses(damaged));
  }
}

TEST_CASE("quality of a file on disk, and refusals for what is not a readable file") {
  const upsample::testing::ScratchFolder folder;
  const Bytes bytes = jpeg(3, 85);
  std::ofstream(folder / "photo.jpg", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  const auto estimate = im::jpeg_quality_of_file(folder / "photo.jpg");
  REQUIRE(estimate);
  CHECK(estimate->quality == 85);

  const Bytes png = encode(test_picture(3), ".png");
  std::ofstream(folder / "picture.png", std::ios::binary)
      .write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
  CHECK_FALSE(im::jpeg_quality_of_file(folder / "picture.png"));

  CHECK_THROWS_AS(im::jpeg_quality_of_file(folder.path()), Error);
  CHECK_THROWS_AS(im::jpeg_quality_of_file(folder / "missing.jpg"), Error);
}

TEST_CASE("a header longer than the read limit is read as far as it goes") {
  // Five maximal APP segments (metadata) after the tables push the first scan past the
  // limit; the tables before it still count.
  const Bytes original = jpeg(1, 60);
  const std::size_t header_end = start_of_scan(original);
  Bytes big(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(header_end));
  for (int i = 0; i < 5; ++i) {
    big.insert(big.end(), {0xFF, 0xE1, 0xFF, 0xFF});
    big.insert(big.end(), 0xFFFF - 2, uint8_t(i));
  }
  big.insert(big.end(), original.begin() + static_cast<std::ptrdiff_t>(header_end), original.end());
  const upsample::testing::ScratchFolder folder;
  std::ofstream(folder / "big.jpg", std::ios::binary)
      .write(reinterpret_cast<const char*>(big.data()), static_cast<std::streamsize>(big.size()));
  const auto estimate = im::jpeg_quality_of_file(folder / "big.jpg");
  REQUIRE(estimate);
  CHECK(estimate->quality == 60);
}

}  // TEST_SUITE
