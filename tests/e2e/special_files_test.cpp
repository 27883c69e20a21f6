// End-to-end tests of inputs that are not plain files and folders: FIFOs, devices and
// symlinked folders. Each run has a time limit, so a hang fails the test instead of the suite.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <chrono>

#include "cli_runner.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

constexpr std::chrono::seconds kSpecialFileTimeLimit{30};

void make_fifo_at(const fs::path& path) { REQUIRE(::mkfifo(path.c_str(), 0600) == 0); }

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("a FIFO or a device named as input fails at once, the rest of the batch is done, exit 1") {
  ScratchFolder dir;
  make_fifo_at(dir / "pipe.png");
  fs::copy_file(sample("scene.png"), dir / "scene.png");
  const auto r = run_cli({"-m", "bicubic", "pipe.png", "scene.png", "/dev/zero", "-o", "out", "-j", "2"}, dir.path(),
                         {}, {}, kSpecialFileTimeLimit);
  INFO(r.err);
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "pipe.png: not a regular file (a FIFO)"));
  CHECK(contains(r.err, "/dev/zero: not a regular file (a character device)"));
  CHECK(files_below(dir / "out") == std::vector<std::string>{"scene_bicubic_x2.png"});
}

TEST_CASE("a FIFO in an input folder is skipped with a note") {
  ScratchFolder dir;
  fs::create_directory(dir / "in");
  make_fifo_at(dir / "in/pipe.png");
  fs::copy_file(sample("scene.png"), dir / "in/scene.png");
  const auto r = run_cli({"-m", "bicubic", "in", "-o", "out", "-j", "2"}, dir.path(), {}, {}, kSpecialFileTimeLimit);
  INFO(r.err);
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "in/pipe.png: skipped, not a regular file (a FIFO)"));
  CHECK(files_below(dir / "out") == std::vector<std::string>{"scene_bicubic_x2.png"});
}

TEST_CASE("a FIFO as the model file (-m) is a usage error naming it") {
  ScratchFolder dir;
  make_fifo_at(dir / "model.safetensors");
  const auto r = run_cli({"-m", "./model.safetensors", "-s", "2", sample("scene.png").string(), "-o", "out"},
                         dir.path(), {}, {}, kSpecialFileTimeLimit);
  INFO(r.err);
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "model.safetensors: not a regular file (a FIFO)"));
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("-r walks a folder reached through symlink loops once, naming the links it skips") {
  ScratchFolder dir;
  fs::create_directories(dir / "tree/a");
  fs::copy_file(sample("scene.png"), dir / "tree/a/scene.png");
  fs::create_directory_symlink("..", dir / "tree/a/up");      // back to the top
  fs::create_directory_symlink("../a", dir / "tree/a/self");  // to itself
  // Without the check the plan grows exponentially: the dry run and the limit keep that small.
  const auto r = run_cli({"-m", "bicubic", "tree", "-r", "-o", "out", "--dry-run"}, dir.path(), {}, {},
                         std::chrono::seconds(10));
  INFO(r.err);
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "tree/a/scene.png -> out/a/scene_bicubic_x2.png\n");
  CHECK(contains(r.err, "tree/a/up: skipped, a symlink to .., a folder already walked"));
  CHECK(contains(r.err, "tree/a/self: skipped, a symlink to ../a, a folder already walked"));
}

TEST_CASE("-r with one symlink loop processes each image once") {
  ScratchFolder dir;
  fs::create_directories(dir / "tree/a");
  fs::copy_file(sample("scene.png"), dir / "tree/a/scene.png");
  fs::create_directory_symlink("..", dir / "tree/a/loop");
  const auto r = run_cli({"-m", "bicubic", "tree", "-r", "-o", "out", "-j", "2"}, dir.path(), {}, {},
                         kSpecialFileTimeLimit);
  INFO(r.err);
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK(files_below(dir / "out") == std::vector<std::string>{"a/scene_bicubic_x2.png"});
  CHECK(contains(r.err, "tree/a/loop: skipped, a symlink to .., a folder already walked"));
}

}  // TEST_SUITE
