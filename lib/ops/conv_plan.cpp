#include "ops/conv_plan.hpp"

#include <cstring>

#include "ops/pixel_shuffle.hpp"
#include "ops/prelu.hpp"
#include "ops/ref/activations_ref.hpp"
#include "ops/ref/conv2d_ref.hpp"
#include "ops/ref/conv_transpose2d_ref.hpp"
#include "ops/ref/pixel_shuffle_ref.hpp"
#include "ops/ref/prelu_ref.hpp"
#include "ops/x86/conv_driver.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

namespace {

x86::Epilogue fast_epilogue(const ConvEpilogue& e, int64_t out_channels) {
  x86::Epilogue out;
  switch (e.activation) {
    case FusedActivation::None: out.act = x86::Act::None; break;
    case FusedActivation::Relu: out.act = x86::Act::Relu; break;
    case FusedActivation::Tanh: out.act = x86::Act::Tanh; break;
    case FusedActivation::Sigmoid: out.act = x86::Act::Sigmoid; break;
    case FusedActivation::PRelu:
      out.act = x86::Act::PRelu;
      prelu_output_shape(Shape{1, out_channels, 1, 1}, e.prelu_weight.shape());
      out.slopes.assign(e.prelu_weight.data(), e.prelu_weight.data() + e.prelu_weight.numel());
      break;
  }
  return out;
}

Tensor apply_reference(const ConvEpilogue& e, const Tensor& x) {
  switch (e.activation) {
    case FusedActivation::None: return x;
    case FusedActivation::Relu: return ref::relu_forward(x);
    case FusedActivation::Tanh: return ref::tanh_forward(x);
    case FusedActivation::Sigmoid: return ref::sigmoid_forward(x);
    case FusedActivation::PRelu: return ref::prelu_forward(x, e.prelu_weight);
  }
  return x;
}

ConvEpilogue copied(const ConvEpilogue& e) { return {e.activation, e.prelu_weight.empty() ? Tensor{} : e.prelu_weight.clone()}; }

bool same_values(const Tensor& a, const Tensor& b) {
  if (a.empty() || b.empty()) return a.empty() == b.empty();
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * sizeof(float)) == 0;
}

bool same_epilogue(const ConvEpilogue& a, const ConvEpilogue& b) {
  return a.activation == b.activation &&
         (a.activation != FusedActivation::PRelu || same_values(a.prelu_weight, b.prelu_weight));
}

x86::ConvGeometry geometry(const Conv2dParams& p) {
  return {p.stride_h, p.stride_w, p.pad_top, p.pad_left, p.dilation_h, p.dilation_w, p.groups};
}
x86::ConvGeometry geometry(const ConvTranspose2dParams& p) {
  return {p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w, p.groups};
}

}  // namespace

// ---- Conv2dPlan -----------------------------------------------------------------------

struct Conv2dPlan::State {
  Tensor weight, bias;
  Conv2dParams params;
  ConvEpilogue epilogue;
  x86::Isa isa = x86::Isa::Ref;
  x86::PackedConv packed;
};

Conv2dPlan::Conv2dPlan(const Tensor& weight, const Tensor& bias, const Conv2dParams& params, ConvEpilogue epilogue) {
  auto s = std::make_shared<State>();
  s->weight = weight.clone();
  s->bias = bias.empty() ? Tensor{} : bias.clone();
  s->params = params;
  s->epilogue = copied(epilogue);
  s->isa = x86::active_isa();
  if (weight.shape().rank() != 4) throw Error("conv plan: weight must be [Cout, Cin/groups, kH, kW], got " + weight.shape().str());
  if (!bias.empty()) check_shape(bias.shape(), Shape{weight.shape()[0]}, "conv plan: bias");
  if (s->isa != x86::Isa::Ref)
    s->packed = x86::pack_conv(weight, bias, geometry(params), fast_epilogue(epilogue, weight.shape()[0]), s->isa);
  state_ = std::move(s);
}

bool Conv2dPlan::packed_from(const Tensor& weight, const Tensor& bias, const ConvEpilogue& epilogue) const {
  return state_ && state_->isa == x86::active_isa() && same_values(state_->weight, weight) &&
         same_values(state_->bias, bias) && same_epilogue(state_->epilogue, epilogue);
}

Shape Conv2dPlan::output_shape(const Shape& input) const {
  if (!state_) throw Error("conv plan: empty plan");
  return conv2d_output_shape(input, state_->weight.shape(), state_->params);
}

Tensor Conv2dPlan::forward(const Tensor& input) const { return forward_shuffled(input, 1); }

Tensor Conv2dPlan::forward_shuffled(const Tensor& input, int factor) const {
  const Shape out = output_shape(input.shape());
  const State& s = *state_;
  if (s.isa == x86::Isa::Ref) {
    Tensor y = apply_reference(s.epilogue, ref::conv2d_forward(input, s.weight, s.bias, s.params));
    return factor == 1 ? y : ref::pixel_shuffle_forward(y, factor);
  }
  Tensor output = Tensor::uninitialized(factor == 1 ? out : pixel_shuffle_output_shape(out, factor));
  x86::run_packed(s.packed, input, output, factor);
  return output;
}

// ---- ConvTranspose2dPlan --------------------------------------------------------------

struct ConvTranspose2dPlan::State {
  Tensor weight, bias;
  ConvTranspose2dParams params;
  ConvEpilogue epilogue;
  x86::Isa isa = x86::Isa::Ref;
  x86::PackedConv packed;
};

ConvTranspose2dPlan::ConvTranspose2dPlan(const Tensor& weight, const Tensor& bias, const ConvTranspose2dParams& params,
                                         ConvEpilogue epilogue) {
  auto s = std::make_shared<State>();
  s->weight = weight.clone();
  s->bias = bias.empty() ? Tensor{} : bias.clone();
  s->params = params;
  s->epilogue = copied(epilogue);
  s->isa = x86::active_isa();
  if (weight.shape().rank() != 4)
    throw Error("transposed conv plan: weight must be [Cin, Cout/groups, kH, kW], got " + weight.shape().str());
  const int64_t out_channels = weight.shape()[1] * params.groups;
  if (!bias.empty()) check_shape(bias.shape(), Shape{out_channels}, "transposed conv plan: bias");
  if (s->isa != x86::Isa::Ref)
    s->packed = x86::pack_transposed(weight, bias, geometry(params), fast_epilogue(epilogue, out_channels), s->isa);
  state_ = std::move(s);
}

bool ConvTranspose2dPlan::packed_from(const Tensor& weight, const Tensor& bias, const ConvEpilogue& epilogue) const {
  return state_ && state_->isa == x86::active_isa() && same_values(state_->weight, weight) &&
         same_values(state_->bias, bias) && same_epilogue(state_->epilogue, epilogue);
}

Shape ConvTranspose2dPlan::output_shape(const Shape& input) const {
  if (!state_) throw Error("transposed conv plan: empty plan");
  return conv_transpose2d_output_shape(input, state_->weight.shape(), state_->params);
}

Tensor ConvTranspose2dPlan::forward(const Tensor& input) const {
  const Shape out = output_shape(input.shape());
  const State& s = *state_;
  if (s.isa == x86::Isa::Ref)
    return apply_reference(s.epilogue, ref::conv_transpose2d_forward(input, s.weight, s.bias, s.params));
  Tensor output = Tensor::uninitialized(out);
  x86::run_packed(s.packed, input, output);
  return output;
}

}  // namespace upsample::ops
