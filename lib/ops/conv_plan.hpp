#pragma once
// Convolutions with their weights packed once, for inference: build a plan when the
// weights are loaded (or change), then call forward as often as needed, from any number
// of threads at once. A plan may fuse the activation that follows the conv (and, for a
// conv, a pixel shuffle after it) into the pass that writes the output. It copies what it
// needs, so it keeps computing with the weights it was built from until it is rebuilt.
// It uses the instruction set that was active when it was built (ops::x86::active_isa());
// on Isa::Ref it runs the reference ops.
#include <memory>

#include "ops/activation.hpp"
#include "ops/conv2d.hpp"
#include "ops/conv_transpose2d.hpp"
#include "tensor/tensor.hpp"

namespace upsample::ops {

// The activation applied to every output element, after the bias.
struct ConvEpilogue {
  Activation activation = Activation::None;
  Tensor prelu_weight;  // PRelu: [Cout] or [1] slopes
};

// Whether a conv (weight [Cout, Cin, kH, kW]) is computed by Winograd F(4×4, 3×3): 3×3,
// stride 1, padding 1, one group, 12+ channels in and 8+ out (pixel shuffle or not).
bool winograd_suits(const Shape& weight, const Conv2dParams& params);
// The output tile edge of the Winograd form.
inline constexpr int kWinogradTile = 4;
// Whether a conv can run inside a pass that walks down the image a tile row at a time
// (ConvPairPlan's third conv, ConvChainPlan's links): stride 1, one group, no dilation,
// square odd kernel whose "same" padding reaches at most one tile (up to 9×9).
bool same_conv_within_tile(const Shape& weight, const Conv2dParams& params);
// Winograd pays for its transforms once a tile's products span enough channels: ESPCN's
// 64→32 layer and the U-Net's are well past it; FSRCNN's 12→12 ones gain once they run
// as one chain (ConvChainPlan).
inline constexpr int64_t kWinogradMinInChannels = 12;
inline constexpr int64_t kWinogradMinOutChannels = 8;

class ConvPlan {
 public:
  ConvPlan() = default;
  // A convolution: weight [Cout, Cin/groups, kH, kW], bias [Cout] or empty. With shuffle
  // r > 1 the output is written pixel-shuffled: [N, Cout/r², Hout·r, Wout·r].
  ConvPlan(const Tensor& weight, const Tensor& bias, const Conv2dParams& params, const ConvEpilogue& epilogue = {},
           int shuffle = 1);
  // A transposed convolution: weight [Cin, Cout/groups, kH, kW], bias [Cout] or empty.
  ConvPlan(const Tensor& weight, const Tensor& bias, const ConvTranspose2dParams& params,
           const ConvEpilogue& epilogue = {});

  bool empty() const { return state_ == nullptr; }
  Shape output_shape(const Shape& input) const;
  Tensor forward(const Tensor& input) const;
  // Whether the plan computes by Winograd F(4×4, 3×3) (3×3 same convs with many channels).
  bool uses_winograd() const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

}  // namespace upsample::ops
