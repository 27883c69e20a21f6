#pragma once
// A double-precision buffer with a tensor's shape. The reference ops sum in double and
// round to float once at the end, so the oracle's own rounding error stays far below
// any test tolerance whatever order the terms come in.
#include <cstdint>
#include <vector>

#include "tensor/tensor.hpp"

namespace upsample::ops::ref {

class Accumulator {
 public:
  explicit Accumulator(const Shape& shape) : shape_(shape), sums_(static_cast<size_t>(shape.numel()), 0.0) {}

  const Shape& shape() const { return shape_; }
  double& operator[](int64_t flat_index) { return sums_[static_cast<size_t>(flat_index)]; }
  // Element (n, c, h, w) of a rank-4 shape.
  double& at(int64_t n, int64_t c, int64_t h, int64_t w) {
    return sums_[static_cast<size_t>(((n * shape_[1] + c) * shape_[2] + h) * shape_[3] + w)];
  }

  Tensor to_tensor() const {
    Tensor t(shape_);
    float* out = t.data();
    for (size_t i = 0; i < sums_.size(); ++i) out[i] = static_cast<float>(sums_[i]);
    return t;
  }

 private:
  Shape shape_;
  std::vector<double> sums_;
};

}  // namespace upsample::ops::ref
