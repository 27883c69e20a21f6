#pragma once
// Gradients returned by the backward pass of conv2d and conv_transpose2d.
#include "tensor/tensor.hpp"

namespace upsample::ops {

struct ConvGrads {
  Tensor input;   // same shape as the forward input
  Tensor weight;  // same shape as the weight
  Tensor bias;    // [Cout]; empty when the layer has no bias
};

// The lowest layer of a training step has no use for the gradient w.r.t. its input,
// often the costliest of the three (a 1-channel image under a wide first layer).
enum class InputGradient { Wanted, Skipped };

}  // namespace upsample::ops
