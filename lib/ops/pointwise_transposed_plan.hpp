#pragma once
// Two layers in one pass, for inference: a 1×1 conv (with the activation after it) whose
// output feeds a transposed conv that upscales by exactly its stride (FSRCNN's expanding
// layer into its 9×9 deconvolution). The 1×1 conv's output is made tile by tile where the
// transposed conv reads it, so its many channels never go to memory. On Isa::Ref the two
// run one after the other through the reference ops.
#include <memory>

#include "ops/conv_plan.hpp"

namespace upsample::ops {

class PointwiseTransposedPlan {
 public:
  // The first layer: 1×1, stride 1, no padding, one group.
  static bool first_suits(const Shape& weight, const Conv2dParams& params);
  // The second: one group, no dilation, output exactly stride × its input (kernel + output
  // padding − 2 · padding = stride on each axis).
  static bool second_suits(const Shape& weight, const ConvTranspose2dParams& params);

  PointwiseTransposedPlan(const Tensor& first_weight, const Tensor& first_bias, const Conv2dParams& first_params,
                          const ConvEpilogue& first_epilogue, const Tensor& second_weight, const Tensor& second_bias,
                          const ConvTranspose2dParams& second_params, const ConvEpilogue& second_epilogue);

  Shape output_shape(const Shape& input) const;
  Tensor forward(const Tensor& input) const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

}  // namespace upsample::ops
