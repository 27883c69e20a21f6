// End-to-end tests of odd inputs (#26): an image too small for the evaluation protocol,
// and file names with control characters in the batch's error lines.
#include <doctest/doctest.h>

#include <fstream>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

void write_random_png(const fs::path& path, int edge) {
  cv::Mat image(edge, edge, CV_8UC3);
  cv::randu(image, 0, 256);
  REQUIRE(cv::imwrite(path.string(), image));
}

size_t lines_containing(const std::string& text, const std::string& part) {
  size_t n = 0, start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (text.substr(start, end - start).find(part) != std::string::npos) ++n;
    start = end + 1;
  }
  return n;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("eval skips an image too small for the scale with one warning naming it, and scores the rest") {
  ScratchFolder dir;
  fs::create_directories(dir / "set");
  write_random_png(dir / "set/normal.png", 64);
  write_random_png(dir / "set/tiny.png", 1);
  const auto r = run_cli({"eval", "--data", (dir / "set").string(), "-s", "2", "-m", "bicubic"}, dir.path());
  INFO(r.err);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(lines_containing(r.err, "tiny.png") == 1);
  CHECK(contains(r.err, "warning: "));
  CHECK(contains(r.err, "too small for ×2: 1×1"));
  CHECK(contains(r.out, "average"));
}

TEST_CASE("eval fails naming the folder when every image is too small for the scale") {
  ScratchFolder dir;
  fs::create_directories(dir / "set");
  write_random_png(dir / "set/tiny.png", 1);
  const auto r = run_cli({"eval", "--data", (dir / "set").string(), "-s", "2", "-m", "bicubic"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("error: " + (dir / "set").string() + ": ", 0) == 0);  // one line, naming the folder
  CHECK(lines_containing(r.err, "") == 1);
  CHECK(contains(r.err, "too small"));
  CHECK_FALSE(contains(r.out, "average"));
}

TEST_CASE("a file name with a newline and an ESC byte is shown escaped and quoted in one error line") {
  ScratchFolder dir;
  fs::create_directories(dir / "in");
  {
    std::ofstream out(dir / "in/bad\nna\x1bme.png", std::ios::binary);
    out << "not an image";
  }
  const auto r = run_cli({"in", "-s", "2", "-m", "nearest", "-o", "out"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(lines_containing(r.err, "bad") == 1);
  CHECK(lines_containing(r.err, "error: \"in/bad\\nna\\x1bme.png\": ") == 1);
  CHECK_FALSE(contains(r.err, "\x1b"));
  CHECK_FALSE(contains(r.err, "\n\n"));
}

}  // TEST_SUITE
