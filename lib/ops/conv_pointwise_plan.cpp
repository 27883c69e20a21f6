#include "ops/conv_pointwise_plan.hpp"

#include <algorithm>
#include <vector>

#include "ops/conv_pair_plan.hpp"
#include "ops/x86/conv_driver.hpp"
#include "ops/x86/conv_into_pointwise.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

struct ConvPointwisePlan::State {
  x86::Isa isa = x86::Isa::Ref;
  Shape first_weight, second_weight;
  Conv2dParams first_params;
  ConvPlan first, second;       // the reference path only
  x86::PackedConv first_valid;  // packed without padding: run on windows that hold it
  x86::PackedConv pointwise;
  // For inputs whose last planes are constant (a damage model's condition): [k] is the
  // first conv over all planes but the last k + 1, without bias or activation; the
  // weights give ConstantPlanesTerm the rest.
  std::vector<x86::PackedConv> first_without_constant;
  Tensor first_weight_values;
};

namespace {

// Condition planes are few; a conv reading many planes gets no variants.
constexpr int64_t kMostConstantPlanes = 4;

// weight [Cout, C, kh, kw] → its first `planes` input planes.
Tensor leading_planes(const Tensor& weight, int64_t planes) {
  const Shape& w = weight.shape();
  Tensor out(Shape{w[0], planes, w[2], w[3]});
  const int64_t taps = w[2] * w[3];
  for (int64_t co = 0; co < w[0]; ++co)
    std::copy_n(weight.data() + co * w[1] * taps, planes * taps, out.data() + co * planes * taps);
  return out;
}

}  // namespace

bool ConvPointwisePlan::second_suits(const Shape& weight, const Conv2dParams& p) {
  return weight.rank() == 4 && weight[2] == 1 && weight[3] == 1 && p.stride_h == 1 && p.stride_w == 1 &&
         p.pad_top == 0 && p.pad_bottom == 0 && p.pad_left == 0 && p.pad_right == 0 && p.groups == 1;
}

ConvPointwisePlan::ConvPointwisePlan(const Tensor& first_weight, const Tensor& first_bias,
                                     const Conv2dParams& first_params, const ConvEpilogue& first_epilogue,
                                     const Tensor& second_weight, const Tensor& second_bias,
                                     const Conv2dParams& second_params, const ConvEpilogue& second_epilogue) {
  if (!ConvPairPlan::first_suits(first_weight.shape(), first_params) ||
      !second_suits(second_weight.shape(), second_params) || first_weight.shape()[0] != second_weight.shape()[1])
    throw Error("conv pointwise plan: " + first_weight.shape().str() + " then " + second_weight.shape().str() +
                " is not a same conv into a 1×1 conv");
  auto s = std::make_shared<State>();
  s->isa = x86::active_isa();
  s->first_weight = first_weight.shape();
  s->second_weight = second_weight.shape();
  s->first_params = first_params;
  if (s->isa == x86::Isa::Ref) {
    s->first = ConvPlan(first_weight, first_bias, first_params, first_epilogue);
    s->second = ConvPlan(second_weight, second_bias, Conv2dParams{}, second_epilogue);
  } else {
    x86::ConvGeometry valid;
    valid.groups = first_params.groups;
    const int64_t mid = first_weight.shape()[0], out = second_weight.shape()[0];
    s->first_valid = x86::pack_conv(first_weight, first_bias, valid,
                                    x86::make_epilogue(first_epilogue.activation, first_epilogue.prelu_weight, mid),
                                    s->isa);
    s->pointwise = x86::pack_conv(second_weight, second_bias, x86::ConvGeometry{},
                                  x86::make_epilogue(second_epilogue.activation, second_epilogue.prelu_weight, out),
                                  s->isa);
    const int64_t planes = first_weight.shape()[1];
    if (first_params.groups == 1) {
      for (int64_t k = 1; k <= std::min(planes - 1, kMostConstantPlanes); ++k)
        s->first_without_constant.push_back(
            x86::pack_conv(leading_planes(first_weight, planes - k), Tensor{}, valid, x86::Epilogue{}, s->isa));
      s->first_weight_values = first_weight;
    }
  }
  state_ = std::move(s);
}

Shape ConvPointwisePlan::output_shape(const Shape& input) const {
  const State& s = *state_;
  return conv2d_output_shape(conv2d_output_shape(input, s.first_weight, s.first_params), s.second_weight,
                             Conv2dParams{});
}

Tensor ConvPointwisePlan::forward(const Tensor& input) const {
  const State& s = *state_;
  if (s.isa == x86::Isa::Ref) return s.second.forward(s.first.forward(input));
  Tensor output = Tensor::uninitialized(output_shape(input.shape()));
  const int64_t planes = s.first_weight[1];
  if (!s.first_without_constant.empty() && input.shape().rank() == 4 && input.shape().c() == planes) {
    const auto constant = std::min(planes - x86::planes_before_constant(input),
                                   static_cast<int64_t>(s.first_without_constant.size()));
    if (constant > 0) {
      const x86::ConstantPlanesTerm term(s.first_weight_values, s.first_valid, s.first_params.pad_top,
                                         s.first_params.pad_left, planes - constant, input);
      x86::run_conv_into_pointwise(s.first_without_constant[static_cast<size_t>(constant - 1)],
                                   s.first_params.pad_top, s.first_params.pad_left, s.pointwise, input, output, &term);
      return output;
    }
  }
  x86::run_conv_into_pointwise(s.first_valid, s.first_params.pad_top, s.first_params.pad_left, s.pointwise, input,
                               output);
  return output;
}

}  // namespace upsample::ops
