#pragma once
// The layers the SR and deblurring models are made of, over the ops in lib/ops.
#include <random>

#include "nn/layer.hpp"
#include "ops/activation.hpp"
#include "ops/conv2d.hpp"
#include "ops/conv_transpose2d.hpp"
#include "ops/nearest_conv_fold.hpp"
#include "ops/resize.hpp"

namespace upsample::nn {

// Convolution with PyTorch's nn.Conv2d parameters; padding keeps the size for stride 1
// when it is kernel/2 (the default).
class Conv2d final : public Layer {
 public:
  Conv2d(int in_channels, int out_channels, int kernel, int stride = 1, int padding = -1, int groups = 1, bool bias = true);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& input) const override;
  Tensor forward_train(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  void backward_parameters(const Tensor& grad_output) override;
  std::vector<Parameter*> parameters() override;
  // A Winograd conv (ops::winograd_suits) rounds each 4×4 output tile from its whole 6×6
  // input patch: its outputs depend, in the last bits, on inputs up to 4 pixels away, and
  // tiles of an image give exactly the whole image's result only on its 4-pixel grid.
  int context() const override;
  int alignment() const override;
  double flops(const Shape& input) const override;
  void set_name_prefix(const std::string& prefix) override;
  // One packed pass that also applies the activation after it and writes its output
  // through a pixel shuffle after that.
  PlannedStep plan(std::span<const LayerPtr> next) const override;
  Parameter& weight() { return weight_; }
  Parameter& bias() { return bias_; }
  const Parameter& weight() const { return weight_; }
  const Parameter& bias() const { return bias_; }
  const ops::Conv2dParams& params() const { return params_; }

 private:
  Tensor backward(const Tensor& grad_output, ops::InputGradient input_gradient);

  Parameter weight_, bias_;
  ops::Conv2dParams params_;
  Tensor saved_input_;
};

// Transposed convolution with PyTorch's nn.ConvTranspose2d parameters.
class ConvTranspose2d final : public Layer {
 public:
  ConvTranspose2d(int in_channels, int out_channels, int kernel, int stride, int padding, int output_padding,
                  int groups = 1, bool bias = true);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& input) const override;
  Tensor forward_train(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  void backward_parameters(const Tensor& grad_output) override;
  std::vector<Parameter*> parameters() override;
  int upscale() const override { return params_.stride_h; }
  int context() const override;
  double flops(const Shape& input) const override;
  void set_name_prefix(const std::string& prefix) override;
  // One packed pass that also applies the activation after it.
  PlannedStep plan(std::span<const LayerPtr> next) const override;
  Parameter& weight() { return weight_; }
  Parameter& bias() { return bias_; }
  const Parameter& weight() const { return weight_; }
  const Parameter& bias() const { return bias_; }
  const ops::ConvTranspose2dParams& params() const { return params_; }

 private:
  Tensor backward(const Tensor& grad_output, ops::InputGradient input_gradient);

  Parameter weight_, bias_;
  ops::ConvTranspose2dParams params_;
  Tensor saved_input_;
};

class PixelShuffle final : public Layer {
 public:
  explicit PixelShuffle(int factor) : factor_(factor) {}
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& input) const override;
  Tensor forward_train(const Tensor& input) override { return forward(input); }
  Tensor backward(const Tensor& grad_output) override;
  int upscale() const override { return factor_; }
  int as_pixel_shuffle() const override { return factor_; }
  int factor() const { return factor_; }

 private:
  int factor_;
};

// Resize by an integer factor (nearest or bilinear).
class Resize final : public Layer {
 public:
  Resize(ops::ResizeMode mode, int factor) : mode_(mode), factor_(factor) {}
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& input) const override;
  Tensor forward_train(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  int upscale() const override { return factor_; }
  int context() const override { return mode_ == ops::ResizeMode::Nearest ? 0 : 2; }
  ops::ResizeMode mode() const { return mode_; }
  int factor() const { return factor_; }
  ops::ResizeParams params() const { return ops::ResizeParams::by_scale(mode_, factor_); }

 private:
  ops::ResizeMode mode_;
  int factor_;
  Shape saved_input_shape_;
};

// Resize-convolution (Odena et al. 2016): a resize by an integer factor, nearest or
// bilinear, then a stride-1 k×k convolution with padding k/2. It stands for PyTorch's
// nn.Upsample and nn.Conv2d one after the other in an nn.Sequential, so it takes two of
// its indices and names its parameters after the second ("15.weight" after the resize's
// 14). After a nearest resize, a conv with a square odd kernel runs as the sub-pixel
// convolution at the input's resolution that equals it (ops/nearest_conv_fold), in
// inference and training alike: the upscaled input is never made.
class ResizeConv2d final : public Layer {
 public:
  ResizeConv2d(ops::ResizeMode mode, int factor, int in_channels, int out_channels, int kernel);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& input) const override;
  Tensor forward_train(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  void backward_parameters(const Tensor& grad_output) override;
  std::vector<Parameter*> parameters() override { return conv_.parameters(); }
  int upscale() const override { return resize_.factor(); }
  // As Conv2d's: a folded conv computed by Winograd needs the 4×4 tile's patch and grid.
  int context() const override;
  int alignment() const override;
  double working_bytes(const Shape& input) const override;
  double flops(const Shape& input) const override;
  void set_name_prefix(const std::string& prefix) override { conv_.set_name_prefix(prefix); }
  int sequential_entries() const override { return 2; }
  // One packed pass (the folded conv, or the conv after the resize) that also applies the
  // activation after it.
  PlannedStep plan(std::span<const LayerPtr> next) const override;
  Parameter& weight() { return conv_.weight(); }
  Parameter& bias() { return conv_.bias(); }
  const Resize& resize() const { return resize_; }
  const Conv2d& conv() const { return conv_; }
  // Whether the conv runs folded to the input's resolution.
  bool folded() const { return folded_; }

 private:
  bool folded_winograd() const;
  Tensor folded_backward(const Tensor& grad_output, ops::InputGradient input_gradient);

  Resize resize_;
  Conv2d conv_;
  bool folded_;
  Tensor saved_input_;               // folded training: the input of the last forward_train
  ops::NearestConvFold saved_fold_;  // and the folded weights it used
};

// PReLU with one learnable slope per channel (PyTorch nn.PReLU(num_parameters=C)).
class PRelu final : public Layer {
 public:
  explicit PRelu(int channels, float initial_slope = 0.25f);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override { return input; }
  Tensor forward(const Tensor& input) const override;
  Tensor forward_train(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  std::vector<Parameter*> parameters() override { return {&weight_}; }
  void set_name_prefix(const std::string& prefix) override { weight_.name = prefix + "weight"; }
  std::optional<ops::ConvEpilogue> as_epilogue() const override;
  const Tensor& slopes() const { return weight_.value; }

 private:
  Parameter weight_;
  Tensor saved_input_;
};

// Parameter-free activations: Relu, Tanh or Sigmoid (PReLU, with its slopes, is PRelu).
class ActivationLayer final : public Layer {
 public:
  explicit ActivationLayer(ops::Activation kind);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override { return input; }
  Tensor forward(const Tensor& input) const override;
  Tensor forward_train(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  std::optional<ops::ConvEpilogue> as_epilogue() const override { return ops::ConvEpilogue{kind_, {}}; }
  ops::Activation kind() const { return kind_; }

 private:
  ops::Activation kind_;
  Tensor saved_;  // input for ReLU, output for tanh and sigmoid
};

// Weight initialisations the SR papers use.
void init_kaiming_normal(Tensor& weight, double negative_slope, std::mt19937& rng);  // fan-in, for (P)ReLU layers
// He normal over the fan-out (out channels × kernel area), std √(2 / fan-out).
void init_kaiming_normal_fan_out(Tensor& weight, std::mt19937& rng);
void init_normal(Tensor& weight, double std_dev, std::mt19937& rng);
// ICNR (Aitken et al. 2017): the conv before a pixel shuffle by `factor` starts as
// nearest-neighbour upsampling of a smaller kernel, so it begins free of checkerboard.
// The smaller kernel is He normal, or N(0, std_dev) when std_dev > 0.
void init_icnr(Tensor& weight, int factor, std::mt19937& rng, double std_dev = 0);

}  // namespace upsample::nn
