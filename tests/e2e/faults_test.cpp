// End-to-end tests of faults on the way in and out (#26, "nothing lost, nothing hung"):
// a full disk, truncated inputs, and an output folder inside the input tree.
#include <doctest/doctest.h>

#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

// Noise compresses badly in every format: the ×2 output of 300×300 takes well over 128 KiB.
void write_noise_bmp(const fs::path& path, int edge) {
  cv::Mat noise(edge, edge, CV_8UC3);
  cv::randu(noise, 0, 256);
  REQUIRE(cv::imwrite(path.string(), noise));
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// BMP, PPM and WebP are the formats whose OpenCV encoders ignore failed writes; PNG reported
// the failure, but without its reason.
const std::vector<std::string> kFullDiskFormats = {"bmp", "ppm", "webp", "png"};

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("a full disk fails the output that does not fit, naming it and the reason, and leaves nothing of it") {
  if (!fs::exists("/usr/bin/unshare")) {
    MESSAGE("no /usr/bin/unshare: the file size limit test below covers the failing writes");
    return;
  }
  for (const std::string& ext : kFullDiskFormats) {
    CAPTURE(ext);
    ScratchFolder dir;
    fs::create_directories(dir / "in");
    fs::create_directories(dir / "out");
    write_noise_bmp(dir / "in/noisy.bmp", 300);
    write_noise_bmp(dir / "in/small.bmp", 8);
    // A 128 KiB tmpfs as -o, mounted in a private namespace (no privileges needed, no mount
    // left behind); what is left on it is listed before the namespace goes away.
    const std::string script =
        "mount -t tmpfs -o size=128k tmpfs out || exit 77\n"
        "echo mounted\n"
        "\"$0\" \"$@\"; rc=$?\n"
        "echo left:; ls -A out; exit $rc\n";
    const auto r = run_cli({}, dir.path(), {}, {"/usr/bin/unshare", "-rm", "/bin/sh", "-c", script, UPSAMPLE_BINARY,
                                                "in", "-s", "2", "-m", "nearest", "-f", ext, "-o", "out"});
    INFO(r.err);
    if (r.out.rfind("mounted\n", 0) != 0) {
      MESSAGE("cannot mount a tmpfs here: the file size limit test below covers the failing writes");
      return;
    }
    CHECK(r.exit_code == 1);
    CHECK(count_of(r.err, "noisy") == 1);
    CHECK(contains(r.err, "error: out/noisy_nearest_x2." + ext + ": cannot write: No space left on device\n"));
    CHECK(r.out == "mounted\nleft:\nsmall_nearest_x2." + ext + "\n");  // the rest done, no partial or temporary file
  }
}

TEST_CASE("a file size limit fails the output that does not fit, naming it and the reason, and leaves nothing of it") {
  // Bicubic's PNG is written as it is encoded (io/png_row_encoder.hpp): a write fails
  // halfway through the encoder.
  std::vector<std::pair<std::string, std::string>> cases;
  for (const std::string& ext : kFullDiskFormats) cases.emplace_back("nearest", ext);
  cases.emplace_back("bicubic", "png");
  for (const auto& [method, ext] : cases) {
    CAPTURE(method);
    CAPTURE(ext);
    ScratchFolder dir;
    fs::create_directories(dir / "in");
    write_noise_bmp(dir / "in/noisy.bmp", 300);
    write_noise_bmp(dir / "in/small.bmp", 8);
    // At most 64 KiB per file (ulimit -f counts 512- or 1024-byte blocks, by shell). With
    // SIGXFSZ ignored a write past the limit fails with EFBIG, as one on a full disk does.
    const std::string script = "trap '' XFSZ; ulimit -f 64 && exec \"$0\" \"$@\"";
    const auto r = run_cli({}, dir.path(), {}, {"/bin/sh", "-c", script, UPSAMPLE_BINARY, "in", "-s", "2", "-m",
                                                method, "-f", ext, "-o", "out"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(count_of(r.err, "noisy") == 1);
    CHECK(contains(r.err, "error: out/noisy_" + method + "_x2." + ext + ": cannot write: File too large\n"));
    CHECK(contains(r.err, "1 written, 0 skipped, 1 failed"));
    CHECK(files_below(dir / "out") == std::vector<std::string>{"small_" + method + "_x2." + ext});
  }
}

TEST_CASE("a truncated JPEG or PNG fails naming the file, unless --accept-damaged, which warns") {
  ScratchFolder dir;
  fs::create_directories(dir / "in");
  std::vector<uchar> jpeg, png;
  const cv::Mat scene = cv::imread(sample("scene.png").string(), cv::IMREAD_COLOR);
  REQUIRE(cv::imencode(".jpg", scene, jpeg));
  REQUIRE(cv::imencode(".png", scene, png));
  const std::string whole_jpeg(jpeg.begin(), jpeg.end()), whole_png(png.begin(), png.end());
  write_bytes(dir / "in/cut.jpg", whole_jpeg.substr(0, whole_jpeg.size() * 6 / 10));
  write_bytes(dir / "in/no_iend.png", whole_png.substr(0, whole_png.size() - 12));
  write_bytes(dir / "in/trailer.jpg", whole_jpeg + std::string("\0\0camera trailer", 16));  // after the EOI: fine
  write_bytes(dir / "in/whole.png", whole_png);

  auto r = run_cli({"-m", "nearest", "-s", "2", "in", "-o", "out"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(count_of(r.err, "cut.jpg") == 1);
  CHECK(contains(r.err, "error: in/cut.jpg: truncated: the JPEG data ends before its end-of-image marker"));
  CHECK(count_of(r.err, "no_iend.png") == 1);
  CHECK(contains(r.err, "error: in/no_iend.png: truncated: the PNG data ends before its IEND chunk"));
  CHECK(contains(r.err, "2 written, 0 skipped, 2 failed"));
  CHECK(files_below(dir / "out") == std::vector<std::string>{"trailer_nearest_x2.jpg", "whole_nearest_x2.png"});

  r = run_cli({"-m", "nearest", "-s", "2", "in/cut.jpg", "-o", "accepted.png", "--accept-damaged"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "warning: in/cut.jpg: truncated: the JPEG data ends before its end-of-image marker"));
  const cv::Mat accepted = cv::imread((dir / "accepted.png").string(), cv::IMREAD_UNCHANGED);
  CHECK(accepted.cols == 2 * scene.cols);
  CHECK(accepted.rows == 2 * scene.rows);

  const auto help = run_cli({"--help"}, dir.path());
  CHECK(contains(help.out, "--accept-damaged"));
}

TEST_CASE("corrupt PNG and JPEG data fail in one line with the library's reason, nothing of libpng or libjpeg on stderr") {
  ScratchFolder dir;
  fs::create_directories(dir / "in");
  std::vector<uchar> jpeg, png;
  const cv::Mat scene = cv::imread(sample("scene.png").string(), cv::IMREAD_COLOR);
  REQUIRE(cv::imencode(".jpg", scene, jpeg));
  REQUIRE(cv::imencode(".png", scene, png, {cv::IMWRITE_PNG_COMPRESSION, 1}));
  // Bytes in the middle of the compressed data changed, the file's end intact.
  std::string bad_jpeg(jpeg.begin(), jpeg.end()), bad_png(png.begin(), png.end()), bad_crc = bad_png;
  for (size_t i = bad_jpeg.size() / 2; i < bad_jpeg.size() / 2 + 40; ++i) bad_jpeg[i] = static_cast<char>(bad_jpeg[i] ^ 0x33);
  for (size_t i = bad_png.size() / 2; i < bad_png.size() / 2 + 40; ++i) bad_png[i] = static_cast<char>(bad_png[i] ^ 0x5A);
  bad_crc[29] = static_cast<char>(bad_crc[29] ^ 1);  // IHDR's CRC
  write_bytes(dir / "in/bad.jpg", bad_jpeg);
  write_bytes(dir / "in/bad.png", bad_png);
  write_bytes(dir / "in/crc.png", bad_crc);
  write_bytes(dir / "in/whole.png", std::string(png.begin(), png.end()));

  auto r = run_cli({"-m", "nearest", "-s", "2", "in", "-o", "out"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "error: in/bad.jpg: corrupt JPEG data: "));
  CHECK(contains(r.err, "error: in/bad.png: corrupt PNG data: "));
  CHECK(contains(r.err, "error: in/crc.png: corrupt PNG data: IHDR: CRC error"));
  CHECK_FALSE(contains(r.err, "libpng"));
  CHECK_FALSE(contains(r.err, "Corrupt JPEG"));
  CHECK(count_of(r.err, "\n") == 4);  // three failures and the summary
  CHECK(files_below(dir / "out") == std::vector<std::string>{"whole_nearest_x2.png"});

  r = run_cli({"-m", "nearest", "-s", "2", "in/bad.jpg", "-o", "accepted.png", "--accept-damaged"}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "warning: in/bad.jpg: corrupt JPEG data: "));
  CHECK(fs::exists(dir / "accepted.png"));
}

TEST_CASE("an output folder inside a recursive input folder is never walked: a re-run takes the same inputs") {
  ScratchFolder dir;
  fs::create_directories(dir / "in/sub");
  fs::copy_file(sample("scene.png"), dir / "in/a.png");
  fs::copy_file(sample("text_chart.png"), dir / "in/sub/b.png");
  const std::vector<std::string> run = {"-m", "nearest", "-s", "2", "in", "-r", "-o", "in/out", "--json"};
  const std::vector<std::string> outputs = {"a_nearest_x2.png", "sub/b_nearest_x2.png"};
  auto r = run_cli(run, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(files_below(dir / "in/out") == outputs);

  auto again = run;
  again.insert(again.end(), {"--overwrite", "-v"});
  r = run_cli(again, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["summary"]["written"] == 2);
  CHECK(doc["files"].size() == 2);
  CHECK(count_of(r.err, "in/out: skipped, the output folder") == 1);
  CHECK(files_below(dir / "in/out") == outputs);
  CHECK_FALSE(fs::exists(dir / "in/out/out"));

  // Without -r the output folder is not offered as a sub-folder to walk either.
  r = run_cli({"-m", "nearest", "-s", "2", "in", "-o", "in/out", "--overwrite"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_FALSE(contains(r.err, "in/out: skipped folder"));
  CHECK(contains(r.err, "in/sub: skipped folder (use -r"));
}

}  // TEST_SUITE
