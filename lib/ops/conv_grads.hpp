#pragma once
// Gradients returned by the backward pass of conv2d and conv_transpose2d.
#include "tensor/tensor.hpp"

namespace upsample::ops {

struct ConvGrads {
  Tensor input;   // same shape as the forward input
  Tensor weight;  // same shape as the weight
  Tensor bias;    // [Cout]; empty when the layer has no bias
};

}  // namespace upsample::ops
