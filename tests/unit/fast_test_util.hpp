#pragma once
// Shared by the fast-path tests: random tensors, the comparison with the reference, and
// running a body once per instruction set the CPU has.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>

#include "ops/conv_plan.hpp"
#include "ops/ref/activations_ref.hpp"
#include "ops/ref/prelu_ref.hpp"
#include "ops/x86/isa.hpp"
#include "tensor/tensor.hpp"
#include "test_values.hpp"

namespace upsample::fast_test {

using testing::random_tensor;

// |actual − expected| ≤ 1e-4·|expected| + scale_tolerance·max(1, rms(expected)): the
// absolute part follows the size of the values, since float sums of many terms err in
// proportion to them. Winograd's transforms multiply rounding errors by up to ~100 (their
// 5s and 8s), so its error is measured against the output's scale at 1e-4.
inline constexpr double kDirectScaleTolerance = 1e-5, kWinogradScaleTolerance = 1e-4;
inline void check_close(const Tensor& actual, const Tensor& expected, const std::string& what,
                        double scale_tolerance = kDirectScaleTolerance) {
  if (!(actual.shape() == expected.shape())) {
    FAIL_CHECK(what << ": shape " << actual.shape().str() << ", expected " << expected.shape().str());
    return;
  }
  double square_sum = 0.0;
  for (float e : expected.values()) square_sum += static_cast<double>(e) * static_cast<double>(e);
  const double rms = expected.numel() > 0 ? std::sqrt(square_sum / static_cast<double>(expected.numel())) : 0.0;
  const double absolute = scale_tolerance * std::max(1.0, rms);
  int64_t bad = 0, worst = -1;
  double worst_excess = 0.0;
  for (int64_t i = 0; i < expected.numel(); ++i) {
    const double a = actual.data()[i], e = expected.data()[i];
    const double excess = std::abs(a - e) - (1e-4 * std::abs(e) + absolute);
    if (excess > 0.0 || std::isnan(a) != std::isnan(e)) {
      ++bad;
      if (worst < 0 || excess > worst_excess) worst = i, worst_excess = excess;
    }
  }
  CHECK_MESSAGE(bad == 0, what << ": " << bad << " of " << expected.numel()
                                << " elements differ; worst at flat index " << worst << ": "
                                << (worst >= 0 ? actual.data()[worst] : 0.0f) << " vs "
                                << (worst >= 0 ? expected.data()[worst] : 0.0f));
}

// The activation of `e` applied to a reference conv's output, as the fused passes apply it.
inline Tensor reference_epilogue(const Tensor& y, const ops::ConvEpilogue& e) {
  switch (e.activation) {
    case ops::Activation::Tanh: return ops::ref::tanh_forward(y);
    case ops::Activation::Relu: return ops::ref::relu_forward(y);
    case ops::Activation::Sigmoid: return ops::ref::sigmoid_forward(y);
    case ops::Activation::PRelu: return ops::ref::prelu_forward(y, e.prelu_weight);
    case ops::Activation::None: return y;
  }
  return y;
}

// body(isa) for AVX2 and AVX-512, each forced with ScopedIsa; skips (with a message) what
// the CPU lacks.
template <typename Body>
void each_isa(Body body) {
  for (const ops::x86::Isa isa : {ops::x86::Isa::Avx2, ops::x86::Isa::Avx512}) {
    if (!ops::x86::cpu_supports(isa)) {
      MESSAGE("skipping " << ops::x86::isa_name(isa) << ": this CPU does not support it");
      continue;
    }
    const ops::x86::ScopedIsa forced(isa);
    body(isa);
  }
}

}  // namespace upsample::fast_test
