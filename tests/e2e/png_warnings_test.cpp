// libpng's warnings about a PNG's ancillary chunks (a colour profile it calls incorrect,
// a text chunk with a bad CRC) are libpng's business: OpenCV lets them reach stderr, the
// tool keeps them off it, and the pixels are the same as without those chunks.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

uint32_t chunk_crc(const std::string& type_and_data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (const char c : type_and_data) {
    crc ^= static_cast<unsigned char>(c);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

std::string u32_big_endian(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string png_chunk(const std::string& type, const std::string& data, bool good_crc = true) {
  return u32_big_endian(static_cast<uint32_t>(data.size())) + type + data +
         u32_big_endian(chunk_crc(type + data) ^ (good_crc ? 0u : 1u));
}

// `data` as a zlib stream of one stored (uncompressed) deflate block.
std::string zlib_stored(const std::string& data) {
  const auto length = static_cast<uint16_t>(data.size());
  std::string out = "\x78\x01";
  out += '\x01';
  out += {static_cast<char>(length & 0xFF), static_cast<char>(length >> 8), static_cast<char>(~length & 0xFF),
          static_cast<char>((~length >> 8) & 0xFF)};
  out += data;
  uint32_t a = 1, b = 0;
  for (const char c : data) {
    a = (a + static_cast<unsigned char>(c)) % 65521;
    b = (b + a) % 65521;
  }
  return out + u32_big_endian((b << 16) | a);
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("a PNG whose colour profile and text chunk libpng warns about loads without a word on stderr") {
  ScratchFolder dir;
  const std::string clean = read_file(sample("scene.png"));
  REQUIRE(clean.size() > 33);
  // A profile too short to be one (libpng: "iCCP: profile 'sRGB': too short"), as broken
  // profiles go, and a text chunk whose CRC is wrong ("tEXt: CRC error").
  const std::string profile(140, '\0');
  const std::string odd_chunks = png_chunk("iCCP", std::string("sRGB\0\0", 6) + zlib_stored(profile)) +
                                 png_chunk("tEXt", std::string("Comment\0hello", 13), false);
  const std::string odd = clean.substr(0, 33) + odd_chunks + clean.substr(33);  // after IHDR
  std::ofstream(dir / "odd.png", std::ios::binary) << odd;
  std::ofstream(dir / "clean.png", std::ios::binary) << clean;

  const auto r = run_cli({"odd.png", "clean.png", "-s", "2", "-m", "bicubic", "-o", "out"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("libpng") == std::string::npos);
  CHECK(r.err.find("warning") == std::string::npos);
  CHECK(r.err.find("2 written, 0 skipped, 0 failed") != std::string::npos);
  const cv::Mat from_odd = cv::imread((dir / "out/odd_bicubic_x2.png").string(), cv::IMREAD_UNCHANGED);
  const cv::Mat from_clean = cv::imread((dir / "out/clean_bicubic_x2.png").string(), cv::IMREAD_UNCHANGED);
  REQUIRE_FALSE(from_odd.empty());
  REQUIRE(from_odd.size() == from_clean.size());
  CHECK(cv::norm(from_odd, from_clean, cv::NORM_INF) == 0);
}

}  // TEST_SUITE
