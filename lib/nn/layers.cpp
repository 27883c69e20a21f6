#include "nn/layers.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ops/activations.hpp"
#include "ops/conv_chain_plan.hpp"
#include "ops/conv_pair_plan.hpp"
#include "ops/conv_pointwise_plan.hpp"
#include "ops/pointwise_transposed_plan.hpp"
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

// What a conv's inference step takes over from the layers after it: an activation, then
// (for a conv that can write its output shuffled) a pixel shuffle: one pass over the
// output instead of two or three.
struct FusedTail {
  ops::ConvEpilogue epilogue;
  int shuffle = 1;
  size_t layers = 0;
};

FusedTail fused_tail(std::span<const LayerPtr> next, bool can_shuffle) {
  FusedTail tail;
  if (tail.layers < next.size()) {
    if (auto epilogue = next[tail.layers]->as_epilogue()) {
      tail.epilogue = std::move(*epilogue);
      ++tail.layers;
    }
  }
  if (can_shuffle && tail.layers < next.size()) {
    if (const int factor = next[tail.layers]->as_pixel_shuffle(); factor > 0) {
      tail.shuffle = factor;
      ++tail.layers;
    }
  }
  return tail;
}

template <typename Plan>
class PlanStep final : public InferenceStep {
 public:
  explicit PlanStep(Plan plan) : plan_(std::move(plan)) {}
  Tensor forward(const Tensor& input) const override { return plan_.forward(input); }

 private:
  Plan plan_;
};

// A resize-conv that does not fold: the resize, then the packed conv.
class ResizeThenConvStep final : public InferenceStep {
 public:
  ResizeThenConvStep(const ops::ResizeParams& resize, ops::ConvPlan conv) : resize_(resize), conv_(std::move(conv)) {}
  Tensor forward(const Tensor& input) const override { return conv_.forward(ops::resize_forward(input, resize_)); }

 private:
  ops::ResizeParams resize_;
  ops::ConvPlan conv_;
};

PlannedStep conv_step(ops::ConvPlan plan, const FusedTail& tail) {
  return {std::make_unique<PlanStep<ops::ConvPlan>>(std::move(plan)), 1 + tail.layers};
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

Tensor Conv2d::forward(const Tensor& input) const {
  return ops::ConvPlan(weight_.value, bias_.value, params_).forward(input);
}

int Conv2d::context() const {
  return ops::winograd_suits(weight_.value.shape(), params_) ? ops::kWinogradTile : params_.pad_top;
}

int Conv2d::alignment() const { return ops::winograd_suits(weight_.value.shape(), params_) ? ops::kWinogradTile : 1; }

namespace {

// The transposed conv that a 1×1 conv's output (after the activation that follows it) can
// feed tile by tile (ops::PointwiseTransposedPlan), or null.
const ConvTranspose2d* fusable_upscaler(const Conv2d& pointwise, std::span<const LayerPtr> after) {
  if (!ops::PointwiseTransposedPlan::first_suits(pointwise.weight().value.shape(), pointwise.params())) return nullptr;
  const FusedTail tail = fused_tail(after, false);
  if (tail.layers >= after.size()) return nullptr;
  const auto* up = dynamic_cast<const ConvTranspose2d*>(after[tail.layers].get());
  const bool suits = up != nullptr && ops::PointwiseTransposedPlan::second_suits(up->weight().value.shape(), up->params()) &&
                     up->weight().value.shape()[0] == pointwise.weight().value.shape()[0];
  return suits ? up : nullptr;
}

}  // namespace

PlannedStep Conv2d::plan(std::span<const LayerPtr> next) const {
  const FusedTail tail = fused_tail(next, true);
  // A 1×1 conv into a transposed conv that upscales by its stride (FSRCNN's expanding
  // into its deconvolution) runs as one pass.
  if (tail.shuffle == 1) {
    if (const ConvTranspose2d* up = fusable_upscaler(*this, next)) {
      const FusedTail up_tail = fused_tail(next.subspan(tail.layers + 1), false);
      return {std::make_unique<PlanStep<ops::PointwiseTransposedPlan>>(ops::PointwiseTransposedPlan(
                  weight_.value, bias_.value, params_, tail.epilogue, up->weight().value, up->bias().value,
                  up->params(), up_tail.epilogue)),
              2 + tail.layers + up_tail.layers};
    }
  }
  const auto* second = tail.shuffle == 1 && tail.layers < next.size() && ops::ConvPairPlan::first_suits(weight_.value.shape(), params_)
                           ? dynamic_cast<const Conv2d*>(next[tail.layers].get())
                           : nullptr;
  if (second != nullptr && second->weight_.value.shape()[1] == weight_.value.shape()[0]) {
    const Tensor &w2 = second->weight_.value, &b2 = second->bias_.value;
    const auto after_second = next.subspan(tail.layers + 1);
    const FusedTail second_tail = fused_tail(after_second, false);
    const size_t layers = 2 + tail.layers + second_tail.layers;
    // A same conv into a Winograd conv (ESPCN's first two layers) runs as one pass, with
    // the conv after them (ESPCN's last, and its pixel shuffle) when there is one,
    if (ops::winograd_suits(w2.shape(), second->params_)) {
      const auto after_pair = after_second.subspan(second_tail.layers);
      const auto* third = after_pair.empty() ? nullptr : dynamic_cast<const Conv2d*>(after_pair.front().get());
      if (third != nullptr && ops::same_conv_within_tile(third->weight_.value.shape(), third->params_) &&
          third->weight_.value.shape()[1] == w2.shape()[0]) {
        const FusedTail third_tail = fused_tail(after_pair.subspan(1), true);
        const ops::ConvPairPlan::Third last{third->weight_.value, third->bias_.value, third->params_,
                                            third_tail.epilogue, third_tail.shuffle};
        return {std::make_unique<PlanStep<ops::ConvPairPlan>>(
                    ops::ConvPairPlan(weight_.value, bias_.value, params_, tail.epilogue, w2, b2, second->params_,
                                      second_tail.epilogue, &last)),
                layers + 1 + third_tail.layers};
      }
      return {std::make_unique<PlanStep<ops::ConvPairPlan>>(ops::ConvPairPlan(
                  weight_.value, bias_.value, params_, tail.epilogue, w2, b2, second->params_, second_tail.epilogue)),
              layers};
    }
    // and so does one into a 1×1 conv (FSRCNN's feature extraction into its shrinking),
    // unless that 1×1 conv can feed a transposed conv the same way: its output is the larger.
    if (ops::ConvPointwisePlan::second_suits(w2.shape(), second->params_) && fusable_upscaler(*second, after_second) == nullptr)
      return {std::make_unique<PlanStep<ops::ConvPointwisePlan>>(ops::ConvPointwisePlan(
                  weight_.value, bias_.value, params_, tail.epilogue, w2, b2, second->params_, second_tail.epilogue)),
              layers};
  }
  // Same convs one after another (the damage models' mapping layers) run depth-first as
  // one pass, up to a 1×1 conv that feeds a transposed conv (its own pass) or a conv with a
  // shuffle. Only chains with a Winograd conv: direct convs of few channels (FSRCNN's
  // 12→12) measured faster one by one than with the chain's copies.
  if (tail.shuffle == 1 && ops::same_conv_within_tile(weight_.value.shape(), params_)) {
    std::vector<ops::ConvChainPlan::Link> links{{weight_.value, bias_.value, params_, tail.epilogue}};
    size_t used = 1 + tail.layers;
    for (;;) {
      const auto rest = next.subspan(used - 1);
      const auto* link = rest.empty() ? nullptr : dynamic_cast<const Conv2d*>(rest.front().get());
      if (link == nullptr || !ops::same_conv_within_tile(link->weight_.value.shape(), link->params_) ||
          link->weight_.value.shape()[1] != links.back().weight.shape()[0] ||
          fusable_upscaler(*link, rest.subspan(1)) != nullptr)
        break;
      const FusedTail link_tail = fused_tail(rest.subspan(1), true);
      if (link_tail.shuffle != 1) break;
      links.push_back({link->weight_.value, link->bias_.value, link->params_, link_tail.epilogue});
      used += 1 + link_tail.layers;
    }
    const bool winograd = std::any_of(links.begin(), links.end(), [](const ops::ConvChainPlan::Link& link) {
      return ops::winograd_suits(link.weight.shape(), link.params);
    });
    if (links.size() >= 2 && winograd)
      return {std::make_unique<PlanStep<ops::ConvChainPlan>>(ops::ConvChainPlan(links)), used};
  }
  return conv_step(ops::ConvPlan(weight_.value, bias_.value, params_, tail.epilogue, tail.shuffle), tail);
}

Tensor Conv2d::forward_train(const Tensor& input) {
  saved_input_ = input;
  return ops::conv2d_forward(input, weight_.value, bias_.value, params_);
}

Tensor Conv2d::backward(const Tensor& grad_output) { return backward(grad_output, ops::InputGradient::Wanted); }

void Conv2d::backward_parameters(const Tensor& grad_output) {
  (void)backward(grad_output, ops::InputGradient::Skipped);
}

Tensor Conv2d::backward(const Tensor& grad_output, ops::InputGradient input_gradient) {
  require_saved(saved_input_, "conv layer");
  ops::ConvGrads g = ops::conv2d_backward(grad_output, saved_input_, weight_.value, !bias_.value.empty(), params_,
                                          input_gradient);
  accumulate(weight_.grad, g.weight);
  accumulate(bias_.grad, g.bias);
  return std::move(g.input);
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

Tensor ConvTranspose2d::forward(const Tensor& input) const {
  return ops::ConvPlan(weight_.value, bias_.value, params_).forward(input);
}

PlannedStep ConvTranspose2d::plan(std::span<const LayerPtr> next) const {
  const FusedTail tail = fused_tail(next, false);
  return conv_step(ops::ConvPlan(weight_.value, bias_.value, params_, tail.epilogue), tail);
}

Tensor ConvTranspose2d::forward_train(const Tensor& input) {
  saved_input_ = input;
  return ops::conv_transpose2d_forward(input, weight_.value, bias_.value, params_);
}

Tensor ConvTranspose2d::backward(const Tensor& grad_output) {
  return backward(grad_output, ops::InputGradient::Wanted);
}

void ConvTranspose2d::backward_parameters(const Tensor& grad_output) {
  (void)backward(grad_output, ops::InputGradient::Skipped);
}

Tensor ConvTranspose2d::backward(const Tensor& grad_output, ops::InputGradient input_gradient) {
  require_saved(saved_input_, "transposed conv layer");
  ops::ConvGrads g = ops::conv_transpose2d_backward(grad_output, saved_input_, weight_.value, !bias_.value.empty(),
                                                    params_, input_gradient);
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

// ---- ResizeConv2d ---------------------------------------------------------------------

ResizeConv2d::ResizeConv2d(ops::ResizeMode mode, int factor, int in_channels, int out_channels, int kernel)
    : resize_(mode, factor),
      conv_(in_channels, out_channels, kernel),
      folded_(mode == ops::ResizeMode::Nearest &&
              ops::nearest_conv_foldable(conv_.weight().value.shape(), conv_.params())) {}

std::string ResizeConv2d::describe() const { return resize_.describe() + ", " + conv_.describe(); }

Shape ResizeConv2d::output_shape(const Shape& input) const {
  return conv_.output_shape(resize_.output_shape(input));
}

Tensor ResizeConv2d::forward(const Tensor& input) const { return plan({}).step->forward(input); }

PlannedStep ResizeConv2d::plan(std::span<const LayerPtr> next) const {
  const Tensor& w = conv_.weight().value;
  const Tensor& b = conv_.bias().value;
  if (!folded_) {
    const FusedTail tail = fused_tail(next, true);
    ops::ConvPlan conv(w, b, conv_.params(), tail.epilogue, tail.shuffle);
    return {std::make_unique<ResizeThenConvStep>(resize_.params(), std::move(conv)), 1 + tail.layers};
  }
  // The folded conv writes its s² phases through a pixel shuffle already.
  const FusedTail tail = fused_tail(next, false);
  const int factor = resize_.factor();
  const ops::NearestConvFold f = ops::fold_nearest_conv(w, b, factor);
  return conv_step(ops::ConvPlan(f.weight, f.bias, padded(f.padding), folded_epilogue(tail.epilogue, factor), factor),
                   tail);
}

Tensor ResizeConv2d::forward_train(const Tensor& input) {
  if (!folded_) return conv_.forward_train(resize_.forward_train(input));
  saved_fold_ = ops::fold_nearest_conv(conv_.weight().value, conv_.bias().value, resize_.factor());
  saved_input_ = input;
  return ops::pixel_shuffle_forward(
      ops::conv2d_forward(input, saved_fold_.weight, saved_fold_.bias, padded(saved_fold_.padding)), resize_.factor());
}

Tensor ResizeConv2d::backward(const Tensor& grad_output) {
  if (!folded_) return resize_.backward(conv_.backward(grad_output));
  return folded_backward(grad_output, ops::InputGradient::Wanted);
}

void ResizeConv2d::backward_parameters(const Tensor& grad_output) {
  if (!folded_) conv_.backward_parameters(grad_output);
  else (void)folded_backward(grad_output, ops::InputGradient::Skipped);
}

Tensor ResizeConv2d::folded_backward(const Tensor& grad_output, ops::InputGradient input_gradient) {
  require_saved(saved_input_, "resize-conv layer");
  Parameter& w = conv_.weight();
  Parameter& b = conv_.bias();
  const int factor = resize_.factor();
  const ops::ConvGrads at_low_resolution =
      ops::conv2d_backward(ops::pixel_shuffle_backward(grad_output, factor), saved_input_, saved_fold_.weight,
                           !b.value.empty(), padded(saved_fold_.padding), input_gradient);
  const ops::ConvGrads g = ops::unfold_nearest_conv_grads(at_low_resolution.weight, at_low_resolution.bias,
                                                          w.value.shape(), factor);
  accumulate(w.grad, g.weight);
  accumulate(b.grad, g.bias);
  return at_low_resolution.input;
}

bool ResizeConv2d::folded_winograd() const {
  if (!folded_) return false;
  const Shape& w = conv_.weight().value.shape();
  const int factor = resize_.factor();
  return ops::winograd_suits(ops::folded_weight_shape(w, factor), padded(ops::folded_padding(w, factor)));
}

int ResizeConv2d::context() const {
  if (folded_winograd()) return ops::kWinogradTile;
  // The conv's context is in resized pixels: ⌈pad/factor⌉ input pixels.
  const int factor = resize_.factor();
  return resize_.context() + (conv_.context() + factor - 1) / factor;
}

int ResizeConv2d::alignment() const {
  if (folded_) return folded_winograd() ? ops::kWinogradTile : 1;
  // The unfolded conv's grid is in resized pixels: a tile starting at input pixel x starts there at factor·x.
  const int grid = conv_.alignment();
  return grid / std::gcd(grid, resize_.factor());
}

double ResizeConv2d::working_bytes(const Shape& input) const {
  // As the two layers it stands for: the unfolded form holds the resized input, and the
  // estimate (so the tiles chosen) stays the same whichever form runs.
  return std::max(resize_.working_bytes(input), conv_.working_bytes(resize_.output_shape(input)));
}

double ResizeConv2d::flops(const Shape& input) const { return conv_.flops(resize_.output_shape(input)); }

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
std::optional<ops::ConvEpilogue> PRelu::as_epilogue() const {
  return ops::ConvEpilogue{ops::Activation::PRelu, weight_.value};
}

// ---- Activations ----------------------------------------------------------------------

ActivationLayer::ActivationLayer(ops::Activation kind) : kind_(kind) {
  if (kind != ops::Activation::Relu && kind != ops::Activation::Tanh && kind != ops::Activation::Sigmoid)
    throw Error("activation layer: only ReLU, tanh and sigmoid (PReLU is a layer with slopes, PRelu)");
}

std::string ActivationLayer::describe() const {
  switch (kind_) {
    case ops::Activation::Relu: return "ReLU";
    case ops::Activation::Tanh: return "tanh";
    case ops::Activation::Sigmoid: return "sigmoid";
    case ops::Activation::None:
    case ops::Activation::PRelu: break;
  }
  return "activation";
}

Tensor ActivationLayer::forward(const Tensor& input) const {
  switch (kind_) {
    case ops::Activation::Relu: return ops::relu_forward(input);
    case ops::Activation::Tanh: return ops::tanh_forward(input);
    case ops::Activation::Sigmoid: return ops::sigmoid_forward(input);
    case ops::Activation::None:
    case ops::Activation::PRelu: break;
  }
  return input;
}

Tensor ActivationLayer::forward_train(const Tensor& input) {
  Tensor out = forward(input);
  saved_ = kind_ == ops::Activation::Relu ? input : out;
  return out;
}

Tensor ActivationLayer::backward(const Tensor& grad_output) {
  require_saved(saved_, "activation layer");
  switch (kind_) {
    case ops::Activation::Relu: return ops::relu_backward(grad_output, saved_);
    case ops::Activation::Tanh: return ops::tanh_backward(grad_output, saved_);
    case ops::Activation::Sigmoid: return ops::sigmoid_backward(grad_output, saved_);
    case ops::Activation::None:
    case ops::Activation::PRelu: break;
  }
  return grad_output;
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
