// The evaluation protocol must reproduce the bicubic rows of the published tables (DESIGN
// §4). Reference: Set5 and BSD100 ("B100") bicubic in Kim et al., VDSR (CVPR 2016), Table 3;
// the Set5 PSNRs are also those of SRCNN and FSRCNN.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "analysis/metrics.hpp"
#include "imaging/matlab_imresize.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
namespace an = upsample::analysis;
namespace imaging = upsample::imaging;

namespace {

struct PublishedRow {
  int scale;
  double psnr;
  double ssim;
};

constexpr std::array<PublishedRow, 3> kSet5 = {{{2, 33.66, 0.9299}, {3, 30.39, 0.8682}, {4, 28.42, 0.8104}}};
constexpr std::array<PublishedRow, 3> kBsd100 = {{{2, 29.56, 0.8431}, {3, 27.21, 0.7385}, {4, 25.96, 0.6675}}};

fs::path data_root() {
  if (const char* env = std::getenv("UPSAMPLE_DATA"); env != nullptr && *env != '\0') return fs::path(env);
  return fs::path(UPSAMPLE_SOURCE_DIR) / ".." / "shared" / "data";
}

// Every image of a benchmark folder, sorted by name; empty when the folder is absent.
std::vector<cv::Mat> load_benchmark(const std::string& name) {
  const fs::path folder = data_root() / "sr-bench" / name;
  std::vector<cv::Mat> images;
  if (!fs::is_directory(folder)) return images;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.path().extension() == ".png") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    cv::Mat image = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    if (image.empty()) FAIL("cannot read " << file.string());
    images.push_back(image);
  }
  return images;
}

double round2(double v) { return std::round(v * 100.0) / 100.0; }

// Mean Y-PSNR and SSIM of the published bicubic baseline over a set.
an::PsnrSsim mean_bicubic_scores(const std::vector<cv::Mat>& images, int scale) {
  an::PsnrSsim sum;
  for (const cv::Mat& hr : images) {
    const an::PsnrSsim s = an::evaluate_pair(an::bicubic_baseline_y(hr, scale), hr, scale);
    sum.psnr += s.psnr;
    sum.ssim += s.ssim;
  }
  const double n = static_cast<double>(images.size());
  return {sum.psnr / n, sum.ssim / n};
}

std::string format_row(const char* set, int scale, const an::PsnrSsim& s) {
  char text[128];
  std::snprintf(text, sizeof text, "%s x%d bicubic: Y-PSNR %.4f dB, SSIM %.5f", set, scale, s.psnr, s.ssim);
  return text;
}

void check_set(const char* set, std::size_t expected_count, const std::array<PublishedRow, 3>& published) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<cv::Mat> images = load_benchmark(set);
  if (images.empty()) {
    MESSAGE("skipped: no " << std::string(set) << " images under " << (data_root() / "sr-bench").string()
                           << " (set UPSAMPLE_DATA to the shared data folder)");
    return;
  }
  REQUIRE(images.size() == expected_count);
  for (const PublishedRow& row : published) {
    const an::PsnrSsim got = mean_bicubic_scores(images, row.scale);
    MESSAGE(format_row(set, row.scale, got) << "  (published " << row.psnr << " / " << row.ssim << ")");
    CHECK(std::abs(round2(got.psnr) - row.psnr) <= 0.01 + 1e-9);
    CHECK(std::abs(got.ssim - row.ssim) <= 0.0005);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE(std::string(set) << ": " << images.size() << " images, 3 scales in " << seconds << " s");
}

}  // namespace

TEST_SUITE("metrics") {
  TEST_CASE("published bicubic numbers: Set5") { check_set("Set5", 5, kSet5); }

  // BSD100 here is SelfExSR's 480x320 crop of the 481x321 originals; the published x3 run
  // cropped 481x321 to 480x321 instead of our 480x318, which moves SSIM by about 0.0003.
  // Under the sanitizers Set5 reaches the same code; the hundred images are the Release run's.
  TEST_CASE("published bicubic numbers: BSD100") {
    if (upsample::testing::kSanitizedBuild) return;
    check_set("BSD100", 100, kBsd100);
  }

  // Set14 holds a grey image (bridge.png), scored on its own values as Y. Printed only: the
  // tables disagree on Set14 by 0.01 dB, so it is no check of the protocol.
  TEST_CASE("bicubic on Set14, grey bridge.png included (printed only)") {
    if (upsample::testing::kSanitizedBuild) return;  // printed only: the Release run prints it
    const std::vector<cv::Mat> images = load_benchmark("Set14");
    if (images.empty()) {
      MESSAGE("skipped: no Set14 images under " << (data_root() / "sr-bench").string());
      return;
    }
    const auto grey = std::count_if(images.begin(), images.end(), [](const cv::Mat& m) { return m.channels() == 1; });
    CHECK(grey == 1);
    for (int scale = 2; scale <= 4; ++scale) MESSAGE(format_row("Set14", scale, mean_bicubic_scores(images, scale)));
  }

  // Not asserted: why the LR of the published protocol stays unrounded. Rounding it to 8 bits
  // (as LR image files are) costs Set5 x2 about 0.02 dB and no longer matches the tables.
  TEST_CASE("bicubic from 8-bit LR files, for comparison (printed only)") {
    const std::vector<cv::Mat> images = load_benchmark("Set5");
    if (images.empty()) {
      MESSAGE("skipped: no Set5 images under " << (data_root() / "sr-bench").string());
      return;
    }
    for (int scale = 2; scale <= 4; ++scale) {
      an::PsnrSsim sum;
      for (const cv::Mat& hr : images) {
        const cv::Mat sr = imaging::matlab_bicubic_upscale(imaging::matlab_bicubic_downscale_u8(hr, scale), scale);
        const an::PsnrSsim s = an::evaluate_pair(sr, hr, scale);
        sum.psnr += s.psnr;
        sum.ssim += s.ssim;
      }
      const double n = static_cast<double>(images.size());
      MESSAGE(format_row("Set5 (uint8 RGB LR)", scale, {sum.psnr / n, sum.ssim / n}));
    }
  }
}
