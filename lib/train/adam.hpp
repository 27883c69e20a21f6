#pragma once
// Adam (Kingma & Ba 2015) over a model's parameters, with each parameter's learning
// rate scaled by its lr_multiplier (the SR papers train the last layer 10× slower) and
// frozen parameters left alone.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nn/layer.hpp"

namespace upsample::train {

struct AdamOptions {
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
};

class Adam {
 public:
  Adam(std::vector<nn::Parameter*> parameters, AdamOptions options = {});
  // One update with base learning rate `lr`, from the gradients now in the parameters.
  void step(double lr);
  int64_t steps() const { return steps_; }

  // Moments as named tensors ("adam.m.<param>", "adam.v.<param>") for checkpoints.
  std::vector<std::pair<std::string, Tensor>> state() const;
  // Restores what state() saved; throws Error if a tensor is missing or mis-shaped.
  void restore(const std::vector<std::pair<std::string, Tensor>>& tensors, int64_t steps);

 private:
  std::vector<nn::Parameter*> parameters_;
  std::vector<Tensor> m_, v_;
  AdamOptions options_;
  int64_t steps_ = 0;
};

}  // namespace upsample::train
