#include "nn/sequential.hpp"

namespace upsample::nn {

void Sequential::add(LayerPtr layer) {
  layer->set_name_prefix(std::to_string(layers_.size()) + ".");
  layers_.push_back(std::move(layer));
}

Shape Sequential::output_shape(const Shape& input) const {
  Shape s = input;
  for (const auto& l : layers_) s = l->output_shape(s);
  return s;
}

Tensor Sequential::forward(const Tensor& input) const {
  Tensor x = input;
  for (const auto& l : layers_) x = l->forward(x);
  return x;
}

Tensor Sequential::forward_train(const Tensor& input) {
  Tensor x = input;
  for (auto& l : layers_) x = l->forward_train(x);
  return x;
}

Tensor Sequential::backward(const Tensor& grad_output) {
  Tensor g = grad_output;
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) g = (*it)->backward(g);
  return g;
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
