// A mistyped command line gets one "error:" line that says what was probably meant.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "cli_runner.hpp"
#include "pipeline/closest_name.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

TEST_CASE("closest_name: one typo in a short name, two in a longer one, nothing for a stranger") {
  using upsample::pipeline::closest_name;
  const std::vector<std::string> methods = {"nearest", "bilinear", "bicubic", "lanczos", "fsrcnn", "espcn"};
  CHECK(closest_name("fsrcn", methods) == "fsrcnn");
  CHECK(closest_name("FSRCNN", methods) == "fsrcnn");
  CHECK(closest_name("bicbuic", methods) == "bicubic");  // a swap of neighbours is one typo
  CHECK(closest_name("lanzcos", methods) == "lanczos");
  CHECK(closest_name("edsr", methods) == std::nullopt);
  CHECK(closest_name("x", {"ab"}) == std::nullopt);
}

TEST_SUITE("e2e") {

TEST_CASE("did you mean: a method, an option, a command, and `help` is help, not a file") {
  ScratchFolder dir;
  const std::string image = sample("scene.png").string();

  const auto method = run_cli({image, "-m", "fsrcn", "-s", "2", "-o", "x.png"}, dir.path());
  CHECK(method.exit_code == 2);
  CHECK(contains(method.err, "unknown method 'fsrcn'"));
  CHECK(contains(method.err, "opencv:"));
  CHECK(contains(method.err, "Did you mean 'fsrcnn'?"));
  const auto compare = run_cli({"compare", image, "-m", "fsrcn", "-s", "2", "-o", "cmp"}, dir.path());
  CHECK(compare.exit_code == 2);
  CHECK(contains(compare.err, "Or 'all': every installed method."));
  const auto all = run_cli({image, "-m", "all", "-s", "2", "-o", "x.png"}, dir.path());
  CHECK(all.exit_code == 2);
  CHECK(contains(all.err, "upsample compare IMAGE -m all"));

  const auto option = run_cli({image, "--sacle", "2"}, dir.path());
  CHECK(option.exit_code == 2);
  CHECK(contains(option.err, "error: "));
  CHECK(contains(option.err, "Did you mean '--scale'?"));

  const auto sub_option = run_cli({"compare", image, "--metod", "bicubic"}, dir.path());
  CHECK(sub_option.exit_code == 2);
  CHECK(contains(sub_option.err, "Did you mean '--method'?"));

  const auto command = run_cli({"compar", image}, dir.path());
  CHECK(command.exit_code == 2);
  CHECK(contains(command.err, "Did you mean 'upsample compare'?"));

  const auto deblur = run_cli({"deblur", image, "-m", "wienr"}, dir.path());
  CHECK(deblur.exit_code == 2);
  CHECK(contains(deblur.err, "Did you mean 'wiener'?"));

  const auto help = run_cli({"help"}, dir.path());
  CHECK(help.exit_code == 0);
  CHECK(contains(help.out, "Usage: upsample"));
  const auto help_compare = run_cli({"help", "compare"}, dir.path());
  CHECK(help_compare.exit_code == 0);
  CHECK(contains(help_compare.out, "Usage: compare"));

  // CLI11's own checks speak in the tool's voice too.
  const auto range = run_cli({image, "--scale", "x"}, dir.path());
  CHECK(range.exit_code == 2);
  CHECK(range.err.starts_with("error: "));
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("NO_COLOR turns the coloured error label off on a terminal") {
  if (!fs::exists("/usr/bin/script")) {
    MESSAGE("skipped: /usr/bin/script (util-linux) not found");
    return;
  }
  ScratchFolder dir;
  const std::string command = std::string(UPSAMPLE_BINARY) + " -m fsrcn " + sample("scene.png").string();
  const auto coloured = run_cli({}, dir.path(), {}, {"/usr/bin/script", "-qec", command, "/dev/null"});
  CHECK(contains(coloured.out, "\x1b["));
  const auto plain = run_cli({}, dir.path(), {{"NO_COLOR", "1"}}, {"/usr/bin/script", "-qec", command, "/dev/null"});
  CHECK(contains(plain.out, "error: unknown method"));
  CHECK_FALSE(contains(plain.out, "\x1b["));
}


TEST_CASE("version: --version names the commit, the kernels, OpenCV and the weights folders") {
  ScratchFolder dir;
  const auto version = run_cli({"--version"}, dir.path(), {{"UPSAMPLE_WEIGHTS", (dir / "nowhere").string()}});
  CHECK(version.exit_code == 0);
  CHECK(contains(version.out, "upsample 0.1.0 (git "));
  CHECK(contains(version.out, "kernels: "));
  CHECK(contains(version.out, "OpenCV 4."));
  CHECK(contains(version.out, (dir / "nowhere").string() + "  (missing)"));
  CHECK(contains(version.out, (source_dir() / "weights").lexically_normal().string()));
}

TEST_CASE("UPSAMPLE_WEIGHTS naming no folder is said, not silently passed over") {
  ScratchFolder dir;
  const auto run = run_cli({sample("scene.png").string(), "-s", "2", "-o", "x.png"}, dir.path(),
                           {{"UPSAMPLE_WEIGHTS", (dir / "wieghts").string()}});
  CHECK(run.exit_code == 0);
  CHECK(contains(run.err, "UPSAMPLE_WEIGHTS=" + (dir / "wieghts").string() + " is not a folder"));
}

TEST_CASE("-v names the weights file that ran") {
  ScratchFolder dir;
  const auto run = run_cli({sample("scene.png").string(), "-s", "2", "-m", "espcn", "-o", "x.png", "-v"}, dir.path());
  CHECK(run.exit_code == 0);
  CHECK(contains(run.err, "espcn x2: weights " + (source_dir() / "weights" / "espcn_x2.safetensors").lexically_normal().string()));
}


TEST_CASE("tile: --tile below 32 is refused with the reason, 0 and 32 are taken") {
  ScratchFolder dir;
  const std::string image = sample("scene.png").string();
  const auto small = run_cli({image, "-s", "2", "--tile", "5", "-o", "a.png"}, dir.path());
  CHECK(small.exit_code == 2);
  CHECK(contains(small.err, "--tile: 5 is too small: use 0 (automatic) or at least 32"));
  CHECK_FALSE(fs::exists(dir / "a.png"));
  CHECK(run_cli({image, "-s", "2", "--tile", "32", "-o", "b.png", "-m", "espcn"}, dir.path()).exit_code == 0);
  CHECK(run_cli({"deblur", image, "--tile", "8", "-o", "c.png"}, dir.path()).exit_code == 2);
}

}  // TEST_SUITE
