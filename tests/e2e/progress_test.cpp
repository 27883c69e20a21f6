// The progress bar shows only on a terminal; -q and -v change what is said on stderr.
#include <doctest/doctest.h>

#include <filesystem>

#include "cli_runner.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

TEST_SUITE("e2e") {

TEST_CASE("a progress bar with count, rate and ETA on a terminal, none in a pipe") {
  ScratchFolder dir;
  fs::create_directories(dir / "in");
  for (const char* name : {"a.png", "b.png", "c.png"}) fs::copy_file(sample("text_chart.png"), dir / "in" / name);
  // util-linux `script` gives the command a pseudo-terminal, as an interactive shell would.
  if (!fs::exists("/usr/bin/script")) {
    MESSAGE("skipped: /usr/bin/script (util-linux) not found");
    return;
  }
  const std::string command = std::string(UPSAMPLE_BINARY) + " in -o out -s 2 -m bicubic";
  const auto tty = run_cli({}, dir.path(), {}, {"/usr/bin/script", "-qec", command, "/dev/null"});
  CHECK(tty.exit_code == 0);
  CHECK(tty.out.find("3/3") != std::string::npos);
  CHECK(tty.out.find("img/s") != std::string::npos);
  CHECK(tty.out.find("ETA") != std::string::npos);

  const auto pipe = run_cli({"in", "-o", "out2", "-s", "2", "-m", "bicubic"}, dir.path());
  CHECK(pipe.exit_code == 0);
  CHECK(pipe.err.find("img/s") == std::string::npos);
  CHECK(pipe.err.find("3 written, 0 skipped, 0 failed") != std::string::npos);
}

TEST_CASE("-q keeps stderr quiet on success, -v names each file written") {
  ScratchFolder dir;
  const auto quiet = run_cli({sample("scene.png").string(), "-o", "q.png", "-q", "-m", "bicubic"}, dir.path());
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err.empty());
  const auto verbose = run_cli({sample("scene.png").string(), "-o", "v.png", "-v", "-m", "bicubic"}, dir.path());
  CHECK(verbose.exit_code == 0);
  CHECK(verbose.err.find("scene.png -> v.png") != std::string::npos);
}

}  // TEST_SUITE
