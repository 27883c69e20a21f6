// End-to-end tests of the main job: the built binary on samples and scratch folders.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "io/atomic_file.hpp"
#include "io/image_io.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

bool has_temp_files(const fs::path& root) {
  for (const auto& f : files_below(root))
    if (f.find(".tmp-") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("one file to a named output, the output path on stdout") {
  ScratchFolder dir;
  const auto r = run_cli({"-m", "bicubic", sample("scene.png").string(), "-s", "2", "-o", "big.png"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "big.png\n");
  const cv::Mat in = cv::imread(sample("scene.png").string(), cv::IMREAD_UNCHANGED);
  const cv::Mat out = cv::imread((dir / "big.png").string(), cv::IMREAD_UNCHANGED);
  CHECK(out.cols == 2 * in.cols);
  CHECK(out.rows == 2 * in.rows);
  CHECK(out.type() == in.type());
  CHECK(files_below(dir.path()) == std::vector<std::string>{"big.png"});
}

TEST_CASE("a folder with a corrupt image, a text file and an empty file: the rest is done, exit 1") {
  ScratchFolder dir;
  fs::create_directory(dir / "in");
  fs::copy_file(sample("scene.png"), dir / "in/scene.png");
  fs::copy_file(sample("text_chart.png"), dir / "in/chart.png");
  const std::string png = read_file(sample("zone_plate.png"));
  write_text(dir / "in/corrupt.png", png.substr(0, png.size() / 3));
  write_text(dir / "in/readme.txt", "not an image\n");
  write_text(dir / "in/empty.png", "");

  const auto r = run_cli({"in", "-s", "3", "-m", "bilinear", "-o", "out"}, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(files_below(dir / "out") == std::vector<std::string>{"chart_bilinear_x3.png", "scene_bilinear_x3.png"});
  CHECK(r.err.find("in/corrupt.png: truncated") != std::string::npos);
  CHECK(r.err.find("in/empty.png: the file is empty") != std::string::npos);
  CHECK(r.err.find("in/readme.txt: skipped, not an image") != std::string::npos);
  CHECK(r.err.find("2 written, 0 skipped, 2 failed") != std::string::npos);
  CHECK(files_below(dir / "in").size() == 5);  // inputs untouched
}

TEST_CASE("16-bit PNG stays 16-bit, RGBA keeps its alpha, grey JPEG stays grey") {
  ScratchFolder dir;
  cv::Mat grey;
  cv::cvtColor(cv::imread(sample("scene.png").string()), grey, cv::COLOR_BGR2GRAY);
  cv::imwrite((dir / "grey.jpg").string(), grey);
  const auto r = run_cli({"-m", "bicubic", sample("gradient_16bit.png").string(), sample("logo_rgba.png").string(), "grey.jpg", "-s", "2",
                          "-o", "out"},
                         dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const cv::Mat g16 = cv::imread((dir / "out/gradient_16bit_bicubic_x2.png").string(), cv::IMREAD_UNCHANGED);
  CHECK(g16.depth() == CV_16U);
  CHECK(g16.channels() == 3);
  const cv::Mat rgba = cv::imread((dir / "out/logo_rgba_bicubic_x2.png").string(), cv::IMREAD_UNCHANGED);
  REQUIRE(rgba.channels() == 4);
  CHECK(rgba.at<cv::Vec4b>(0, 0)[3] == 0);                             // transparent corner stays transparent
  CHECK(rgba.at<cv::Vec4b>(rgba.rows / 2 + 60, rgba.cols / 2)[3] == 255); // opaque disc stays opaque
  const cv::Mat g = cv::imread((dir / "out/grey_bicubic_x2.jpg").string(), cv::IMREAD_UNCHANGED);
  CHECK(g.channels() == 1);
  CHECK(g.cols == 2 * grey.cols);
}

TEST_CASE("the default method is our FSRCNN, named in the output") {
  ScratchFolder dir;
  const auto r = run_cli({sample("scene.png").string(), "-s", "2", "-o", "."}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(files_below(dir.path()) == std::vector<std::string>{"scene_fsrcnn_x2.png"});
  const cv::Mat in = cv::imread(sample("scene.png").string(), cv::IMREAD_UNCHANGED);
  CHECK(cv::imread((dir / "scene_fsrcnn_x2.png").string(), cv::IMREAD_UNCHANGED).cols == 2 * in.cols);
}

TEST_CASE("fsrcnn+ runs the self-ensemble: close to fsrcnn, not the same") {
  ScratchFolder dir;
  // A corner of the sample: eight runs of the network cost by the pixel.
  const cv::Mat scene = cv::imread(sample("scene.png").string(), cv::IMREAD_UNCHANGED);
  REQUIRE(cv::imwrite((dir / "scene.png").string(), scene(cv::Rect(64, 32, 96, 72))));
  for (const char* method : {"fsrcnn", "fsrcnn+"}) {
    const auto r = run_cli({"scene.png", "-s", "2", "-m", method, "-o", "."}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  const cv::Mat plain = cv::imread((dir / "scene_fsrcnn_x2.png").string(), cv::IMREAD_UNCHANGED);
  const cv::Mat ensemble = cv::imread((dir / "scene_fsrcnn+_x2.png").string(), cv::IMREAD_UNCHANGED);
  REQUIRE(ensemble.size() == plain.size());
  CHECK(cv::norm(plain, ensemble, cv::NORM_INF) > 0);
  CHECK(cv::PSNR(plain, ensemble) > 35.0);  // the same model, averaged over orientations
  const auto bad = run_cli({sample("scene.png").string(), "-s", "2", "-m", "bicubic+", "-o", "."}, dir.path());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("for learned methods") != std::string::npos);
}

TEST_CASE("an existing output is kept unless --overwrite, --skip-existing resumes") {
  ScratchFolder dir;
  write_text(dir / "scene_nearest_x2.png", "precious");
  const std::vector<std::string> base = {sample("scene.png").string(), "-s", "2", "-m", "nearest", "-o", "."};

  auto r = run_cli(base, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("already exists") != std::string::npos);
  CHECK(read_file(dir / "scene_nearest_x2.png") == "precious");

  auto args = base;
  args.push_back("--skip-existing");
  r = run_cli(args, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(read_file(dir / "scene_nearest_x2.png") == "precious");

  args = base;
  args.push_back("--overwrite");
  r = run_cli(args, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(cv::imread((dir / "scene_nearest_x2.png").string()).cols == 512);
  CHECK(files_below(dir.path()).size() == 1);
}

TEST_CASE("an input is never overwritten, even with --overwrite") {
  ScratchFolder dir;
  fs::copy_file(sample("scene.png"), dir / "scene.png");
  const std::string before = read_file(dir / "scene.png");
  const auto r = run_cli({"-m", "bicubic", "scene.png", "--name", "{stem}.{ext}", "--overwrite"}, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("refusing to write over the input") != std::string::npos);
  CHECK(read_file(dir / "scene.png") == before);
}

TEST_CASE("two inputs that map to one output name: the second is an error, not an overwrite") {
  ScratchFolder dir;
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  fs::copy_file(sample("scene.png"), dir / "a/x.png");
  fs::copy_file(sample("text_chart.png"), dir / "b/x.png");
  const auto r = run_cli({"-m", "bicubic", "a/x.png", "b/x.png", "-o", "out", "--json"}, dir.path());
  CHECK(r.exit_code == 1);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["files"][0]["status"] == "written");
  CHECK(doc["files"][1]["status"] == "failed");
  CHECK(doc["files"][1]["error"].get<std::string>().find("is already the output of a/x.png") != std::string::npos);
  CHECK(cv::imread((dir / "out/x_bicubic_x2.png").string()).cols == 512);  // the scene's, not the chart's
}

TEST_CASE("--dry-run prints the plan and writes nothing") {
  ScratchFolder dir;
  const auto r = run_cli({"-m", "bicubic", sample("scene.png").string(), sample("zone_plate.png").string(), "-s", "4", "-o", "out", "--dry-run"},
                         dir.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("-> out/scene_bicubic_x4.png") != std::string::npos);
  CHECK(r.out.find("-> out/zone_plate_bicubic_x4.png") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("--json summary parses back with every field") {
  ScratchFolder dir;
  write_text(dir / "bad.png", "garbage");
  const auto r = run_cli({sample("text_chart.png").string(), "bad.png", "-s", "2", "-m", "lanczos", "-o", "out", "--json", "-q"},
                         dir.path());
  CHECK(r.exit_code == 1);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["method"] == "lanczos");
  CHECK(doc["scale"] == 2);
  CHECK(doc["summary"]["written"] == 1);
  CHECK(doc["summary"]["failed"] == 1);
  const auto& ok = doc["files"][0];
  CHECK(ok["status"] == "written");
  CHECK(ok["output"] == "out/text_chart_lanczos_x2.png");
  CHECK(ok["error"].is_null());
  CHECK(ok["input_size"] == nlohmann::json::array({320, 200}));
  CHECK(ok["output_size"] == nlohmann::json::array({640, 400}));
  CHECK(ok["input_bytes"].get<long>() == static_cast<long>(fs::file_size(sample("text_chart.png"))));
  CHECK(ok["output_bytes"].get<long>() == static_cast<long>(fs::file_size(dir / "out/text_chart_lanczos_x2.png")));
  CHECK(ok["seconds"].get<double>() >= 0.0);
  CHECK(doc["files"][1]["error"].get<std::string>().find("bad.png") != std::string::npos);
}

TEST_CASE("paths with spaces and non-ASCII characters") {
  ScratchFolder dir;
  const fs::path folder = dir / "my photos ünïcødé 画像";
  fs::create_directory(folder);
  fs::copy_file(sample("scene.png"), folder / "été à la plage.png");
  const auto r = run_cli({"-m", "bicubic", "my photos ünïcødé 画像", "-s", "2", "-o", "sortie ✓"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(dir / "sortie ✓" / "été à la plage_bicubic_x2.png"));
}

TEST_CASE("an output name of 255 bytes, the longest a folder takes, is written") {
  ScratchFolder dir;
  // Two-byte characters, so the temporary name is cut where a character could be split.
  std::string stem;
  for (int i = 0; i < 124; ++i) stem += "é";
  const std::string name = stem + "xyz.png";  // 248 + 7 = 255 bytes
  REQUIRE(name.size() == 255);
  const auto r = run_cli({"-m", "nearest", sample("scene.png").string(), "-s", "2", "-o", name}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(dir / name));
  for (const auto& entry : fs::directory_iterator(dir.path())) CHECK(entry.path().filename() == name);
}

TEST_CASE("an input folder without images is said, and a batch with no image at all fails") {
  ScratchFolder dir;
  fs::create_directories(dir / "empty" / "sub");
  fs::create_directories(dir / "full");
  fs::copy_file(sample("scene.png"), dir / "full" / "a.png");
  const auto nothing = run_cli({"-m", "nearest", "empty", "-s", "2", "-o", "out"}, dir.path());
  CHECK(nothing.exit_code == 1);
  CHECK(contains(nothing.err, "empty: no image files in it (its sub-folders are walked with -r)"));
  CHECK(contains(nothing.err, "no image files found in the inputs given"));
  const auto some = run_cli({"-m", "nearest", "empty", "full", "-s", "2", "-o", "out"}, dir.path());
  CHECK(some.exit_code == 0);
  CHECK(contains(some.err, "warning: empty: no image files in it"));
  const auto mistyped = run_cli({"-m", "nearest", "ful", "-s", "2", "-o", "out"}, dir.path());
  CHECK(mistyped.exit_code == 1);
  CHECK(contains(mistyped.err, "ful: no such file or folder"));
  CHECK(fs::exists(dir / "out" / "a_nearest_x2.png"));
}

TEST_CASE("--dry-run --json says null for what is not measured before an image is read, never 0") {
  ScratchFolder dir;
  const auto r = run_cli({"-m", "nearest", sample("scene.png").string(), "-o", "out", "--dry-run", "--json"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto file = nlohmann::json::parse(r.out)["files"][0];
  CHECK(file["status"] == "planned");
  for (const char* field : {"input_bytes", "output_bytes", "input_size", "output_size"}) {
    CAPTURE(field);
    CHECK(file[field].is_null());
  }
}

TEST_CASE("-r mirrors sub-folders, without -r they are skipped with a note") {
  ScratchFolder dir;
  fs::create_directories(dir / "in/sub/deeper");
  fs::copy_file(sample("scene.png"), dir / "in/top.png");
  fs::copy_file(sample("text_chart.png"), dir / "in/sub/deeper/low.png");
  auto r = run_cli({"-m", "bicubic", "in", "-o", "flat"}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("skipped folder (use -r") != std::string::npos);
  CHECK(files_below(dir / "flat") == std::vector<std::string>{"top_bicubic_x2.png"});
  r = run_cli({"-m", "bicubic", "in", "-r", "-o", "tree", "-j", "2"}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(files_below(dir / "tree") == std::vector<std::string>{"sub/deeper/low_bicubic_x2.png", "top_bicubic_x2.png"});
}

TEST_CASE("-f picks the format, --quality reaches the encoder") {
  ScratchFolder dir;
  auto r = run_cli({"-m", "bicubic", sample("scene.png").string(), "-f", "jpg", "--quality", "10", "--name", "low.{ext}", "-o", "."}, dir.path());
  REQUIRE(r.exit_code == 0);
  r = run_cli({"-m", "bicubic", sample("scene.png").string(), "-f", "jpg", "--quality", "95", "--name", "high.{ext}", "-o", "."}, dir.path());
  REQUIRE(r.exit_code == 0);
  CHECK(read_file(dir / "low.jpg").substr(0, 2) == "\xFF\xD8");
  CHECK(fs::file_size(dir / "low.jpg") * 2 < fs::file_size(dir / "high.jpg"));
}

TEST_CASE("bad usage exits 2 and writes nothing") {
  ScratchFolder dir;
  CHECK(run_cli({sample("scene.png").string(), "-m", "magic"}, dir.path()).exit_code == 2);
  CHECK(run_cli({"-m", "bicubic", sample("scene.png").string(), "--name", "{stem}_{size}.png"}, dir.path()).exit_code == 2);
  CHECK(run_cli({"-m", "bicubic", sample("scene.png").string(), sample("zone_plate.png").string(), "-o", "one.png"}, dir.path()).exit_code == 2);
  CHECK(run_cli({"-m", "bicubic", sample("scene.png").string(), "--overwrite", "--skip-existing"}, dir.path()).exit_code == 2);
  CHECK(run_cli({"-m", "bicubic", "--scale", "two", sample("scene.png").string()}, dir.path()).exit_code == 2);
  CHECK(run_cli({"eval", "-s", "0", "--data", dir.path().string()}, dir.path()).exit_code == 2);
  CHECK(run_cli({"train", "--batch", "100000000", "-o", "m.safetensors"}, dir.path()).exit_code == 2);
  const auto huge_batch = run_cli({"train", "--batch", "4096", "--patch", "4096", "--data", dir.path().string(), "--val", "",
                                   "--eval", "", "-o", "m.safetensors"},
                                  dir.path());
  CHECK(huge_batch.exit_code == 2);
  CHECK(contains(huge_batch.err, "input pixels per step"));
  CHECK(files_below(dir.path()).empty());
}

TEST_CASE("--help teaches with examples, --version answers") {
  ScratchFolder dir;
  const auto help = run_cli({"--help"}, dir.path());
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Examples:") != std::string::npos);
  CHECK(help.out.find("--skip-existing") != std::string::npos);
  const auto version = run_cli({"--version"}, dir.path());
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind("upsample ", 0) == 0);
}

TEST_CASE("Ctrl-C or a closed terminal while an output is being written leaves no partial file") {
  for (const int signo : {SIGINT, SIGHUP}) {
    CAPTURE(signo);
    ScratchFolder dir;
    // Start the binary, holding it after the temporary file is written, and interrupt it.
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::setenv("UPSAMPLE_TEST_PAUSE_BEFORE_RENAME_MS", "20000", 1);
      if (::chdir(dir.path().c_str()) != 0) ::_exit(126);
      const std::string input = sample("scene.png").string();
      ::execl(UPSAMPLE_BINARY, UPSAMPLE_BINARY, input.c_str(), "-s", "2", "-o", "out.png", "-q", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    bool saw_temp = false;
    for (int i = 0; i < 400 && !saw_temp; ++i) {  // up to 20 s, for slow sanitized builds
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      saw_temp = has_temp_files(dir.path());
    }
    CHECK(saw_temp);
    ::kill(pid, signo);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK(files_below(dir.path()).empty());
  }
}

TEST_CASE("the temporary file a killed run leaves is never taken as an input") {
  ScratchFolder dir;
  fs::create_directories(dir / "in");
  fs::copy_file(sample("scene.png"), dir / "in" / "a.png");
  fs::copy_file(sample("scene.png"), dir / "in" / ".a_nearest_x2.png.tmp-k3x9a0qe.png");
  const auto r = run_cli({"-m", "nearest", "in", "-s", "2", "-o", "out"}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, ".a_nearest_x2.png.tmp-k3x9a0qe.png: skipped, the temporary file of a write that never finished"));
  CHECK(files_below(dir / "out").size() == 1);
}

}  // TEST_SUITE
