// End-to-end tests of the memory limit (#26 item 8): an image whose upscale would need
// more memory than --max-memory (by default 3/4 of the machine's) fails before it is
// decoded, naming the file, the estimate and the limit; the rest of the batch runs.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>

#include "cli_runner.hpp"

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

}  // TEST_SUITE
