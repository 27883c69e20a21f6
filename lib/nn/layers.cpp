#include "nn/layers.hpp"

#include <algorithm>
#include <cmath>

#include "ops/activations.hpp"
#include "ops/nearest_conv_fold.hpp"
#include "ops/pixel_shuffle.hpp"
#include "ops/prelu.hpp"
#include "tensor/error.hpp"

namespace upsample::nn {

namespace {

// Adds `delta` into `grad` (allocating it on first use).
void accumulate(Tensor& grad, const Tensor& delta) {
  if (delta.empty()) return;
  if (grad.empty() || !(grad.shape() == delta.shape())) {
    grad = delta.clone();
    return;
  }
  float* g = grad.data();
  const float* d = delta.data();
  const int64_t n = grad.numel();
  for (int64_t i = 0; i < n; ++i) g[i] += d[i];
}

Parameter make_parameter(const Shape& shape) {
  Parameter p;
  p.value = Tensor(shape);
  p.grad = Tensor(shape);
  return p;
}

// Stride 1, this zero padding on every side: the folded resize-conv's convolution.
ops::Conv2dParams padded(int padding) {
  ops::Conv2dParams p;
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = padding;
  return p;
}

// The epilogue of an HR convolution for its folded form, whose channel c·s² + phase is
// HR channel c: per-channel PReLU slopes repeat for each of the s² phases.
ops::ConvEpilogue folded_epilogue(const ops::ConvEpilogue& epilogue, int factor) {
  const int64_t channels = epilogue.prelu_weight.numel();
  if (channels <= 1) return epilogue;
  const int64_t phases = static_cast<int64_t>(factor) * factor;
  ops::ConvEpilogue folded{epilogue.activation, Tensor(Shape{channels * phases})};
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t p = 0; p < phases; ++p) folded.prelu_weight.data()[c * phases + p] = epilogue.prelu_weight.data()[c];
  return folded;
}

std::string kernel_text(int k) { return std::to_string(k) + "×" + std::to_string(k); }

void require_saved(const Tensor& saved, const char* layer) {
  if (saved.empty()) throw Error(std::string(layer) + ": backward called without forward_train");
}

}  // namespace

// ---- Conv2d ---------------------------------------------------------------------------

Conv2d::Conv2d(int in_channels, int out_channels, int kernel, int stride, int padding, int groups, bool bias) {
  if (in_channels % groups != 0 || out_channels % groups != 0)
    throw Error("conv layer: channels " + std::to_string(in_channels) + "→" + std::to_string(out_channels) +
                " are not divisible by groups = " + std::to_string(groups));
  const int pad = padding < 0 ? kernel / 2 : padding;
  params_.stride_h = params_.stride_w = stride;
  params_.pad_top = params_.pad_bottom = params_.pad_left = params_.pad_right = pad;
  params_.groups = groups;
  weight_ = make_parameter(Shape{out_channels, in_channels / groups, kernel, kernel});
  if (bias) bias_ = make_parameter(Shape{out_channels});
  set_name_prefix("");
}

std::string Conv2d::describe() const {
  const Shape& w = weight_.value.shape();
  std::string s = "conv " + kernel_text(static_cast<int>(w[2])) + " " + std::to_string(w[1] * params_.groups) + "→" +
                  std::to_string(w[0]);
  if (params_.stride_h != 1) s += " stride " + std::to_string(params_.stride_h);
  if (params_.groups != 1) s += " groups " + std::to_string(params_.groups);
  return s;
}

Shape Conv2d::output_shape(const Shape& input) const {
  return ops::conv2d_output_shape(input, weight_.value.shape(), params_);
}

Tensor Conv2d::forward(const Tensor& input) const { return forward_fused(input, {}, 1); }

Tensor Conv2d::forward_fused(const Tensor& input, const ops::ConvEpilogue& epilogue, int shuffle) const {
  if (plan_.packed_from(weight_.value, bias_.value, epilogue)) return plan_.forward_shuffled(input, shuffle);
  return ops::Conv2dPlan(weight_.value, bias_.value, params_, epilogue).forward_shuffled(input, shuffle);
}

void Conv2d::prepare(const ops::ConvEpilogue& epilogue) {
  plan_ = ops::Conv2dPlan(weight_.value, bias_.value, params_, epilogue);
}

Tensor Conv2d::forward_train(const Tensor& input) {
  saved_input_ = input;
  saved_factor_ = 0;
  return ops::conv2d_forward(input, weight_.value, bias_.value, params_);
}

Tensor Conv2d::backward(const Tensor& grad_output) {
  require_saved(saved_input_, "conv layer");
  const bool has_bias = !bias_.value.empty();
  if (saved_factor_ > 0) {
    const ops::ConvGrads folded = ops::conv2d_backward(ops::pixel_shuffle_backward(grad_output, saved_factor_),
                                                       saved_input_, saved_fold_.weight, has_bias,
                                                       padded(saved_fold_.padding));
    const ops::ConvGrads g =
        ops::unfold_nearest_conv_grads(folded.weight, folded.bias, weight_.value.shape(), saved_factor_);
    accumulate(weight_.grad, g.weight);
    accumulate(bias_.grad, g.bias);
    return folded.input;
  }
  ops::ConvGrads g = ops::conv2d_backward(grad_output, saved_input_, weight_.value, has_bias, params_);
  accumulate(weight_.grad, g.weight);
  accumulate(bias_.grad, g.bias);
  return std::move(g.input);
}

bool Conv2d::folds_after_nearest() const { return ops::nearest_conv_foldable(weight_.value.shape(), params_); }

Tensor Conv2d::forward_after_nearest(const Tensor& input, int factor, const ops::ConvEpilogue& epilogue) const {
  const ops::NearestConvFold f = ops::fold_nearest_conv(weight_.value, bias_.value, factor);
  const ops::ConvEpilogue e = folded_epilogue(epilogue, factor);
  if (folded_plan_.packed_from(f.weight, f.bias, e)) return folded_plan_.forward_shuffled(input, factor);
  return ops::Conv2dPlan(f.weight, f.bias, padded(f.padding), e).forward_shuffled(input, factor);
}

void Conv2d::prepare_after_nearest(int factor, const ops::ConvEpilogue& epilogue) {
  const ops::NearestConvFold f = ops::fold_nearest_conv(weight_.value, bias_.value, factor);
  folded_plan_ = ops::Conv2dPlan(f.weight, f.bias, padded(f.padding), folded_epilogue(epilogue, factor));
}

Tensor Conv2d::forward_train_after_nearest(const Tensor& input, int factor) {
  saved_fold_ = ops::fold_nearest_conv(weight_.value, bias_.value, factor);
  saved_input_ = input;
  saved_factor_ = factor;
  return ops::pixel_shuffle_forward(
      ops::conv2d_forward(input, saved_fold_.weight, saved_fold_.bias, padded(saved_fold_.padding)), factor);
}

std::vector<Parameter*> Conv2d::parameters() {
  if (bias_.value.empty()) return {&weight_};
  return {&weight_, &bias_};
}

double Conv2d::flops(const Shape& input) const {
  const Shape out = output_shape(input);
  const Shape& w = weight_.value.shape();
  return 2.0 * static_cast<double>(out.n() * out.c() * out.h() * out.w() * w[1] * w[2] * w[3]);
}

void Conv2d::set_name_prefix(const std::string& prefix) {
  weight_.name = prefix + "weight";
  bias_.name = prefix + "bias";
}

// ---- ConvTranspose2d ------------------------------------------------------------------

ConvTranspose2d::ConvTranspose2d(int in_channels, int out_channels, int kernel, int stride, int padding,
                                 int output_padding, int groups, bool bias) {
  if (in_channels % groups != 0 || out_channels % groups != 0)
    throw Error("transposed conv layer: channels are not divisible by groups = " + std::to_string(groups));
  params_.stride_h = params_.stride_w = stride;
  params_.pad_h = params_.pad_w = padding;
  params_.output_padding_h = params_.output_padding_w = output_padding;
  params_.groups = groups;
  weight_ = make_parameter(Shape{in_channels, out_channels / groups, kernel, kernel});
  if (bias) bias_ = make_parameter(Shape{out_channels});
  set_name_prefix("");
}

std::string ConvTranspose2d::describe() const {
  const Shape& w = weight_.value.shape();
  return "transposed conv " + kernel_text(static_cast<int>(w[2])) + " " + std::to_string(w[0]) + "→" +
         std::to_string(w[1] * params_.groups) + " stride " + std::to_string(params_.stride_h);
}

Shape ConvTranspose2d::output_shape(const Shape& input) const {
  return ops::conv_transpose2d_output_shape(input, weight_.value.shape(), params_);
}

Tensor ConvTranspose2d::forward(const Tensor& input) const { return forward_fused(input, {}); }

Tensor ConvTranspose2d::forward_fused(const Tensor& input, const ops::ConvEpilogue& epilogue) const {
  if (plan_.packed_from(weight_.value, bias_.value, epilogue)) return plan_.forward(input);
  return ops::ConvTranspose2dPlan(weight_.value, bias_.value, params_, epilogue).forward(input);
}

void ConvTranspose2d::prepare(const ops::ConvEpilogue& epilogue) {
  plan_ = ops::ConvTranspose2dPlan(weight_.value, bias_.value, params_, epilogue);
}

Tensor ConvTranspose2d::forward_train(const Tensor& input) {
  saved_input_ = input;
  return ops::conv_transpose2d_forward(input, weight_.value, bias_.value, params_);
}

Tensor ConvTranspose2d::backward(const Tensor& grad_output) {
  require_saved(saved_input_, "transposed conv layer");
  ops::ConvGrads g =
      ops::conv_transpose2d_backward(grad_output, saved_input_, weight_.value, !bias_.value.empty(), params_);
  accumulate(weight_.grad, g.weight);
  accumulate(bias_.grad, g.bias);
  return std::move(g.input);
}

std::vector<Parameter*> ConvTranspose2d::parameters() {
  if (bias_.value.empty()) return {&weight_};
  return {&weight_, &bias_};
}

int ConvTranspose2d::context() const {
  // Output y takes inputs i with 0 ≤ y + pad − i·s ≤ k − 1: at most ⌈(k − 1)/s⌉ + 1 input
  // pixels away from y/s on either side.
  const int k = static_cast<int>(weight_.value.shape()[2]);
  const int s = params_.stride_h;
  return (k - 1 + s - 1) / s + 1;
}

double ConvTranspose2d::flops(const Shape& input) const {
  const Shape& w = weight_.value.shape();
  return 2.0 * static_cast<double>(input.n() * input.c() * input.h() * input.w() * w[1] * w[2] * w[3]);
}

void ConvTranspose2d::set_name_prefix(const std::string& prefix) {
  weight_.name = prefix + "weight";
  bias_.name = prefix + "bias";
}

// ---- PixelShuffle ---------------------------------------------------------------------

std::string PixelShuffle::describe() const { return "pixel shuffle ×" + std::to_string(factor_); }
Shape PixelShuffle::output_shape(const Shape& input) const { return ops::pixel_shuffle_output_shape(input, factor_); }
Tensor PixelShuffle::forward(const Tensor& input) const { return ops::pixel_shuffle_forward(input, factor_); }
Tensor PixelShuffle::backward(const Tensor& grad_output) { return ops::pixel_shuffle_backward(grad_output, factor_); }

// ---- Resize ---------------------------------------------------------------------------

ops::ResizeParams Resize::params() const { return ops::ResizeParams::by_scale(mode_, factor_); }
std::string Resize::describe() const {
  return std::string(ops::resize_mode_name(mode_)) + " resize ×" + std::to_string(factor_);
}
Shape Resize::output_shape(const Shape& input) const { return ops::resize_output_shape(input, params()); }
Tensor Resize::forward(const Tensor& input) const { return ops::resize_forward(input, params()); }
Tensor Resize::forward_train(const Tensor& input) {
  saved_input_shape_ = input.shape();
  return forward(input);
}
Tensor Resize::backward(const Tensor& grad_output) {
  return ops::resize_backward(grad_output, saved_input_shape_, params());
}

// ---- PReLU ----------------------------------------------------------------------------

PRelu::PRelu(int channels, float initial_slope) {
  weight_ = make_parameter(Shape{channels});
  weight_.value.fill(initial_slope);
  weight_.name = "weight";
}

std::string PRelu::describe() const { return "PReLU"; }
Tensor PRelu::forward(const Tensor& input) const { return ops::prelu_forward(input, weight_.value); }
Tensor PRelu::forward_train(const Tensor& input) {
  saved_input_ = input;
  return forward(input);
}
Tensor PRelu::backward(const Tensor& grad_output) {
  require_saved(saved_input_, "PReLU layer");
  ops::PReluGrads g = ops::prelu_backward(grad_output, saved_input_, weight_.value);
  accumulate(weight_.grad, g.weight);
  return std::move(g.input);
}

// ---- Activations ----------------------------------------------------------------------

std::string ActivationLayer::describe() const {
  switch (kind_) {
    case Activation::Relu: return "ReLU";
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
  }
  return "activation";
}

Tensor ActivationLayer::forward(const Tensor& input) const {
  switch (kind_) {
    case Activation::Relu: return ops::relu_forward(input);
    case Activation::Tanh: return ops::tanh_forward(input);
    case Activation::Sigmoid: return ops::sigmoid_forward(input);
  }
  return {};
}

Tensor ActivationLayer::forward_train(const Tensor& input) {
  Tensor out = forward(input);
  saved_ = kind_ == Activation::Relu ? input : out;
  return out;
}

Tensor ActivationLayer::backward(const Tensor& grad_output) {
  require_saved(saved_, "activation layer");
  switch (kind_) {
    case Activation::Relu: return ops::relu_backward(grad_output, saved_);
    case Activation::Tanh: return ops::tanh_backward(grad_output, saved_);
    case Activation::Sigmoid: return ops::sigmoid_backward(grad_output, saved_);
  }
  return {};
}

// ---- Initialisation -------------------------------------------------------------------

void init_normal(Tensor& weight, double std_dev, std::mt19937& rng) {
  std::normal_distribution<double> dist(0.0, std_dev);
  for (float& v : weight.values()) v = static_cast<float>(dist(rng));
}

void init_kaiming_normal(Tensor& weight, double negative_slope, std::mt19937& rng) {
  const Shape& s = weight.shape();
  const double fan_in = static_cast<double>(s[1] * s[2] * s[3]);
  init_normal(weight, std::sqrt(2.0 / ((1.0 + negative_slope * negative_slope) * fan_in)), rng);
}

void init_kaiming_normal_fan_out(Tensor& weight, std::mt19937& rng) {
  const Shape& s = weight.shape();
  init_normal(weight, std::sqrt(2.0 / static_cast<double>(s[0] * s[2] * s[3])), rng);
}

void init_icnr(Tensor& weight, int factor, std::mt19937& rng, double std_dev) {
  const Shape& s = weight.shape();
  const int64_t group = static_cast<int64_t>(factor) * factor;
  if (s[0] % group != 0) throw Error("ICNR: output channels must be a multiple of factor²");
  Tensor sub(Shape{s[0] / group, s[1], s[2], s[3]});
  if (std_dev > 0) init_normal(sub, std_dev, rng);
  else init_kaiming_normal(sub, 0.0, rng);
  const int64_t per_out = s[1] * s[2] * s[3];
  // Pixel shuffle builds output channel c from input channels c·r² … c·r² + r² − 1:
  // giving them one kernel makes every sub-pixel phase identical at the start.
  for (int64_t o = 0; o < s[0]; ++o)
    std::copy_n(sub.data() + (o / group) * per_out, per_out, weight.data() + o * per_out);
}

}  // namespace upsample::nn
