#pragma once
// Layers with parameters and gradients. A layer runs forward for inference, or
// forward_train which keeps what backward needs; backward adds into each parameter's
// grad and returns the gradient w.r.t. the layer's input.
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.hpp"

namespace upsample::nn {

struct Parameter {
  std::string name;            // PyTorch state_dict key, e.g. "3.weight"
  Tensor value;
  Tensor grad;                 // same shape as value; zeroed by zero_grad()
  float lr_multiplier = 1.0f;  // per-layer learning rate, as the SR papers use
  bool trainable = true;       // false = frozen (fine-tuning only the last layer)
};

class Layer {
 public:
  virtual ~Layer() = default;
  // One line for `models` and error messages, e.g. "conv 5×5 1→56".
  virtual std::string describe() const = 0;
  virtual Shape output_shape(const Shape& input) const = 0;
  virtual Tensor forward(const Tensor& input) const = 0;
  // Forward that remembers what backward needs (the input, or the output).
  virtual Tensor forward_train(const Tensor& input) = 0;
  virtual Tensor backward(const Tensor& grad_output) = 0;
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
  // Lets a layer prepare for fast inference after its weights change (repacking).
  virtual void weights_changed() {}
};

using LayerPtr = std::unique_ptr<Layer>;

}  // namespace upsample::nn
