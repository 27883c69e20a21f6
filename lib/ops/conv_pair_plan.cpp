#include "ops/conv_pair_plan.hpp"

#include "ops/x86/conv_driver.hpp"
#include "ops/x86/winograd_conv.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

struct ConvPairPlan::State {
  x86::Isa isa = x86::Isa::Ref;
  Shape first_weight, second_weight, third_weight;
  Conv2dParams first_params, second_params, third_params;
  int third_shuffle = 1;
  bool has_third = false;
  ConvPlan first, second, third;  // the reference path only
  x86::PackedConv first_valid;  // packed without padding: run on windows that hold it
  x86::PackedWinograd winograd;
  x86::RowPassConv tail;
};

bool ConvPairPlan::first_suits(const Shape& weight, const Conv2dParams& p) {
  const int64_t kh = weight[2], kw = weight[3];
  return p.stride_h == 1 && p.stride_w == 1 && p.dilation_h == 1 && p.dilation_w == 1 && kh % 2 == 1 &&
         kw % 2 == 1 && p.pad_top == kh / 2 && p.pad_bottom == kh / 2 && p.pad_left == kw / 2 &&
         p.pad_right == kw / 2 && !winograd_suits(weight, p);
}

ConvPairPlan::ConvPairPlan(const Tensor& first_weight, const Tensor& first_bias, const Conv2dParams& first_params,
                           const ConvEpilogue& first_epilogue, const Tensor& second_weight, const Tensor& second_bias,
                           const Conv2dParams& second_params, const ConvEpilogue& second_epilogue, const Third* third) {
  if (!first_suits(first_weight.shape(), first_params) || !winograd_suits(second_weight.shape(), second_params) ||
      first_weight.shape()[0] != second_weight.shape()[1])
    throw Error("conv pair plan: " + first_weight.shape().str() + " then " + second_weight.shape().str() +
                " is not a same conv into a Winograd conv");
  if (third != nullptr && (!same_conv_within_tile(third->weight.shape(), third->params) ||
                           third->weight.shape()[1] != second_weight.shape()[0] || third->shuffle < 1 ||
                           third->weight.shape()[0] % (int64_t{third->shuffle} * third->shuffle) != 0))
    throw Error("conv pair plan: " + third->weight.shape().str() + " with shuffle " + std::to_string(third->shuffle) +
                " cannot follow " + second_weight.shape().str() + " in one pass");
  auto s = std::make_shared<State>();
  s->isa = x86::active_isa();
  s->first_weight = first_weight.shape();
  s->second_weight = second_weight.shape();
  s->first_params = first_params;
  s->second_params = second_params;
  if (third != nullptr) {
    s->has_third = true;
    s->third_weight = third->weight.shape();
    s->third_params = third->params;
    s->third_shuffle = third->shuffle;
  }
  if (s->isa == x86::Isa::Ref) {
    s->first = ConvPlan(first_weight, first_bias, first_params, first_epilogue);
    s->second = ConvPlan(second_weight, second_bias, second_params, second_epilogue);
    if (third != nullptr) s->third = ConvPlan(third->weight, third->bias, third->params, third->epilogue, third->shuffle);
  } else {
    x86::ConvGeometry valid;
    valid.groups = first_params.groups;
    const int64_t mid = first_weight.shape()[0], out = second_weight.shape()[0];
    s->first_valid = x86::pack_conv(
        first_weight, first_bias, valid,
        x86::make_epilogue(first_epilogue.activation, first_epilogue.prelu_weight, mid), s->isa);
    s->winograd = x86::pack_winograd(
        second_weight, second_bias, x86::make_epilogue(second_epilogue.activation, second_epilogue.prelu_weight, out),
        s->isa);
    if (third != nullptr) {
      const int64_t out3 = third->weight.shape()[0];
      const x86::Epilogue e3 = x86::make_epilogue(third->epilogue.activation, third->epilogue.prelu_weight, out3);
      s->tail = x86::pack_row_pass_conv(third->weight, third->bias, winograd_suits(third->weight.shape(), third->params),
                                        e3, s->isa, third->shuffle);
    }
  }
  state_ = std::move(s);
}

Shape ConvPairPlan::output_shape(const Shape& input) const {
  const State& s = *state_;
  const Shape second = conv2d_output_shape(conv2d_output_shape(input, s.first_weight, s.first_params), s.second_weight,
                                           s.second_params);
  if (!s.has_third) return second;
  const Shape third = conv2d_output_shape(second, s.third_weight, s.third_params);
  const int64_t r = s.third_shuffle;
  return Shape{third.n(), third.c() / (r * r), third.h() * r, third.w() * r};
}

Tensor ConvPairPlan::forward(const Tensor& input) const {
  const State& s = *state_;
  if (s.isa == x86::Isa::Ref) {
    Tensor second = s.second.forward(s.first.forward(input));
    return s.has_third ? s.third.forward(second) : second;
  }
  Tensor output = Tensor::uninitialized(output_shape(input.shape()));
  x86::run_conv_into_winograd(s.first_valid, s.first_params.pad_top, s.first_params.pad_left, s.winograd, input,
                              output, s.has_third ? &s.tail : nullptr);
  return output;
}

}  // namespace upsample::ops
