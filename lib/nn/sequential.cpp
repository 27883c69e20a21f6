#include "nn/sequential.hpp"

#include "ops/x86/isa.hpp"

namespace upsample::nn {

struct Sequential::Plan {
  std::vector<std::unique_ptr<const InferenceStep>> steps;
  ops::x86::Isa isa = ops::x86::Isa::Ref;  // the plans' convs run this instruction set
};

// A moved Sequential keeps its plan: the steps refer to the layers, which move along.
Sequential::Sequential(Sequential&& other) noexcept
    : layers_(std::move(other.layers_)), name_prefix_(std::move(other.name_prefix_)), plan_(std::move(other.plan_)) {}

Sequential& Sequential::operator=(Sequential&& other) noexcept {
  layers_ = std::move(other.layers_);
  name_prefix_ = std::move(other.name_prefix_);
  plan_ = std::move(other.plan_);
  return *this;
}

Sequential::~Sequential() = default;

void Sequential::add(LayerPtr layer) {
  const int index = (layers_.empty() ? -1 : parameter_index(layers_.size() - 1)) + layer->sequential_entries();
  layer->set_name_prefix(name_prefix_ + std::to_string(index) + ".");
  layers_.push_back(std::move(layer));
  plan_.reset();
}

void Sequential::set_name_prefix(const std::string& prefix) {
  name_prefix_ = prefix;
  int index = -1;
  for (auto& l : layers_) {
    index += l->sequential_entries();
    l->set_name_prefix(prefix + std::to_string(index) + ".");
  }
}

int Sequential::parameter_index(size_t i) const {
  int index = -1;
  for (size_t j = 0; j <= i && j < layers_.size(); ++j) index += layers_[j]->sequential_entries();
  return index;
}

Shape Sequential::output_shape(const Shape& input) const {
  Shape s = input;
  for (const auto& l : layers_) s = l->output_shape(s);
  return s;
}

std::shared_ptr<const Sequential::Plan> Sequential::build_plan() const {
  auto plan = std::make_shared<Plan>();
  plan->isa = ops::x86::active_isa();
  const std::span<const LayerPtr> layers(layers_);
  for (size_t i = 0; i < layers.size();) {
    PlannedStep planned = layers[i]->plan(layers.subspan(i + 1));
    plan->steps.push_back(std::move(planned.step));
    i += planned.layers;
  }
  return plan;
}

std::shared_ptr<const Sequential::Plan> Sequential::current_plan() const {
  const std::lock_guard lock(plan_mutex_);
  if (plan_ == nullptr || plan_->isa != ops::x86::active_isa()) plan_ = build_plan();
  return plan_;
}

Tensor Sequential::forward(const Tensor& input) const {
  const std::shared_ptr<const Plan> plan = current_plan();
  Tensor x = input;
  for (const auto& step : plan->steps) x = step->forward(x);
  return x;
}

Tensor Sequential::forward_train(const Tensor& input) {
  Tensor x = input;
  for (auto& l : layers_) x = l->forward_train(x);
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
    if (i == lowest && !need_input_gradient) {
      layers_[i]->backward_parameters(g);
      return Tensor();
    }
    g = layers_[i]->backward(g);
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
  std::shared_ptr<const Plan> plan = build_plan();
  const std::lock_guard lock(plan_mutex_);
  plan_ = std::move(plan);
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
