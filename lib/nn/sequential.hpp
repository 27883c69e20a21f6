#pragma once
// A chain of layers, named like PyTorch's nn.Sequential state_dict ("0.weight", ...), so a
// PyTorch model of the same architecture saves to a file we load as it is.
//
// Inference runs a plan made once from the weights: which layers fuse (a conv with the
// activation and pixel shuffle after it), the conv weights packed, a resize-conv's folded.
// weights_changed() builds it; forward() builds it if there is none yet (or the active
// instruction set changed) and otherwise only runs it, from any number of threads.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "nn/layer.hpp"

namespace upsample::nn {

class Sequential {
 public:
  Sequential() = default;
  Sequential(Sequential&& other) noexcept;
  Sequential& operator=(Sequential&& other) noexcept;
  ~Sequential();

  void add(LayerPtr layer);
  // Names the layers "<prefix>0.", "<prefix>1.", ...: this chain as a submodule of a
  // larger model (the U-Net's stages). A layer that stands for several PyTorch modules
  // (Layer::sequential_entries) takes that many indices.
  void set_name_prefix(const std::string& prefix);
  size_t size() const { return layers_.size(); }
  Layer& operator[](size_t i) { return *layers_[i]; }
  const Layer& operator[](size_t i) const { return *layers_[i]; }
  Layer& back() { return *layers_.back(); }
  // The index layer i's parameters are named with ("<index>.weight").
  int parameter_index(size_t i) const;

  Shape output_shape(const Shape& input) const;
  // Inference with the current plan, whose convs compute with copies of the weights as
  // they were when it was built: call weights_changed() after changing any.
  Tensor forward(const Tensor& input) const;
  Tensor forward_train(const Tensor& input);
  // Returns the gradient w.r.t. the network input; parameter grads accumulate.
  // With need_input_gradient = false it stops at the lowest trainable layer, which adds
  // to its parameters' grads only, and returns an empty tensor.
  Tensor backward(const Tensor& grad_output, bool need_input_gradient = true);

  std::vector<Parameter*> parameters();
  std::vector<const Parameter*> parameters() const;
  void zero_grad();
  // After loading or updating weights: tells the layers and builds the inference plan.
  void weights_changed();

  int upscale() const;  // product of the layers' factors
  // Input pixels of context each side that one output pixel can depend on: the overlap
  // tiles need for a tiled result to equal the whole-image one.
  int halo() const;
  double flops(const Shape& input) const;

 private:
  struct Plan;
  std::shared_ptr<const Plan> build_plan() const;
  // The plan to run: the current one, or a new one when there is none yet or it was
  // built for another instruction set.
  std::shared_ptr<const Plan> current_plan() const;

  std::vector<LayerPtr> layers_;
  std::string name_prefix_;
  // Guards plan_ only: forward() may build it from several threads at once.
  mutable std::mutex plan_mutex_;
  mutable std::shared_ptr<const Plan> plan_;
};

}  // namespace upsample::nn
