#include <doctest/doctest.h>

#include <random>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "imaging/aliasing_level.hpp"
#include "imaging/degradations.hpp"
#include "pipeline/denoise.hpp"
#include "test_values.hpp"

using namespace upsample;
using imaging::DegradationStep;
using imaging::DownscaleKernel;

namespace {

imaging::Degradation shrink(DownscaleKernel kernel, int scale, double blur = 0) {
  imaging::Degradation d;
  if (blur > 0) d.steps.push_back(DegradationStep::blur(blur));
  d.steps.push_back(DegradationStep::downscale(kernel, scale));
  return d;
}

}  // namespace

TEST_SUITE("aliasing") {

TEST_CASE("downscale_aliasing: how much of a cosine above the new Nyquist limit each shrink folds back") {
  // Known answers from an independent model of the same shrinks (MATLAB's imresize
  // written out, OpenCV's resize modes), to ±0.03.
  struct Case {
    DownscaleKernel kernel;
    int scale;
    double expected;
  };
  for (const Case& c : {Case{DownscaleKernel::matlab_bicubic, 2, 0.281}, Case{DownscaleKernel::matlab_bicubic, 3, 0.273},
                        Case{DownscaleKernel::matlab_bicubic, 4, 0.270}, Case{DownscaleKernel::area, 2, 0.604},
                        Case{DownscaleKernel::area, 4, 0.524}, Case{DownscaleKernel::bilinear, 4, 0.892},
                        Case{DownscaleKernel::plain_cubic, 2, 0.900}, Case{DownscaleKernel::nearest, 3, 1.0}}) {
    const std::string kernel = imaging::downscale_kernel_name(c.kernel);
    CAPTURE(kernel);
    CAPTURE(c.scale);
    CHECK(imaging::downscale_aliasing(shrink(c.kernel, c.scale)) == doctest::Approx(c.expected).epsilon(0.03 / c.expected));
  }
  // A blur before the shrink is an antialiasing filter; no shrink folds nothing away.
  CHECK(imaging::downscale_aliasing(shrink(DownscaleKernel::plain_cubic, 2, 1.5)) < 0.5);
  CHECK(imaging::downscale_aliasing({}) == 1.0);
  CHECK(imaging::downscale_aliasing({{DegradationStep::noise(5), DegradationStep::jpeg(50)}}) == 1.0);
  // Training tells each patch what its draw did.
  CHECK(imaging::damage_drawn(shrink(DownscaleKernel::matlab_bicubic, 2)).aliasing == doctest::Approx(0.281).epsilon(0.1));
}

TEST_CASE("estimate_aliasing reads a proper shrink as proper and a plain cubic one as aliased, noise told or not") {
  const cv::Mat hr = testing::natural_like_image(512, 4);
  std::mt19937 rng(1);
  for (const int scale : {2, 4}) {
    CAPTURE(scale);
    const cv::Mat bicubic = imaging::apply_degradation(hr, shrink(DownscaleKernel::matlab_bicubic, scale), rng);
    const cv::Mat area = imaging::apply_degradation(hr, shrink(DownscaleKernel::area, scale), rng);
    const cv::Mat cubic = imaging::apply_degradation(hr, shrink(DownscaleKernel::plain_cubic, scale), rng);
    const double proper = imaging::estimate_aliasing(bicubic, 0), averaged = imaging::estimate_aliasing(area, 0),
                 aliased = imaging::estimate_aliasing(cubic, 0);
    MESSAGE("×" << scale << " read: bicubic " << proper << ", area " << averaged << ", cubic " << aliased);
    CHECK(proper < pipeline::kAliasedAbove);
    CHECK(averaged > proper);
    CHECK(aliased > averaged);
    CHECK(aliased > 0.8);
    // Noise fills the band a proper shrink empties; told its σ, the estimate takes it out.
    const cv::Mat noisy = imaging::apply_degradation(bicubic, {{DegradationStep::noise(5)}}, rng);
    CHECK(imaging::estimate_aliasing(noisy, 5) < pipeline::kAliasedAbove);
    CHECK(imaging::estimate_aliasing(noisy, 0) > imaging::estimate_aliasing(noisy, 5));
  }
  // Grey, colour and [0, 1] float Y read alike; too small to read: a proper shrink.
  const cv::Mat cubic = imaging::apply_degradation(hr, shrink(DownscaleKernel::plain_cubic, 2), rng);
  cv::Mat colour;
  cv::cvtColor(cubic, colour, cv::COLOR_GRAY2BGR);
  CHECK(imaging::estimate_aliasing(colour, 0) == doctest::Approx(imaging::estimate_aliasing(cubic, 0)).epsilon(0.02));
  CHECK(imaging::estimate_aliasing(cubic(cv::Rect(0, 0, 31, 100)), 0) == imaging::kAntialiasedAliasing);
  // A [0, 1] Y plane is read, not scaled in place.
  cv::Mat unit;
  cubic.convertTo(unit, CV_32F, 1.0 / 255);
  const cv::Mat before = unit.clone();
  CHECK(imaging::estimate_aliasing(unit, 0) > 0.8);
  CHECK(cv::norm(unit, before, cv::NORM_INF) == 0);
}

}  // TEST_SUITE
