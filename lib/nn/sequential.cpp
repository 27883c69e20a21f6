#include "nn/sequential.hpp"

#include <optional>

#include "nn/layers.hpp"

namespace upsample::nn {

namespace {

// The layer as an activation a conv can apply while writing its output.
std::optional<ops::ConvEpilogue> as_epilogue(const Layer& layer) {
  if (const auto* prelu = dynamic_cast<const PRelu*>(&layer))
    return ops::ConvEpilogue{ops::FusedActivation::PRelu, prelu->slopes()};
  if (const auto* act = dynamic_cast<const ActivationLayer*>(&layer)) {
    switch (act->kind()) {
      case Activation::Relu: return ops::ConvEpilogue{ops::FusedActivation::Relu, {}};
      case Activation::Tanh: return ops::ConvEpilogue{ops::FusedActivation::Tanh, {}};
      case Activation::Sigmoid: return ops::ConvEpilogue{ops::FusedActivation::Sigmoid, {}};
    }
  }
  return std::nullopt;
}

// The conv at i + 1 when layer i is a nearest resize it can be folded with (resize-
// convolution run at the low resolution, see Conv2d::forward_after_nearest), else null.
Conv2d* conv_after_nearest(const std::vector<LayerPtr>& layers, size_t i) {
  const auto* resize = dynamic_cast<const Resize*>(layers[i].get());
  if (resize == nullptr || resize->mode() != ops::ResizeMode::Nearest || i + 1 >= layers.size()) return nullptr;
  auto* conv = dynamic_cast<Conv2d*>(layers[i + 1].get());
  return conv != nullptr && conv->folds_after_nearest() ? conv : nullptr;
}

// For inference, a conv takes over the activation after it and, for a conv, a pixel
// shuffle after that (or a nearest resize before it): one pass over the output instead
// of two or three.
struct Fusion {
  Conv2d* conv = nullptr;
  ConvTranspose2d* transposed = nullptr;
  ops::ConvEpilogue epilogue;
  int shuffle = 1;
  int nearest_factor = 0;  // > 0: the conv runs after a nearest resize by this factor
  size_t layers = 1;       // how many layers, from the conv (or resize) on, this covers
};

Fusion fusion_at(const std::vector<LayerPtr>& layers, size_t first) {
  Fusion f;
  size_t i = first;  // the conv's index
  if ((f.conv = conv_after_nearest(layers, first)) != nullptr) {
    f.nearest_factor = dynamic_cast<const Resize&>(*layers[first]).factor();
    i = first + 1;
  } else {
    f.conv = dynamic_cast<Conv2d*>(layers[i].get());
    f.transposed = dynamic_cast<ConvTranspose2d*>(layers[i].get());
  }
  if (f.conv == nullptr && f.transposed == nullptr) return f;
  size_t next = i + 1;
  if (next < layers.size()) {
    if (auto epilogue = as_epilogue(*layers[next])) {
      f.epilogue = std::move(*epilogue);
      ++next;
    }
  }
  if (f.conv != nullptr && f.nearest_factor == 0 && next < layers.size()) {
    if (const auto* shuffle = dynamic_cast<const PixelShuffle*>(layers[next].get())) {
      f.shuffle = shuffle->factor();
      ++next;
    }
  }
  f.layers = next - first;
  return f;
}

}  // namespace

void Sequential::add(LayerPtr layer) {
  layer->set_name_prefix(name_prefix_ + std::to_string(layers_.size()) + ".");
  layers_.push_back(std::move(layer));
}

void Sequential::set_name_prefix(const std::string& prefix) {
  name_prefix_ = prefix;
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i]->set_name_prefix(prefix + std::to_string(i) + ".");
}

Shape Sequential::output_shape(const Shape& input) const {
  Shape s = input;
  for (const auto& l : layers_) s = l->output_shape(s);
  return s;
}

Tensor Sequential::forward(const Tensor& input) const {
  Tensor x = input;
  for (size_t i = 0; i < layers_.size();) {
    const Fusion f = fusion_at(layers_, i);
    if (f.nearest_factor > 0) x = f.conv->forward_after_nearest(x, f.nearest_factor, f.epilogue);
    else if (f.conv != nullptr) x = f.conv->forward_fused(x, f.epilogue, f.shuffle);
    else if (f.transposed != nullptr) x = f.transposed->forward_fused(x, f.epilogue);
    else x = layers_[i]->forward(x);
    i += f.layers;
  }
  return x;
}

Tensor Sequential::forward_train(const Tensor& input) {
  Tensor x = input;
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (Conv2d* conv = conv_after_nearest(layers_, i)) {
      x = conv->forward_train_after_nearest(x, dynamic_cast<const Resize&>(*layers_[i]).factor());
      ++i;  // the resize is part of the conv now
    } else {
      x = layers_[i]->forward_train(x);
    }
  }
  return x;
}

Tensor Sequential::backward(const Tensor& grad_output, bool need_input_gradient) {
  // Without a use for the input gradient, stop at the first layer that learns anything:
  // below it nothing needs a gradient (fine-tuning only the last layer skips the body).
  size_t lowest = 0;
  if (!need_input_gradient) {
    lowest = layers_.size();
    for (size_t i = 0; i < layers_.size() && lowest == layers_.size(); ++i)
      for (const Parameter* p : layers_[i]->parameters())
        if (p->trainable) lowest = i;
  }
  Tensor g = grad_output;
  for (size_t i = layers_.size(); i-- > lowest;) {
    g = layers_[i]->backward(g);
    // A conv trained with the nearest resize before it folded in has already given the
    // gradient w.r.t. the resize's input.
    const auto* conv = dynamic_cast<const Conv2d*>(layers_[i].get());
    if (conv != nullptr && conv->trained_after_nearest() && i > lowest) --i;
  }
  return need_input_gradient ? g : Tensor();
}

std::vector<Parameter*> Sequential::parameters() {
  std::vector<Parameter*> all;
  for (auto& l : layers_)
    for (Parameter* p : l->parameters()) all.push_back(p);
  return all;
}

std::vector<const Parameter*> Sequential::parameters() const {
  std::vector<const Parameter*> all;
  for (const auto& l : layers_)
    for (const Parameter* p : l->parameters()) all.push_back(p);
  return all;
}

void Sequential::zero_grad() {
  for (Parameter* p : parameters())
    if (!p->grad.empty()) p->grad.fill(0.0f);
}

void Sequential::weights_changed() {
  for (auto& l : layers_) l->weights_changed();
  // Pack each conv once more with the activation forward() will fuse into it.
  for (size_t i = 0; i < layers_.size();) {
    const Fusion f = fusion_at(layers_, i);
    if (f.nearest_factor > 0) f.conv->prepare_after_nearest(f.nearest_factor, f.epilogue);
    else if (f.conv != nullptr) f.conv->prepare(f.epilogue);
    if (f.transposed != nullptr) f.transposed->prepare(f.epilogue);
    i += f.layers;
  }
}

int Sequential::upscale() const {
  int f = 1;
  for (const auto& l : layers_) f *= l->upscale();
  return f;
}

int Sequential::halo() const {
  int halo = 0, f = 1;
  for (const auto& l : layers_) {
    halo += (l->context() + f - 1) / f;  // this layer's context, in network-input pixels
    f *= l->upscale();
  }
  return halo;
}

double Sequential::flops(const Shape& input) const {
  double total = 0;
  Shape s = input;
  for (const auto& l : layers_) {
    total += l->flops(s);
    s = l->output_shape(s);
  }
  return total;
}

}  // namespace upsample::nn
