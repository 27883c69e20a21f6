#include "train/adam.hpp"

#include <algorithm>
#include <cmath>

#include "tensor/error.hpp"

namespace upsample::train {

Adam::Adam(std::vector<nn::Parameter*> parameters, AdamOptions options)
    : parameters_(std::move(parameters)), options_(options) {
  for (const nn::Parameter* p : parameters_) {
    m_.emplace_back(p->value.shape());
    v_.emplace_back(p->value.shape());
  }
}

void Adam::step(double lr) {
  ++steps_;
  const double b1 = options_.beta1, b2 = options_.beta2;
  const double correction1 = 1.0 - std::pow(b1, static_cast<double>(steps_));
  const double correction2 = 1.0 - std::pow(b2, static_cast<double>(steps_));
  for (size_t i = 0; i < parameters_.size(); ++i) {
    nn::Parameter& p = *parameters_[i];
    if (!p.trainable || p.grad.empty()) continue;
    const float step_size = static_cast<float>(lr * static_cast<double>(p.lr_multiplier) / correction1);
    const float inv_sqrt_c2 = static_cast<float>(1.0 / std::sqrt(correction2));
    const auto fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2), eps = static_cast<float>(options_.epsilon);
    float* w = p.value.data();
    const float* g = p.grad.data();
    float* m = m_[i].data();
    float* v = v_[i].data();
    const int64_t n = p.value.numel();
    for (int64_t k = 0; k < n; ++k) {
      m[k] = fb1 * m[k] + (1.0f - fb1) * g[k];
      v[k] = fb2 * v[k] + (1.0f - fb2) * g[k] * g[k];
      w[k] -= step_size * m[k] / (std::sqrt(v[k]) * inv_sqrt_c2 + eps);
    }
  }
}

std::vector<std::pair<std::string, Tensor>> Adam::state() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    out.emplace_back("adam.m." + parameters_[i]->name, m_[i]);
    out.emplace_back("adam.v." + parameters_[i]->name, v_[i]);
  }
  return out;
}

void Adam::restore(const std::vector<std::pair<std::string, Tensor>>& tensors, int64_t steps) {
  auto find = [&](const std::string& name) -> const Tensor& {
    const auto it = std::find_if(tensors.begin(), tensors.end(), [&](const auto& t) { return t.first == name; });
    if (it == tensors.end()) throw Error("checkpoint has no optimiser state '" + name + "'");
    return it->second;
  };
  for (size_t i = 0; i < parameters_.size(); ++i) {
    for (auto [prefix, target] : {std::pair{"adam.m.", &m_[i]}, std::pair{"adam.v.", &v_[i]}}) {
      const Tensor& t = find(prefix + parameters_[i]->name);
      check_shape(t.shape(), target->shape(), "checkpoint tensor " + std::string(prefix) + parameters_[i]->name);
      std::copy_n(t.data(), t.numel(), target->data());
    }
  }
  steps_ = steps;
}

}  // namespace upsample::train
