#pragma once
// Training pairs for a deblurring network told the blur `upsample deblur` reads
// (deblur::read_blur: the estimator and the blind kernel search) rather than the true
// blur, so it learns to allow for the reading's errors: a free-form kernel's stray taps,
// a streak a pixel short. A reading takes a blind search, far longer than a training
// step, so regions are blurred and read once, when the run starts, and each keeps the
// network's input (the Wiener pre-filter with the kernel read off the whole region, as
// `deblur` filters a whole image) beside its sharp original. Steps crop patches from
// them, flipped and turned at random.
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "models/model.hpp"
#include "tensor/tensor.hpp"
#include "train/deblur_data.hpp"

namespace upsample::train {

struct BlurReadingBankOptions {
  int regions = 1000;  // blurred regions read at the start
  int side = 192;      // their edge; the blind search reads at most 320² of a photo
  double nsr = 0.01;   // the network's Wiener pre-filter
  uint32_t seed = 1;   // the same seed gives the same bank, so a resumed run trains on it again
};

class BlurReadingBank {
 public:
  // Draws the regions from `data` (its blurs and noise) and reads each one's blur.
  // `log` gets progress notes.
  static BlurReadingBank build(const DeblurPatchSampler& data, const models::Model& estimator,
                               const BlurReadingBankOptions& options, const std::function<void(const std::string&)>& log);

  size_t regions() const { return prefiltered_.size(); }
  // Fills input (the pre-filtered blurred patch) and target (sharp) [B, 1, patch, patch].
  void sample(std::mt19937& rng, int batch, int patch, Tensor& input, Tensor& target) const;

 private:
  std::vector<cv::Mat> prefiltered_, sharp_;  // CV_32FC1, side × side
};

}  // namespace upsample::train
