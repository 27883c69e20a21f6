// The colour path's chroma upscale (imaging::cubic_upscale): the same bicubic as
// cv::resize's INTER_CUBIC, but a tile of an image gets exactly the whole image's result.
#include <doctest/doctest.h>

#include <opencv2/imgproc.hpp>

#include "imaging/colour.hpp"
#include "imaging/cubic_upscale.hpp"
#include "test_values.hpp"

using namespace upsample;

namespace {

// Each Y pixel repeated factor×factor times: an upscale whose every output depends on one
// input alone, wherever the image starts.
cv::Mat repeat_pixels(const cv::Mat& y, int factor) {
  cv::Mat out(y.rows * factor, y.cols * factor, CV_32F);
  for (int r = 0; r < out.rows; ++r)
    for (int c = 0; c < out.cols; ++c) out.at<float>(r, c) = y.at<float>(r / factor, c / factor);
  return out;
}

}  // namespace

TEST_SUITE("cubic upscale") {

TEST_CASE("cubic_upscale is cv::resize's INTER_CUBIC: the same where its coordinates are exact (x2, x4), within float rounding at x3") {
  const cv::Mat plane = testing::smooth_random_image(23, 31, CV_32F, 3);
  for (int factor : {1, 2, 3, 4}) {
    CAPTURE(factor);
    cv::Mat expected;
    cv::resize(plane, expected, plane.size() * factor, 0, 0, cv::INTER_CUBIC);
    const cv::Mat ours = imaging::cubic_upscale(plane, factor);
    REQUIRE(ours.size() == expected.size());
    CHECK(cv::norm(ours, expected, cv::NORM_INF) <= (factor == 3 ? 1e-5 : 1e-6));
  }
}

TEST_CASE("the colour path's chroma: a region of an image gives exactly the whole image's result over it, at x2, x3 and x4") {
  // Wide, so that the whole image's output coordinates are large where the region's are small.
  const cv::Mat image = testing::smooth_random_image(12, 2400, CV_32FC3, 5);
  const cv::Rect core(2031, 3, 57, 5), padded(core.x - 3, 0, core.width + 6, image.rows);
  for (int factor : {2, 3, 4}) {
    CAPTURE(factor);
    const auto upscale_y = [factor](const cv::Mat& y) { return repeat_pixels(y, factor); };
    const cv::Mat whole = imaging::map_luma(image, upscale_y);
    const cv::Mat region = imaging::map_luma(image(padded), upscale_y);
    const cv::Rect inside((core.x - padded.x) * factor, (core.y - padded.y) * factor, core.width * factor, core.height * factor);
    const cv::Rect target(core.x * factor, core.y * factor, core.width * factor, core.height * factor);
    CHECK(cv::norm(whole(target), region(inside), cv::NORM_INF) == 0);
  }
}

}  // TEST_SUITE
