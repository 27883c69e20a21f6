#pragma once
// A chain of layers, named like PyTorch's nn.Sequential state_dict ("0.weight", ...), so a
// PyTorch model of the same architecture saves to a file we load as it is.
#include <string>
#include <vector>

#include "nn/layer.hpp"

namespace upsample::nn {

class Sequential {
 public:
  Sequential() = default;
  Sequential(Sequential&&) = default;
  Sequential& operator=(Sequential&&) = default;

  void add(LayerPtr layer);
  // Names the layers "<prefix>0.", "<prefix>1.", ...: this chain as a submodule of a
  // larger model (the U-Net's stages).
  void set_name_prefix(const std::string& prefix);
  size_t size() const { return layers_.size(); }
  Layer& operator[](size_t i) { return *layers_[i]; }
  const Layer& operator[](size_t i) const { return *layers_[i]; }
  Layer& back() { return *layers_.back(); }

  Shape output_shape(const Shape& input) const;
  Tensor forward(const Tensor& input) const;
  Tensor forward_train(const Tensor& input);
  // Returns the gradient w.r.t. the network input; parameter grads accumulate.
  // With need_input_gradient = false it stops below the lowest trainable layer and
  // returns an empty tensor.
  Tensor backward(const Tensor& grad_output, bool need_input_gradient = true);

  std::vector<Parameter*> parameters();
  std::vector<const Parameter*> parameters() const;
  void zero_grad();
  void weights_changed();

  int upscale() const;  // product of the layers' factors
  // Input pixels of context each side that one output pixel can depend on: the overlap
  // tiles need for a tiled result to equal the whole-image one.
  int halo() const;
  double flops(const Shape& input) const;

 private:
  std::vector<LayerPtr> layers_;
  std::string name_prefix_;
};

}  // namespace upsample::nn
