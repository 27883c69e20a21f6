#pragma once
// Layers with parameters and gradients. A layer runs forward for inference, or
// forward_train which keeps what backward needs; backward adds into each parameter's
// grad and returns the gradient w.r.t. the layer's input.
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ops/conv_plan.hpp"
#include "tensor/tensor.hpp"

namespace upsample::nn {

struct Parameter {
  std::string name;            // PyTorch state_dict key, e.g. "3.weight"
  Tensor value;
  Tensor grad;                 // same shape as value; zeroed by zero_grad()
  float lr_multiplier = 1.0f;  // per-layer learning rate, as the SR papers use
  bool trainable = true;       // false = frozen (fine-tuning only the last layer)
};

// One pass of a planned inference, prepared once from the weights as they were (packed,
// folded) and then run as often as needed, from any number of threads at once.
class InferenceStep {
 public:
  virtual ~InferenceStep() = default;
  virtual Tensor forward(const Tensor& input) const = 0;
};

class Layer;
using LayerPtr = std::unique_ptr<Layer>;

// A layer's part of an inference plan: its step, and how many layers the step computes
// (the layer itself and those after it that it took over).
struct PlannedStep {
  std::unique_ptr<const InferenceStep> step;
  size_t layers = 1;
};

class Layer {
 public:
  virtual ~Layer() = default;
  // One line for `models` and error messages, e.g. "conv 5×5 1→56".
  virtual std::string describe() const = 0;
  virtual Shape output_shape(const Shape& input) const = 0;
  // Inference of this layer alone, from its weights as they are now (a conv packs them
  // for the call: Sequential::forward runs a plan that packed them once instead).
  virtual Tensor forward(const Tensor& input) const = 0;
  // Forward that remembers what backward needs (the input, or the output).
  virtual Tensor forward_train(const Tensor& input) = 0;
  virtual Tensor backward(const Tensor& grad_output) = 0;
  // backward() for the lowest layer of a training step: only the parameters' grads are
  // wanted. Layers whose input gradient costs real work skip it.
  virtual void backward_parameters(const Tensor& grad_output) { (void)backward(grad_output); }
  virtual std::vector<Parameter*> parameters() { return {}; }
  // Spatial upscaling factor of the layer (1 for most).
  virtual int upscale() const { return 1; }
  // Input pixels on each side that can influence one output pixel: the halo a tile needs.
  virtual int context() const { return 0; }
  // Tiles must start at multiples of this many input pixels (a layer that downsamples by
  // stride 2^k internally needs 2^k so a tile's grid matches the whole image's).
  virtual int alignment() const { return 1; }
  // Bytes of activations one forward pass holds at its peak (for choosing a tile size).
  virtual double working_bytes(const Shape& input) const {
    return 4.0 * static_cast<double>(input.numel() + output_shape(input).numel());
  }
  // Useful floating-point operations for an input of this shape (multiply-add = 2).
  virtual double flops(const Shape& /*input*/) const { return 0.0; }
  // Names the layer's parameters with a prefix (its index in a Sequential).
  virtual void set_name_prefix(const std::string& /*prefix*/) {}
  // How many entries of a PyTorch nn.Sequential this layer stands for (a resize-conv is
  // an nn.Upsample and an nn.Conv2d); its parameters take the index of the last.
  virtual int sequential_entries() const { return 1; }
  // Called after the weights changed, for a layer that keeps inference state of its own
  // (a U-Net's stages replan).
  virtual void weights_changed() {}

  // ---- Inference plans (Sequential builds one when the weights change) ------------------
  // This layer as an activation the conv before it can apply while writing its output.
  virtual std::optional<ops::ConvEpilogue> as_epilogue() const { return std::nullopt; }
  // This layer as a pixel shuffle the conv before it can write its output through: the
  // factor, or 0 when it is not one.
  virtual int as_pixel_shuffle() const { return 0; }
  // The step that computes this layer, from the weights as they are now; `next` are the
  // layers after it, of which a conv takes over those it can fuse. The default step calls
  // forward() and takes over nothing.
  virtual PlannedStep plan(std::span<const LayerPtr> next) const;
};

}  // namespace upsample::nn
