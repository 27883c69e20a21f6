// Training a deblurring network on the kernels `upsample deblur` reads (train/blur_reading_bank.hpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "test_models.hpp"
#include "deblur/kernel_spec.hpp"
#include "models/model.hpp"
#include "tensor/error.hpp"
#include "train/blur_reading_bank.hpp"
#include "train/deblur_data.hpp"
#include "train/trainer.hpp"

using namespace upsample;
namespace fs = std::filesystem;

namespace {

// Blurred noise: texture with no symmetry, so a patch and its transpose are unlike.
cv::Mat texture(int side, uint32_t seed) {
  cv::Mat m(side, side, CV_8UC1);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, 255);
  cv::GaussianBlur(m, m, {0, 0}, 3.0);
  cv::normalize(m, m, 0, 255, cv::NORM_MINMAX);
  return m;
}

double correlation(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat ca = a - cv::mean(a)[0], cb = b - cv::mean(b)[0];
  return ca.dot(cb) / std::sqrt(ca.dot(ca) * cb.dot(cb));
}

cv::Mat plane(const Tensor& t, int b) {
  const auto side = static_cast<int>(t.shape().h());
  return cv::Mat(side, side, CV_32F, const_cast<float*>(t.plane(b, 0))).clone();
}

std::shared_ptr<const models::Model> shipped_estimator() {
  const fs::path file = testing::source_dir() / "weights" / "blur-estimator_x1.safetensors";
  REQUIRE(fs::is_regular_file(file));
  return models::load_model(file);
}

}  // namespace

TEST_SUITE("blur reading bank") {

TEST_CASE("the reading bank: a patch and its pre-filtered input are cut and turned together, and one seed gives one bank") {
  const auto estimator = shipped_estimator();
  train::DeblurDataOptions data_options;
  data_options.fixed_kernel = deblur::load_blur_kernel("gaussian:1.0");
  const auto data = train::DeblurPatchSampler::from_images({texture(160, 1), texture(160, 2)}, data_options);
  train::BlurReadingBankOptions o;
  o.regions = 3;
  o.side = 64;
  const auto quiet = [](const std::string&) {};
  const auto bank = train::BlurReadingBank::build(data, *estimator, o, quiet);
  const auto again = train::BlurReadingBank::build(data, *estimator, o, quiet);
  o.seed = 2;
  const auto other = train::BlurReadingBank::build(data, *estimator, o, quiet);
  CHECK(bank.regions() == 3);

  auto draw = [](const train::BlurReadingBank& b, Tensor& input, Tensor& target) {
    std::mt19937 rng(5);
    b.sample(rng, 8, 32, input, target);
  };
  Tensor input, target, input_again, target_again, input_other, target_other;
  draw(bank, input, target);
  draw(again, input_again, target_again);
  draw(other, input_other, target_other);
  REQUIRE(input.shape() == Shape{8, 1, 32, 32});
  REQUIRE(target.shape() == Shape{8, 1, 32, 32});
  CHECK(cv::norm(plane(input, 0), plane(input_again, 0), cv::NORM_INF) == 0);
  CHECK(cv::norm(plane(target, 7), plane(target_again, 7), cv::NORM_INF) == 0);
  CHECK(cv::norm(plane(target, 0), plane(target_other, 0), cv::NORM_INF) > 0);
  for (int b = 0; b < 8; ++b) {
    const cv::Mat in = plane(input, b), sharp = plane(target, b);
    const double aligned = correlation(in, sharp), transposed = correlation(in, sharp.t());
    INFO("patch " << b << ": correlation with its target " << aligned << ", with the target transposed " << transposed);
    CHECK(aligned > 0.8);
    CHECK(transposed < 0.5);
  }
  std::mt19937 rng(1);
  CHECK_THROWS_WITH_AS(bank.sample(rng, 1, 65, input, target), doctest::Contains("regions of 64"), Error);
}

TEST_CASE("train --read-regions: a Wiener-prefiltered network learns from the kernels read, and only such a network") {
  testing::ScratchFolder dir;
  REQUIRE(cv::imwrite((dir / "a.png").string(), texture(96, 3)));
  train::TrainOptions o = testing::tiny_deblur_run({{"arch", "deblur"},
                                                    {"scale", "1"},
                                                    {"up", "deconv"},
                                                    {"depth", "2"},
                                                    {"width", "4"},
                                                    {"condition", "0"},
                                                    {"prefilter", "wiener"},
                                                    {"prefilter_nsr", "0.01"}},
                                                   dir.path(), 2);
  o.code_estimator = testing::source_dir() / "weights" / "blur-estimator_x1.safetensors";
  o.reading_regions = 2;
  o.reading_side = 48;
  o.output = dir / "read.safetensors";
  std::vector<std::string> notes;
  const train::TrainResult result =
      train::train_model(o, [](const train::TrainProgress&) {}, [&](const std::string& s) { notes.push_back(s); });
  CHECK(result.finished);
  CHECK(models::load_model(o.output)->metadata().at("blur_read_with") == "blur-estimator_x1.safetensors");
  CHECK(std::any_of(notes.begin(), notes.end(), [](const std::string& s) { return s.find("2 of 2 read") != s.npos; }));

  o.reading_side = 16;  // smaller than a patch
  CHECK_THROWS_WITH_AS(train::train_model(o, [](const train::TrainProgress&) {}, [](const std::string&) {}),
                       doctest::Contains("smaller than the patches"), Error);
  o.reading_side = 48;
  o.model["condition"] = "3";  // told by planes too: the bank keeps no codes
  CHECK_THROWS_WITH_AS(train::train_model(o, [](const train::TrainProgress&) {}, [](const std::string&) {}),
                       doctest::Contains("Wiener pre-filter alone"), Error);
}

}  // TEST_SUITE
