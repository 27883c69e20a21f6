#pragma once
// Two convolutions in one pass, for inference: a stride-1 "same" conv (with the activation
// after it) whose output feeds a 1×1 conv (FSRCNN's feature extraction into its shrinking
// layer). The first conv's output is made tile by tile where the 1×1 conv reads it, so
// its many channels never go to memory. On Isa::Ref the two run one after the other
// through the reference ops.
#include <memory>

#include "ops/conv_plan.hpp"

namespace upsample::ops {

class ConvPointwisePlan {
 public:
  // The second conv: 1×1, stride 1, no padding, one group.
  static bool second_suits(const Shape& weight, const Conv2dParams& params);

  // first_params must suit ConvPairPlan::first_suits (a same conv that is not Winograd's).
  ConvPointwisePlan(const Tensor& first_weight, const Tensor& first_bias, const Conv2dParams& first_params,
                    const ConvEpilogue& first_epilogue, const Tensor& second_weight, const Tensor& second_bias,
                    const Conv2dParams& second_params, const ConvEpilogue& second_epilogue);

  Shape output_shape(const Shape& input) const;
  Tensor forward(const Tensor& input) const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

}  // namespace upsample::ops
