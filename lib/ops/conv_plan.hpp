#pragma once
// Convolutions with their weights packed once, for inference: build a plan when the
// weights are loaded (or change), then call forward as often as needed. A plan may fuse
// the activation that follows the conv (and, for a conv, a pixel shuffle after it) into
// the pass that writes the output. It uses the instruction set that was active when it
// was built (ops::x86::active_isa()); on Isa::Ref it runs the reference ops.
#include <memory>

#include "ops/conv2d.hpp"
#include "ops/conv_transpose2d.hpp"
#include "tensor/tensor.hpp"

namespace upsample::ops {

enum class FusedActivation { None, Relu, PRelu, Tanh, Sigmoid };

// The activation applied to every output element, after the bias.
struct ConvEpilogue {
  FusedActivation activation = FusedActivation::None;
  Tensor prelu_weight;  // PRelu: [Cout] or [1] slopes
};

class Conv2dPlan {
 public:
  Conv2dPlan() = default;
  // weight [Cout, Cin/groups, kH, kW]; bias [Cout] or empty. The tensors are copied.
  Conv2dPlan(const Tensor& weight, const Tensor& bias, const Conv2dParams& params, ConvEpilogue epilogue = {});

  bool empty() const { return state_ == nullptr; }
  // Whether the plan was packed from these values (and for the active instruction set).
  bool packed_from(const Tensor& weight, const Tensor& bias, const ConvEpilogue& epilogue) const;
  Shape output_shape(const Shape& input) const;
  Tensor forward(const Tensor& input) const;
  // forward followed by pixel_shuffle(factor), written in one pass.
  Tensor forward_shuffled(const Tensor& input, int factor) const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

class ConvTranspose2dPlan {
 public:
  ConvTranspose2dPlan() = default;
  // weight [Cin, Cout/groups, kH, kW]; bias [Cout] or empty. The tensors are copied.
  ConvTranspose2dPlan(const Tensor& weight, const Tensor& bias, const ConvTranspose2dParams& params,
                      ConvEpilogue epilogue = {});

  bool empty() const { return state_ == nullptr; }
  bool packed_from(const Tensor& weight, const Tensor& bias, const ConvEpilogue& epilogue) const;
  Shape output_shape(const Shape& input) const;
  Tensor forward(const Tensor& input) const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

}  // namespace upsample::ops
