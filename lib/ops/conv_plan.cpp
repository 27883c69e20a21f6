#include "ops/conv_plan.hpp"

#include <optional>
#include <type_traits>
#include <variant>

#include "ops/pixel_shuffle.hpp"
#include "ops/prelu.hpp"
#include "ops/ref/activations_ref.hpp"
#include "ops/ref/conv2d_ref.hpp"
#include "ops/ref/conv_transpose2d_ref.hpp"
#include "ops/ref/pixel_shuffle_ref.hpp"
#include "ops/ref/prelu_ref.hpp"
#include "ops/x86/conv_driver.hpp"
#include "ops/x86/winograd_conv.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

namespace {

x86::Epilogue fast_epilogue(const ConvEpilogue& e, int64_t out_channels) {
  return x86::make_epilogue(e.activation, e.prelu_weight, out_channels);
}

Tensor apply_reference(const ConvEpilogue& e, const Tensor& x) {
  switch (e.activation) {
    case Activation::None: return x;
    case Activation::Relu: return ref::relu_forward(x);
    case Activation::Tanh: return ref::tanh_forward(x);
    case Activation::Sigmoid: return ref::sigmoid_forward(x);
    case Activation::PRelu: return ref::prelu_forward(x, e.prelu_weight);
  }
  return x;
}

Tensor copy_of(const Tensor& t) { return t.empty() ? Tensor{} : t.clone(); }

}  // namespace

bool winograd_suits(const Shape& weight, const Conv2dParams& p) {
  return weight[2] == 3 && weight[3] == 3 && p.stride_h == 1 && p.stride_w == 1 &&
         p.dilation_h == 1 && p.dilation_w == 1 && p.groups == 1 && p.pad_top == 1 && p.pad_bottom == 1 &&
         p.pad_left == 1 && p.pad_right == 1 && weight[1] >= kWinogradMinInChannels &&
         weight[0] >= kWinogradMinOutChannels;
}

bool same_conv_within_tile(const Shape& weight, const Conv2dParams& p) {
  const int64_t k = weight[2];
  return weight[3] == k && k % 2 == 1 && k <= 2 * kWinogradTile + 1 && p.stride_h == 1 && p.stride_w == 1 &&
         p.dilation_h == 1 && p.dilation_w == 1 && p.groups == 1 && p.pad_top == k / 2 && p.pad_bottom == k / 2 &&
         p.pad_left == k / 2 && p.pad_right == k / 2;
}

namespace {

x86::ConvGeometry geometry(const Conv2dParams& p) {
  return {p.stride_h, p.stride_w, p.pad_top, p.pad_left, p.dilation_h, p.dilation_w, p.groups};
}
x86::ConvGeometry geometry(const ConvTranspose2dParams& p) {
  return {p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w, p.groups};
}

}  // namespace

// The fast paths keep only the packed weights; the reference keeps copies of the tensors.
struct ConvPlan::State {
  std::variant<Conv2dParams, ConvTranspose2dParams> params;
  Shape weight_shape;
  int shuffle = 1;
  x86::Isa isa = x86::Isa::Ref;
  x86::PackedConv packed;
  std::optional<x86::PackedWinograd> winograd;  // instead of `packed`, where it suits
  Tensor weight, bias;
  ConvEpilogue epilogue;

  // Copies the weights for the reference ops, or packs them for the fast ones.
  template <typename Params>
  State(const Tensor& w, const Tensor& b, const Params& p, const ConvEpilogue& e, int64_t out_channels,
        int shuffle_factor = 1)
      : params(p), weight_shape(w.shape()), shuffle(shuffle_factor), isa(x86::active_isa()) {
    if (!b.empty()) check_shape(b.shape(), Shape{out_channels}, "conv plan: bias");
    if (isa == x86::Isa::Ref) {
      weight = w.clone();
      bias = copy_of(b);
      epilogue = {e.activation, copy_of(e.prelu_weight)};
    } else if constexpr (std::is_same_v<Params, Conv2dParams>) {
      if (winograd_suits(w.shape(), p))
        winograd = x86::pack_winograd(w, b, fast_epilogue(e, out_channels), isa, shuffle);
      else
        packed = x86::pack_conv(w, b, geometry(p), fast_epilogue(e, out_channels), isa);
    } else {
      packed = x86::pack_transposed(w, b, geometry(p), fast_epilogue(e, out_channels), isa);
    }
  }
};

ConvPlan::ConvPlan(const Tensor& weight, const Tensor& bias, const Conv2dParams& params, const ConvEpilogue& epilogue,
                   int shuffle) {
  if (weight.shape().rank() != 4)
    throw Error("conv plan: weight must be [Cout, Cin/groups, kH, kW], got " + weight.shape().str());
  pixel_shuffle_output_shape(Shape{1, weight.shape()[0], 1, 1}, shuffle);  // throws unless r divides Cout
  state_ = std::make_shared<State>(weight, bias, params, epilogue, weight.shape()[0], shuffle);
}

ConvPlan::ConvPlan(const Tensor& weight, const Tensor& bias, const ConvTranspose2dParams& params,
                   const ConvEpilogue& epilogue) {
  if (weight.shape().rank() != 4)
    throw Error("transposed conv plan: weight must be [Cin, Cout/groups, kH, kW], got " + weight.shape().str());
  state_ = std::make_shared<State>(weight, bias, params, epilogue, weight.shape()[1] * params.groups);
}

Shape ConvPlan::output_shape(const Shape& input) const {
  if (!state_) throw Error("conv plan: empty plan");
  const State& s = *state_;
  if (const auto* p = std::get_if<ConvTranspose2dParams>(&s.params))
    return conv_transpose2d_output_shape(input, s.weight_shape, *p);
  const Shape out = conv2d_output_shape(input, s.weight_shape, std::get<Conv2dParams>(s.params));
  return s.shuffle == 1 ? out : pixel_shuffle_output_shape(out, s.shuffle);
}

bool ConvPlan::uses_winograd() const { return state_ != nullptr && state_->winograd.has_value(); }

Tensor ConvPlan::forward(const Tensor& input) const {
  const Shape out = output_shape(input.shape());
  const State& s = *state_;
  if (s.isa == x86::Isa::Ref) {
    if (const auto* p = std::get_if<ConvTranspose2dParams>(&s.params))
      return apply_reference(s.epilogue, ref::conv_transpose2d_forward(input, s.weight, s.bias, *p));
    const Tensor y =
        apply_reference(s.epilogue, ref::conv2d_forward(input, s.weight, s.bias, std::get<Conv2dParams>(s.params)));
    return s.shuffle == 1 ? y : ref::pixel_shuffle_forward(y, s.shuffle);
  }
  Tensor output = Tensor::uninitialized(out);
  if (s.winograd) x86::run_winograd(*s.winograd, input, output);
  else x86::run_packed(s.packed, input, output, s.shuffle);
  return output;
}

}  // namespace upsample::ops
