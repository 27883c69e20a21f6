#pragma once
// Two convolutions in one pass, for inference: a stride-1 "same" conv (with the activation
// after it) whose output feeds a 3×3 conv that Winograd computes (winograd_suits). The
// first conv's rows are made block by block where the second one reads them, so its output
// (ESPCN's 64 channels of the whole image) never goes to memory. A third conv may follow
// (ESPCN's last layer, with its pixel shuffle): the Winograd conv's rows then feed it the
// same way, and only its output is written. On Isa::Ref the convs run one after the other
// through the reference ops.
#include <memory>

#include "ops/conv_plan.hpp"

namespace upsample::ops {

class ConvPairPlan {
 public:
  // Whether a conv can be the first of a pair: stride 1, no dilation, odd kernel, "same"
  // padding, and not itself a Winograd conv (which runs best on its own).
  static bool first_suits(const Shape& weight, const Conv2dParams& params);

  // The conv that follows (ops::same_conv_within_tile), with the shuffle r ≥ 1 its output
  // goes through.
  struct Third {
    Tensor weight, bias;
    Conv2dParams params;
    ConvEpilogue epilogue;
    int shuffle = 1;
  };

  ConvPairPlan(const Tensor& first_weight, const Tensor& first_bias, const Conv2dParams& first_params,
               const ConvEpilogue& first_epilogue, const Tensor& second_weight, const Tensor& second_bias,
               const Conv2dParams& second_params, const ConvEpilogue& second_epilogue,
               const Third* third = nullptr);

  Shape output_shape(const Shape& input) const;
  Tensor forward(const Tensor& input) const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

}  // namespace upsample::ops
