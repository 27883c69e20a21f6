// Winograd F(4×4, 3×3) against the reference conv (the oracle), on the AVX2 and AVX-512
// kernels: shapes that leave partial tiles and partial blocks at every edge, the channel
// counts of the networks that use it, every activation; and which 3×3 convs take it.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>

#include "fast_test_util.hpp"
#include "ops/conv_plan.hpp"
#include "ops/ref/activations_ref.hpp"
#include "ops/ref/conv2d_ref.hpp"
#include "ops/ref/prelu_ref.hpp"
#include "ops/x86/winograd.hpp"
#include "ops/x86/winograd_conv.hpp"

namespace upsample {
namespace {

using fast_test::check_close;
using fast_test::each_isa;
using fast_test::random_tensor;

ops::Conv2dParams same_3x3() {
  ops::Conv2dParams p;
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
  return p;
}

Tensor reference(const Tensor& x, const Tensor& w, const Tensor& b, const ops::ConvEpilogue& e) {
  const Tensor y = ops::ref::conv2d_forward(x, w, b, same_3x3());
  switch (e.activation) {
    case ops::Activation::Tanh: return ops::ref::tanh_forward(y);
    case ops::Activation::Relu: return ops::ref::relu_forward(y);
    case ops::Activation::Sigmoid: return ops::ref::sigmoid_forward(y);
    case ops::Activation::PRelu: return ops::ref::prelu_forward(y, e.prelu_weight);
    case ops::Activation::None: return y;
  }
  return y;
}

TEST_CASE("winograd F(4x4, 3x3) matches the reference conv over a sweep of shapes, on every ISA") {
  std::mt19937 rng(23);
  // Widths around the block edges: 4 columns per tile, 24 (AVX2) or 48 (AVX-512) tiles per block.
  const int widths[] = {1, 3, 4, 5, 17, 95, 96, 97, 191, 192, 193, 250};
  const int heights[] = {1, 2, 4, 6, 9};
  const int channels[][2] = {{16, 8}, {64, 32}, {24, 13}, {32, 40}, {17, 9}};
  const ops::Activation activations[] = {ops::Activation::None, ops::Activation::Tanh, ops::Activation::PRelu,
                                         ops::Activation::Relu, ops::Activation::Sigmoid};
  each_isa([&](ops::x86::Isa isa) {
    int index = 0;
    for (const int w : widths)
      for (const int h : heights) {
        const auto& ch = channels[index % 5];
        const ops::Activation act = activations[index % 5];
        ++index;
        // Trained-like scales: each output sums 9·Cin terms of unit-sized inputs.
        const float scale = 1.0f / std::sqrt(9.0f * static_cast<float>(ch[0]));
        const Tensor x = random_tensor(Shape{2, ch[0], h, w}, rng, 1.0f);
        const Tensor wt = random_tensor(Shape{ch[1], ch[0], 3, 3}, rng, scale);
        const Tensor b = random_tensor(Shape{ch[1]}, rng, 0.1f);
        ops::ConvEpilogue e{act, {}};
        if (act == ops::Activation::PRelu) e.prelu_weight = random_tensor(Shape{ch[1]}, rng, 0.3f);
        ops::x86::Epilogue fast_e{act, {}};
        if (act == ops::Activation::PRelu) fast_e.slopes.assign(e.prelu_weight.data(), e.prelu_weight.data() + ch[1]);
        const ops::x86::PackedWinograd packed = ops::x86::pack_winograd(wt, b, fast_e, isa);
        Tensor y = Tensor::uninitialized(Shape{2, ch[1], h, w});
        ops::x86::run_winograd(packed, x, y);
        std::ostringstream what;
        what << ops::x86::isa_name(isa) << " winograd " << ch[0] << "→" << ch[1] << " " << h << "×" << w << " act "
             << static_cast<int>(act);
        check_close(y, reference(x, wt, b, e), what.str(), fast_test::kWinogradScaleTolerance);
      }
  });
}

TEST_CASE("conv plans take winograd for 3x3 same convs with 16+ input channels, and give the reference's result") {
  std::mt19937 rng(5);
  each_isa([&](ops::x86::Isa) {
    for (const int cin : {12, 16, 64}) {
      const Tensor x = random_tensor(Shape{1, cin, 37, 53}, rng, 1.0f);
      const Tensor wt = random_tensor(Shape{32, cin, 3, 3}, rng, 0.05f);
      const Tensor b = random_tensor(Shape{32}, rng, 0.1f);
      const ops::ConvPlan plan(wt, b, same_3x3(), {ops::Activation::Tanh, {}});
      CHECK(plan.uses_winograd() == (cin >= 16));
      check_close(plan.forward(x), reference(x, wt, b, {ops::Activation::Tanh, {}}), "plan C" + std::to_string(cin),
                  fast_test::kWinogradScaleTolerance);
    }
    ops::Conv2dParams strided = same_3x3();
    strided.stride_h = strided.stride_w = 2;
    CHECK_FALSE(ops::ConvPlan(random_tensor(Shape{32, 32, 3, 3}, rng, 0.1f), {}, strided).uses_winograd());
    ops::Conv2dParams valid;
    CHECK_FALSE(ops::ConvPlan(random_tensor(Shape{32, 32, 3, 3}, rng, 0.1f), {}, valid).uses_winograd());
  });
}

}  // namespace
}  // namespace upsample
