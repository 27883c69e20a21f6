#pragma once
// Small helpers many test files share.
#include <random>
#include <string>

#include "tensor/tensor.hpp"

namespace upsample::testing {

// A tensor of normal values with standard deviation `scale`.
inline Tensor random_tensor(const Shape& shape, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> normal(0.0f, scale);
  Tensor t(shape);
  for (float& v : t.values()) v = normal(rng);
  return t;
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace upsample::testing
