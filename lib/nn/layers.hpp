#pragma once
// The layers the SR and deblurring models are made of, over the ops in lib/ops.
#include <random>

#include "nn/layer.hpp"
#include "ops/conv2d.hpp"
#include "ops/conv_plan.hpp"
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
  // Inference with the activation (and pixel shuffle) that follows this layer in a
  // Sequential folded into the pass that writes the output. Uses the weights packed by
  // prepare() when they are still current, else packs them for this call.
  Tensor forward_fused(const Tensor& input, const ops::ConvEpilogue& epilogue, int shuffle = 1) const;
  Tensor forward_train(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  std::vector<Parameter*> parameters() override;
  int context() const override { return params_.pad_top; }
  double flops(const Shape& input) const override;
  void set_name_prefix(const std::string& prefix) override;
  // Packs the weights once for inference (with the epilogue forward_fused will be given).
  void prepare(const ops::ConvEpilogue& epilogue = {});
  void weights_changed() override { prepare(); }
  Parameter& weight() { return weight_; }
  Parameter& bias() { return bias_; }
  const ops::Conv2dParams& params() const { return params_; }

  // Resize-convolution: this layer applied to a nearest ×factor resize of `input`, run as
  // the equivalent sub-pixel convolution at the input's resolution (ops/nearest_conv_fold),
  // so the upscaled input is never made. Sequential uses these for a nearest Resize
  // followed by a conv that folds_after_nearest().
  bool folds_after_nearest() const;
  Tensor forward_after_nearest(const Tensor& input, int factor, const ops::ConvEpilogue& epilogue) const;
  void prepare_after_nearest(int factor, const ops::ConvEpilogue& epilogue);
  // Training: backward() then returns the gradient w.r.t. the un-resized input.
  Tensor forward_train_after_nearest(const Tensor& input, int factor);
  bool trained_after_nearest() const { return saved_factor_ > 0; }

 private:
  Parameter weight_, bias_;
  ops::Conv2dParams params_;
  ops::Conv2dPlan plan_;
  ops::Conv2dPlan folded_plan_;
  Tensor saved_input_;
  ops::NearestConvFold saved_fold_;  // when the last forward_train folded a nearest resize in
  int saved_factor_ = 0;
};

// Transposed convolution with PyTorch's nn.ConvTranspose2d parameters.
class ConvTranspose2d final : public Layer {
 public:
  ConvTranspose2d(int in_channels, int out_channels, int kernel, int stride, int padding, int output_padding,
                  int groups = 1, bool bias = true);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& input) const override;
  // As Conv2d::forward_fused (no pixel shuffle).
  Tensor forward_fused(const Tensor& input, const ops::ConvEpilogue& epilogue) const;
  Tensor forward_train(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  std::vector<Parameter*> parameters() override;
  int upscale() const override { return params_.stride_h; }
  int context() const override;
  double flops(const Shape& input) const override;
  void set_name_prefix(const std::string& prefix) override;
  void prepare(const ops::ConvEpilogue& epilogue = {});
  void weights_changed() override { prepare(); }
  Parameter& weight() { return weight_; }
  Parameter& bias() { return bias_; }
  const ops::ConvTranspose2dParams& params() const { return params_; }

 private:
  Parameter weight_, bias_;
  ops::ConvTranspose2dParams params_;
  ops::ConvTranspose2dPlan plan_;
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
  int factor() const { return factor_; }

 private:
  int factor_;
};

// Resize by an integer factor (nearest or bilinear), the first half of resize-convolution.
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

 private:
  ops::ResizeParams params() const;
  ops::ResizeMode mode_;
  int factor_;
  Shape saved_input_shape_;
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
  const Tensor& slopes() const { return weight_.value; }

 private:
  Parameter weight_;
  Tensor saved_input_;
};

enum class Activation { Relu, Tanh, Sigmoid };

// Parameter-free activations.
class ActivationLayer final : public Layer {
 public:
  explicit ActivationLayer(Activation kind) : kind_(kind) {}
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override { return input; }
  Tensor forward(const Tensor& input) const override;
  Tensor forward_train(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  Activation kind() const { return kind_; }

 private:
  Activation kind_;
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
