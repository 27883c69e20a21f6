// End-to-end tests of the memory limit (#26 item 8): an image whose upscale would need
// more memory than --max-memory (by default 3/4 of the machine's) fails before it is
// decoded, naming the file, the estimate and the limit; the rest of the batch runs.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "imaging/matlab_imresize.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

// A PNG that declares 32000 x 32000 RGBA (4 GB decoded) in its header and holds no pixels.
void write_huge_png_header(const fs::path& path) {
  const std::string ihdr = std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x7d\0\0\0\x7d\0\x08\x06\0\0\0", 29) + "CRC!";
  const std::string iend("\0\0\0\0IEND\xae\x42\x60\x82", 12);
  std::ofstream(path, std::ios::binary) << ihdr << iend;
}

}  // namespace

TEST_SUITE("memory limit") {

TEST_CASE("an image over --max-memory fails before decoding, naming the estimate and the limit, and the others are written") {
  ScratchFolder dir;
  fs::copy_file(sample("scene.png"), dir / "scene.png");
  write_huge_png_header(dir / "huge.png");
  const auto start = std::chrono::steady_clock::now();
  const CliResult r = run_cli({"huge.png", "scene.png", "-m", "bicubic", "-s", "16", "-o", "out"}, dir.path());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("huge.png: needs about") != std::string::npos);
  CHECK(r.err.find("for 32000x32000 x16, over the limit of") != std::string::npos);
  CHECK(r.err.find("3/4 of this machine's memory") != std::string::npos);
  CHECK(files_below(dir / "out") == std::vector<std::string>{"scene_bicubic_x16.png"});
  CHECK(seconds < 30);  // refused from the header: the 4 GB are never allocated

  const CliResult limited = run_cli({"scene.png", "-m", "fsrcnn", "-s", "2", "-o", "small", "--max-memory", "50M"}, dir.path());
  CHECK(limited.exit_code == 1);
  CHECK(limited.err.find("scene.png: needs about") != std::string::npos);
  CHECK(limited.err.find("over the limit of 50 MB (--max-memory)") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "small" / "scene_fsrcnn_x2.png"));

  CHECK(run_cli({"scene.png", "-m", "bicubic", "-s", "2", "-o", "any", "--max-memory", "0"}, dir.path()).exit_code == 0);
  const CliResult bad = run_cli({"scene.png", "-o", "x", "--max-memory", "lots"}, dir.path());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("'lots' is not a size") != std::string::npos);
}

TEST_CASE("bicubic writes its PNG band by band: the result is never whole in memory, and equals the whole upscale") {
  ScratchFolder dir;
  // Noise, so that neither image compresses to nothing: a 1200x900 input, 52 MB of result.
  cv::Mat image(900, 1200, CV_8UC3);
  cv::randu(image, 0, 256);
  cv::GaussianBlur(image, image, cv::Size(3, 3), 0);
  REQUIRE(cv::imwrite((dir / "big.png").string(), image));
  const CliResult small = run_cli({"big.png", "-m", "bicubic", "-s", "1", "-o", "one"}, dir.path());
  const CliResult big = run_cli({"big.png", "-m", "bicubic", "-s", "4", "-o", "four"}, dir.path());
  REQUIRE(small.exit_code == 0);
  REQUIRE(big.exit_code == 0);
  const cv::Mat written = cv::imread((dir / "four" / "big_bicubic_x4.png").string(), cv::IMREAD_UNCHANGED);
  CHECK(cv::norm(written, upsample::imaging::matlab_upscale(image, 4, CV_8U), cv::NORM_INF) == 0);
  // Held whole, the result alone would add 52 MB to what the same image takes at x1.
  // ASan's shadow and quarantine make resident memory say nothing about the program's.
  const std::uint64_t result_bytes = written.total() * written.elemSize();
  CAPTURE(small.peak_rss_bytes);
  CAPTURE(big.peak_rss_bytes);
  if (!upsample::testing::kSanitizedBuild) CHECK(big.peak_rss_bytes < small.peak_rss_bytes + result_bytes / 3);
}

}  // TEST_SUITE
