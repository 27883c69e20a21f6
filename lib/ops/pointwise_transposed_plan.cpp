#include "ops/pointwise_transposed_plan.hpp"

#include "ops/conv_pointwise_plan.hpp"
#include "ops/x86/conv_driver.hpp"
#include "ops/x86/pointwise_into_transposed.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

struct PointwiseTransposedPlan::State {
  x86::Isa isa = x86::Isa::Ref;
  Shape first_weight, second_weight;
  ConvTranspose2dParams second_params;
  ConvPlan first, second;  // the reference path only
  x86::PackedConv pointwise, tile_transposed;
  int halo_h = 0, halo_w = 0;
};

bool PointwiseTransposedPlan::first_suits(const Shape& weight, const Conv2dParams& params) {
  return ConvPointwisePlan::second_suits(weight, params);
}

bool PointwiseTransposedPlan::second_suits(const Shape& weight, const ConvTranspose2dParams& p) {
  return weight.rank() == 4 && p.groups == 1 && p.dilation_h == 1 && p.dilation_w == 1 &&
         weight[2] + p.output_padding_h - 2 * p.pad_h == p.stride_h &&
         weight[3] + p.output_padding_w - 2 * p.pad_w == p.stride_w;
}

PointwiseTransposedPlan::PointwiseTransposedPlan(const Tensor& first_weight, const Tensor& first_bias,
                                                 const Conv2dParams& first_params, const ConvEpilogue& first_epilogue,
                                                 const Tensor& second_weight, const Tensor& second_bias,
                                                 const ConvTranspose2dParams& second_params,
                                                 const ConvEpilogue& second_epilogue) {
  if (!first_suits(first_weight.shape(), first_params) || !second_suits(second_weight.shape(), second_params) ||
      first_weight.shape()[0] != second_weight.shape()[0])
    throw Error("pointwise transposed plan: " + first_weight.shape().str() + " then " + second_weight.shape().str() +
                " is not a 1×1 conv into a transposed conv that upscales by its stride");
  auto s = std::make_shared<State>();
  s->isa = x86::active_isa();
  s->first_weight = first_weight.shape();
  s->second_weight = second_weight.shape();
  s->second_params = second_params;
  if (s->isa == x86::Isa::Ref) {
    s->first = ConvPlan(first_weight, first_bias, first_params, first_epilogue);
    s->second = ConvPlan(second_weight, second_bias, second_params, second_epilogue);
  } else {
    const int64_t mid = first_weight.shape()[0], out = second_weight.shape()[1];
    s->pointwise = x86::pack_conv(first_weight, first_bias, x86::ConvGeometry{},
                                  x86::make_epilogue(first_epilogue.activation, first_epilogue.prelu_weight, mid),
                                  s->isa);
    const ConvTranspose2dParams& p = second_params;
    s->halo_h = x86::transposed_tile_halo(static_cast<int>(second_weight.shape()[2]), p.stride_h, p.pad_h);
    s->halo_w = x86::transposed_tile_halo(static_cast<int>(second_weight.shape()[3]), p.stride_w, p.pad_w);
    // Grown padding: a tile's output 0 is the image's output stride × (the tile's origin).
    x86::ConvGeometry tile;
    tile.stride_h = p.stride_h;
    tile.stride_w = p.stride_w;
    tile.pad_top = p.pad_h + p.stride_h * s->halo_h;
    tile.pad_left = p.pad_w + p.stride_w * s->halo_w;
    s->tile_transposed = x86::pack_transposed(
        second_weight, second_bias, tile,
        x86::make_epilogue(second_epilogue.activation, second_epilogue.prelu_weight, out), s->isa);
  }
  state_ = std::move(s);
}

Shape PointwiseTransposedPlan::output_shape(const Shape& input) const {
  const State& s = *state_;
  return conv_transpose2d_output_shape(conv2d_output_shape(input, s.first_weight, Conv2dParams{}), s.second_weight,
                                       s.second_params);
}

Tensor PointwiseTransposedPlan::forward(const Tensor& input) const {
  const State& s = *state_;
  if (s.isa == x86::Isa::Ref) return s.second.forward(s.first.forward(input));
  Tensor output = Tensor::uninitialized(output_shape(input.shape()));
  x86::run_pointwise_into_transposed(s.pointwise, s.tile_transposed, s.halo_h, s.halo_w, input, output);
  return output;
}

}  // namespace upsample::ops
