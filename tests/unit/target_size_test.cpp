// Upscaling to an asked size (-s 1.5, --width 1920): the output size and its rounding,
// what {scale} prints, which scale a learned method runs at, the antialiased shrink,
// alpha and 16-bit kept, and the memory estimate of the larger intermediate image.
#include <doctest/doctest.h>

#include <opencv2/imgproc.hpp>

#include <filesystem>

#include <opencv2/imgcodecs.hpp>

#include "analysis/evaluation.hpp"
#include "cli_runner.hpp"
#include "imaging/matlab_imresize.hpp"
#include "pipeline/batch.hpp"
#include "pipeline/memory_estimate.hpp"
#include "pipeline/sized_upscaler.hpp"
#include "pipeline/target_size.hpp"
#include "pipeline/upscale_image.hpp"
#include "tensor/error.hpp"
#include "test_values.hpp"

using namespace upsample;
using pipeline::TargetSize;

namespace {

cv::Mat random_image(int rows, int cols, int type, int seed) {
  cv::Mat image(rows, cols, type);
  cv::RNG rng(static_cast<std::uint64_t>(seed));
  rng.fill(image, cv::RNG::UNIFORM, 0, CV_MAT_DEPTH(type) == CV_16U ? 65536 : 256);
  return image;
}

double max_difference(const cv::Mat& a, const cv::Mat& b) {
  REQUIRE(a.size() == b.size());
  REQUIRE(a.type() == b.type());
  return cv::norm(a, b, cv::NORM_INF);
}

}  // namespace

TEST_SUITE("target size") {

TEST_CASE("a factor gives round(side x factor), half up") {
  CHECK(pipeline::target_output_size({101, 67}, {1.5, 0, 0}) == cv::Size(152, 101));  // 151.5 and 100.5 round up
  CHECK(pipeline::target_output_size({100, 60}, {1.5, 0, 0}) == cv::Size(150, 90));
  CHECK(pipeline::target_output_size({41, 31}, {2.5, 0, 0}) == cv::Size(103, 78));
  CHECK(pipeline::target_output_size({7, 3}, {3, 0, 0}) == cv::Size(21, 9));
}

TEST_CASE("a width alone keeps the aspect ratio, rounded half up, and so does a height alone") {
  CHECK(pipeline::target_output_size({1000, 667}, {0, 1920, 0}) == cv::Size(1920, 1281));  // 1280.64
  CHECK(pipeline::target_output_size({100, 67}, {0, 150, 0}) == cv::Size(150, 101));      // 100.5 exactly
  CHECK(pipeline::target_output_size({100, 66}, {0, 150, 0}) == cv::Size(150, 99));
  CHECK(pipeline::target_output_size({67, 100}, {0, 0, 150}) == cv::Size(101, 150));
  CHECK(pipeline::target_output_size({640, 480}, {0, 1000, 300}) == cv::Size(1000, 300));  // both: as asked
  CHECK_THROWS_AS(pipeline::target_output_size({1, 5000}, {0, 1000, 0}), Error);  // 5,000,000 high
}

TEST_CASE("-s reads numbers from 1 to 16 and refuses the rest naming them") {
  CHECK(pipeline::parse_scale_factor("1.5") == 1.5);
  CHECK(pipeline::parse_scale_factor("2") == 2);
  CHECK(pipeline::parse_scale_factor("16") == 16);
  for (const char* bad : {"0.5", "17", "abc", "1.5x", "", "nan", "inf"}) {
    CAPTURE(bad);
    try {
      pipeline::parse_scale_factor(bad);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(testing::contains(e.what(), std::string("-s ") + bad + ":"));
    }
  }
}

TEST_CASE("{scale} prints what was asked, and whole factors keep the integer path") {
  CHECK(pipeline::scale_text({1.5, 0, 0}) == "1.5");
  CHECK(pipeline::scale_text({2, 0, 0}) == "2");
  CHECK(pipeline::scale_text({0, 1920, 0}) == "w1920");
  CHECK(pipeline::scale_text({0, 0, 1080}) == "h1080");
  CHECK(pipeline::scale_text({0, 1920, 1080}) == "1920x1080");
  CHECK(pipeline::whole_scale({2, 0, 0}) == 2);
  CHECK_FALSE(pipeline::whole_scale({1.5, 0, 0}).has_value());
  CHECK_FALSE(pipeline::whole_scale({0, 1920, 0}).has_value());
  CHECK(pipeline::expand_name_template("{stem}_{method}_x{scale}.{ext}", "cat", "fsrcnn",
                                       pipeline::ScaleText(pipeline::scale_text({1.5, 0, 0})), "png") ==
        "cat_fsrcnn_x1.5.png");
}

TEST_CASE("a learned method runs at the smallest of its scales that reaches the size, and refuses beyond") {
  const std::vector<int> scales = {2, 3, 4};
  CHECK(pipeline::working_scale(scales, {100, 100}, {150, 150}) == 2);
  CHECK(pipeline::working_scale(scales, {100, 100}, {200, 200}) == 2);
  CHECK(pipeline::working_scale(scales, {100, 100}, {201, 150}) == 3);  // the larger ratio decides
  CHECK(pipeline::working_scale(scales, {41, 31}, {103, 78}) == 3);
  CHECK_THROWS_WITH_AS(pipeline::working_scale(scales, {100, 100}, {401, 401}),
                       doctest::Contains("more than this method's largest scale (×2, ×3, ×4)"), Error);
  CHECK(pipeline::learned_scales("fsrcnn") == scales);
  CHECK(pipeline::learned_scales("fsrcnn+") == scales);
  CHECK(pipeline::learned_scales("lanczos").empty());
  CHECK_THROWS_AS(pipeline::learned_scales("bicubic+"), Error);
  CHECK_THROWS_AS(pipeline::learned_scales("opencv:FSRCNN_x2.pb"), Error);
  CHECK_THROWS_WITH_AS(pipeline::learned_scales("fsrcn"), doctest::Contains("unknown method"), Error);
  CHECK_THROWS_WITH_AS(pipeline::SizedUpscaler("fsrcnn", {4.5, 0, 0}), doctest::Contains("-s 4.5 is ×4.5"), Error);
}

TEST_CASE("the banded MATLAB resize to a size equals imresize in double, rounded, for 8 and 16 bits") {
  for (const int type : {CV_8UC1, CV_8UC3, CV_16UC3}) {
    CAPTURE(type);
    const cv::Mat image = random_image(45, 61, type, type);
    for (const cv::Size size : {cv::Size(92, 67), cv::Size(40, 30), cv::Size(61, 90)}) {
      CAPTURE(size);
      cv::Mat floating, expected;
      image.convertTo(floating, CV_MAKETYPE(CV_64F, image.channels()));
      imaging::matlab_imresize_to(floating, size.height, size.width).convertTo(expected, image.type());
      const cv::Mat got = imaging::matlab_resize_to(image, size.height, size.width, image.depth());
      CHECK(max_difference(got, expected) <= 1);  // rows-first vs MATLAB's order: float rounding at .5
    }
  }
}

TEST_CASE("a classical method resamples straight to the size") {
  const cv::Mat image = random_image(31, 41, CV_8UC3, 3);
  const pipeline::SizedUpscaler bicubic("bicubic", {1.5, 0, 0});
  const cv::Mat b = bicubic.upscale(image);
  CHECK(b.size() == cv::Size(62, 47));  // 61.5 and 46.5 round up
  CHECK(max_difference(b, imaging::matlab_resize_to(image, 47, 62, CV_8U)) == 0);
  CHECK(bicubic.working_scale_for(image.size()) == 0);
  const pipeline::SizedUpscaler lanczos("lanczos", {0, 100, 0});
  cv::Mat expected;
  cv::resize(image, expected, cv::Size(100, 76), 0, 0, cv::INTER_LANCZOS4);
  CHECK(max_difference(lanczos.upscale(image), expected) == 0);
}

TEST_CASE("a learned method at 2.5 runs at x3 and shrinks with the antialiased MATLAB bicubic") {
  const cv::Mat image = random_image(31, 41, CV_8UC3, 4);
  const pipeline::SizedUpscaler sized("fsrcnn", {2.5, 0, 0}, {0, pipeline::parse_denoise("off")});
  CHECK(sized.working_scale_for(image.size()) == 3);
  const cv::Mat got = sized.upscale(image);
  const auto x3 = pipeline::create_upscaler("fsrcnn", 3, {0, pipeline::parse_denoise("off")});
  const cv::Mat expected = imaging::matlab_resize_to(x3->upscale(image), 78, 103, CV_8U);
  CHECK(got.size() == cv::Size(103, 78));
  CHECK(max_difference(got, expected) == 0);
  // Y path (eval protocol types): float in, float out, the asked size.
  cv::Mat y;
  cv::extractChannel(image, y, 0);
  y.convertTo(y, CV_32F, 1.0 / 255);
  const cv::Mat y_up = sized.upscale_y(y);
  CHECK(y_up.type() == CV_32FC1);
  CHECK(y_up.size() == cv::Size(103, 78));
}

TEST_CASE("alpha and 16 bits survive an asked size, alpha resampled to it") {
  const cv::Mat image = random_image(20, 30, CV_16UC4, 5);
  const pipeline::SizedUpscaler sized("fsrcnn", {1.5, 0, 0}, {0, pipeline::parse_denoise("off")});
  const cv::Mat out = pipeline::upscale_image(image, sized);
  CHECK(out.type() == CV_16UC4);
  CHECK(out.size() == cv::Size(45, 30));
  cv::Mat alpha, alpha_out, expected;
  cv::extractChannel(image, alpha, 3);
  cv::extractChannel(out, alpha_out, 3);
  cv::resize(alpha, expected, cv::Size(45, 30), 0, 0, cv::INTER_CUBIC);
  CHECK(max_difference(alpha_out, expected) == 0);
}

TEST_CASE("an asked size smaller than the input is refused") {
  const pipeline::SizedUpscaler sized("lanczos", {0, 50, 0});
  CHECK_THROWS_WITH_AS(sized.upscale(cv::Mat(40, 100, CV_8UC3, cv::Scalar::all(9))),
                       doctest::Contains("smaller than it is"), Error);
}

TEST_CASE("the memory estimate of an asked size holds the learned method's larger image") {
  io::ImageHeader header;
  header.width = 1000;
  header.height = 1000;
  header.channels = 3;
  header.bytes_per_sample = 1;
  const auto classical = pipeline::estimated_peak_bytes(header, 1500, 1500, 0, pipeline::MethodKind::classical);
  const auto learned = pipeline::estimated_peak_bytes(header, 1500, 1500, 2, pipeline::MethodKind::learned);
  const auto whole_x2 = pipeline::estimated_peak_bytes(header, 2, pipeline::MethodKind::learned);
  CHECK(classical >= 2 * 1500 * 1500 * 3ULL);
  CHECK(learned > whole_x2);                       // the x2 image and the 1.5 result
  CHECK(learned > classical + 2 * 2000 * 2000 * 3ULL);
}

TEST_CASE("the memory estimate of an image with alpha holds the colour's result beside the whole result") {
  io::ImageHeader rgb;
  rgb.width = 1000;
  rgb.height = 1000;
  rgb.channels = 3;
  io::ImageHeader rgba = rgb;
  rgba.channels = 4;
  for (const auto kind : {pipeline::MethodKind::classical, pipeline::MethodKind::learned}) {
    const double rgba_result = 4.0 * 4000 * 4000;
    const auto with_alpha = static_cast<double>(pipeline::estimated_peak_bytes(rgba, 4, kind));
    const auto without = static_cast<double>(pipeline::estimated_peak_bytes(rgb, 4, kind));
    CHECK(with_alpha >= 2 * rgba_result);  // the result, and its colour part beside it
    CHECK(with_alpha - without >= 0.75 * rgba_result);
  }
}

TEST_CASE("the memory estimate of a method written as PNG in rows holds no whole result, as another format it does") {
  io::ImageHeader photo;  // 12 megapixels, x4: a 576 MB result
  photo.width = 4000;
  photo.height = 3000;
  photo.channels = 3;
  const double result = 3.0 * 16000 * 12000;
  const auto in_rows = static_cast<double>(
      pipeline::estimated_peak_bytes(photo, 4, pipeline::MethodKind::classical_in_rows, "png"));
  CHECK(in_rows < 0.5 * result);
  CHECK(in_rows > 2.0 * 36e6);  // the decoded input and the file it came from
  CHECK(pipeline::estimated_peak_bytes(photo, 4, pipeline::MethodKind::classical_in_rows, "jpg") ==
        pipeline::estimated_peak_bytes(photo, 4, pipeline::MethodKind::classical, "jpg"));
  io::ImageHeader with_alpha = photo;
  with_alpha.channels = 4;
  CHECK(static_cast<double>(pipeline::estimated_peak_bytes(with_alpha, 4, pipeline::MethodKind::classical_in_rows,
                                                           "png")) > result);
  // A learned method in rows holds one row of tiles' result, not the whole, and more than
  // bicubic: its tiles' working memory.
  const auto learned_rows =
      static_cast<double>(pipeline::estimated_peak_bytes(photo, 4, pipeline::MethodKind::learned_in_rows, "png"));
  CHECK(learned_rows < static_cast<double>(pipeline::estimated_peak_bytes(photo, 4, pipeline::MethodKind::learned, "png")));
  CHECK(learned_rows < result);
  CHECK(learned_rows > in_rows);
  CHECK(pipeline::estimated_peak_bytes(photo, 4, pipeline::MethodKind::learned_in_rows, "jpg") ==
        pipeline::estimated_peak_bytes(photo, 4, pipeline::MethodKind::learned, "jpg"));
}

TEST_CASE("the evaluation at 1.5 crops the HR to a multiple of 3 and shrinks it to exactly 2/3") {
  testing::ScratchFolder dir;
  cv::Mat hr(50, 64, CV_8UC3);
  for (int y = 0; y < hr.rows; ++y)
    for (int x = 0; x < hr.cols; ++x) hr.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 3), uchar(y * 4), uchar(100 + x - y));
  REQUIRE(cv::imwrite((dir / "a.png").string(), hr));
  const auto set = analysis::load_eval_set_at(dir.path(), 1.5);
  REQUIRE(set.size() == 1);
  CHECK(set[0].hr_y.size() == cv::Size(63, 48));
  CHECK(set[0].lr_y.size() == cv::Size(42, 32));
  CHECK(set[0].lr_y.type() == CV_32FC1);
  const pipeline::SizedUpscaler bicubic("bicubic", {1.5, 0, 0});
  const auto scores = analysis::evaluate_upscaler_at(bicubic, set, 1.5);
  REQUIRE(scores.size() == 1);
  CHECK(scores[0].psnr > 30);  // a smooth ramp comes back nearly whole
  CHECK_THROWS_WITH_AS(analysis::load_eval_set_at(dir.path(), 1.05), doctest::Contains("denominator"), Error);
  const pipeline::SizedUpscaler wrong("bicubic", {2.5, 0, 0});
  CHECK_THROWS_WITH_AS(analysis::evaluate_upscaler_at(wrong, set, 1.5), doctest::Contains("not the HR's"), Error);
}

}
