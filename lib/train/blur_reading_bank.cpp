#include "train/blur_reading_bank.hpp"

#include <chrono>

#include "deblur/blind_kernel.hpp"
#include "deblur/blur_reading.hpp"
#include "deblur/classical.hpp"
#include "pipeline/self_ensemble.hpp"
#include "tensor/error.hpp"

namespace upsample::train {

BlurReadingBank BlurReadingBank::build(const DeblurPatchSampler& data, const models::Model& estimator,
                                       const BlurReadingBankOptions& o, const std::function<void(const std::string&)>& log) {
  if (o.regions < 1) throw Error("train: the blur-reading bank needs at least one region");
  if (o.side < deblur::kMinBlindSide)
    throw Error("train: blur-reading regions must be at least " + std::to_string(deblur::kMinBlindSide) +
                " pixels on a side for the blind search");
  BlurReadingBank bank;
  bank.prefiltered_.resize(static_cast<size_t>(o.regions));
  bank.sharp_.resize(static_cast<size_t>(o.regions));
  std::vector<cv::Mat> blurred(static_cast<size_t>(o.regions));
  std::mt19937 rng(o.seed);
  for (int i = 0; i < o.regions; ++i) {  // drawn in order, so the seed fixes the bank
    Tensor b, s;
    data.sample(rng, 1, o.side, b, s);
    blurred[static_cast<size_t>(i)] = cv::Mat(o.side, o.side, CV_32F, b.plane(0, 0)).clone();
    bank.sharp_[static_cast<size_t>(i)] = cv::Mat(o.side, o.side, CV_32F, s.plane(0, 0)).clone();
  }
  log("reading the blur of " + std::to_string(o.regions) + " blurred regions of " + std::to_string(o.side) + "² (" +
      "the estimator and the blind search, as `upsample deblur` does)");
  const auto start = std::chrono::steady_clock::now();
  int done = 0;
#pragma omp parallel for schedule(dynamic)
  for (int i = 0; i < o.regions; ++i) {
    const cv::Mat& region = blurred[static_cast<size_t>(i)];
    const cv::Mat kernel = deblur::read_blur(estimator, region).kernel;
    bank.prefiltered_[static_cast<size_t>(i)] = deblur::wiener_deconvolve(region, kernel, o.nsr);
#pragma omp critical
    {
      if (++done % 100 == 0 || done == o.regions) {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        log("  " + std::to_string(done) + " of " + std::to_string(o.regions) + " read, " +
            std::to_string(static_cast<int>(seconds)) + " s");
      }
    }
  }
  return bank;
}

void BlurReadingBank::sample(std::mt19937& rng, int batch, int patch, Tensor& input, Tensor& target) const {
  const int side = sharp_.front().cols;
  if (patch > side)
    throw Error("train: patches of " + std::to_string(patch) + " cannot come from blur-reading regions of " +
                std::to_string(side));
  const Shape shape{batch, 1, patch, patch};
  if (input.empty() || !(input.shape() == shape)) input = Tensor(shape);
  if (target.empty() || !(target.shape() == shape)) target = Tensor(shape);
  std::uniform_int_distribution<size_t> region(0, sharp_.size() - 1);
  std::uniform_int_distribution<int> corner(0, side - patch), turn(0, 7);
  for (int b = 0; b < batch; ++b) {
    const size_t i = region(rng);
    const cv::Rect crop(corner(rng), corner(rng), patch, patch);
    const int t = turn(rng);  // the pre-filter was made with the region's own kernel, so both turn together
    pipeline::dihedral_transform(prefiltered_[i](crop), t).copyTo(cv::Mat(patch, patch, CV_32F, input.plane(b, 0)));
    pipeline::dihedral_transform(sharp_[i](crop), t).copyTo(cv::Mat(patch, patch, CV_32F, target.plane(b, 0)));
  }
}

}  // namespace upsample::train
