// Finite-difference checks of every op's backward pass, independent of PyTorch.
//
// For an op y = f(x, ...) and a random upstream gradient r, the scalar L = Σ r·y has
// dL/dx = backward(r). Each element of x is nudged by ±eps and the central difference of
// L (summed in double) is compared with the analytic gradient. The ops are linear or
// smooth wherever the inputs are (kinks are kept away from the sample points), so in
// float32 with eps = 1e-2 the difference is accurate to a few 1e-5.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "ops/activations.hpp"
#include "ops/add.hpp"
#include "ops/conv2d.hpp"
#include "ops/conv_transpose2d.hpp"
#include "ops/losses.hpp"
#include "ops/pixel_shuffle.hpp"
#include "ops/prelu.hpp"
#include "ops/resize.hpp"
#include "test_values.hpp"

namespace upsample {
namespace {

using testing::dot;
using testing::random_tensor;

constexpr float kEps = 1e-2f;
constexpr double kRelTol = 1e-2;
constexpr double kAbsTol = 1e-3;

// Moves every element at least `margin` away from zero, keeping its sign, so that a
// kinked function (ReLU family, |d|) is smooth within ±eps of each sample point.
void keep_away_from_zero(Tensor& t, float margin) {
  for (float& v : t.values())
    if (std::abs(v) < margin) v = v < 0.0f ? v - margin : v + margin;
}
// Compares `analytic` with central differences of `objective` w.r.t. every element of
// `variable`; `objective` must read `variable` (which it sees through shared storage).
void check_gradient(Tensor& variable, const Tensor& analytic, const std::function<double()>& objective,
                    const std::string& what) {
  REQUIRE(analytic.shape() == variable.shape());
  int bad = 0;
  std::string first_bad;
  for (int64_t i = 0; i < variable.numel(); ++i) {
    float& x = variable.data()[i];
    const float original = x;
    x = original + kEps;
    const float x_plus = x;
    const double plus = objective();
    x = original - kEps;
    const float x_minus = x;
    const double minus = objective();
    x = original;
    // Divide by the step actually taken (x ± eps is rounded to float).
    const double numeric = (plus - minus) / (static_cast<double>(x_plus) - static_cast<double>(x_minus));
    const double exact = analytic.data()[i];
    if (std::abs(numeric - exact) > kRelTol * std::abs(exact) + kAbsTol) {
      if (bad++ == 0) {
        std::ostringstream s;
        s << "element " << i << ": analytic " << exact << ", finite difference " << numeric;
        first_bad = s.str();
      }
    }
  }
  CHECK_MESSAGE(bad == 0, what << ": " << bad << " of " << variable.numel()
                                << " gradient elements disagree with finite differences; first: " << first_bad);
}

TEST_CASE("gradcheck: conv2d") {
  std::mt19937 rng(11);
  struct Case {
    Shape input, weight;
    ops::Conv2dParams params;
  };
  const Case cases[] = {
      {{2, 4, 6, 7}, {4, 2, 3, 3}, {.stride_h = 2, .stride_w = 1, .pad_top = 1, .pad_bottom = 0, .pad_left = 2,
                                    .pad_right = 1, .dilation_h = 1, .dilation_w = 2, .groups = 2}},
      {{1, 3, 5, 5}, {6, 1, 2, 2}, {.stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_bottom = 1, .pad_left = 1,
                                    .pad_right = 1, .dilation_h = 1, .dilation_w = 1, .groups = 3}},
      {{1, 2, 7, 6}, {3, 2, 4, 3}, {.stride_h = 3, .stride_w = 2, .pad_top = 0, .pad_bottom = 2, .pad_left = 1,
                                    .pad_right = 0, .dilation_h = 1, .dilation_w = 1, .groups = 1}},
  };
  for (const Case& c : cases) {
    const std::string what = "conv2d input " + c.input.str() + " weight " + c.weight.str();
    Tensor input = random_tensor(c.input, rng);
    Tensor weight = random_tensor(c.weight, rng, 0.5f);
    Tensor bias = random_tensor(Shape{c.weight[0]}, rng);
    const Tensor r = random_tensor(ops::conv2d_output_shape(c.input, c.weight, c.params), rng);
    const auto objective = [&] { return dot(r, ops::conv2d_forward(input, weight, bias, c.params)); };
    const ops::ConvGrads grads = ops::conv2d_backward(r, input, weight, true, c.params);
    check_gradient(input, grads.input, objective, what + ": grad_input");
    check_gradient(weight, grads.weight, objective, what + ": grad_weight");
    check_gradient(bias, grads.bias, objective, what + ": grad_bias");
  }
}

TEST_CASE("gradcheck: conv_transpose2d") {
  std::mt19937 rng(12);
  struct Case {
    Shape input, weight;
    ops::ConvTranspose2dParams params;
  };
  const Case cases[] = {
      {{2, 4, 4, 5}, {4, 1, 3, 3}, {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1, .output_padding_h = 1,
                                    .output_padding_w = 1, .dilation_h = 1, .dilation_w = 1, .groups = 2}},
      {{1, 2, 3, 4}, {2, 3, 4, 4}, {.stride_h = 3, .stride_w = 3, .pad_h = 2, .pad_w = 0, .output_padding_h = 2,
                                    .output_padding_w = 1, .dilation_h = 1, .dilation_w = 2, .groups = 1}},
      {{1, 3, 3, 3}, {3, 1, 2, 5}, {.stride_h = 1, .stride_w = 2, .pad_h = 0, .pad_w = 2, .output_padding_h = 1,
                                    .output_padding_w = 0, .dilation_h = 2, .dilation_w = 1, .groups = 3}},
  };
  for (const Case& c : cases) {
    const std::string what = "conv_transpose2d input " + c.input.str() + " weight " + c.weight.str();
    Tensor input = random_tensor(c.input, rng);
    Tensor weight = random_tensor(c.weight, rng, 0.5f);
    const Shape out_shape = ops::conv_transpose2d_output_shape(c.input, c.weight, c.params);
    Tensor bias = random_tensor(Shape{out_shape.c()}, rng);
    const Tensor r = random_tensor(out_shape, rng);
    const auto objective = [&] { return dot(r, ops::conv_transpose2d_forward(input, weight, bias, c.params)); };
    const ops::ConvGrads grads = ops::conv_transpose2d_backward(r, input, weight, true, c.params);
    check_gradient(input, grads.input, objective, what + ": grad_input");
    check_gradient(weight, grads.weight, objective, what + ": grad_weight");
    check_gradient(bias, grads.bias, objective, what + ": grad_bias");
  }
}

TEST_CASE("gradcheck: pixel_shuffle and pixel_unshuffle") {
  std::mt19937 rng(13);
  for (const int factor : {2, 3}) {
    Tensor low = random_tensor(Shape{2, 2 * factor * factor, 2, 3}, rng);
    const Tensor r_high = random_tensor(ops::pixel_shuffle_output_shape(low.shape(), factor), rng);
    check_gradient(
        low, ops::pixel_shuffle_backward(r_high, factor),
        [&] { return dot(r_high, ops::pixel_shuffle_forward(low, factor)); },
        "pixel_shuffle factor " + std::to_string(factor));

    Tensor high = random_tensor(Shape{2, 2, 2 * factor, 3 * factor}, rng);
    const Tensor r_low = random_tensor(ops::pixel_unshuffle_output_shape(high.shape(), factor), rng);
    check_gradient(
        high, ops::pixel_unshuffle_backward(r_low, factor),
        [&] { return dot(r_low, ops::pixel_unshuffle_forward(high, factor)); },
        "pixel_unshuffle factor " + std::to_string(factor));
  }
}

TEST_CASE("gradcheck: resize") {
  std::mt19937 rng(14);
  using ops::ResizeMode;
  using ops::ResizeParams;
  for (const ResizeMode mode : {ResizeMode::Nearest, ResizeMode::Bilinear, ResizeMode::Bicubic}) {
    for (const ResizeParams& base : {ResizeParams::by_scale(mode, 2.0), ResizeParams::by_scale(mode, 1.5, 3.0),
                                     ResizeParams::by_scale(mode, 0.6), ResizeParams::to_size(mode, 7, 4)}) {
      const std::string what = std::string("resize ") + ops::resize_mode_name(mode) + " scale " +
                               std::to_string(base.scale_h) + "×" + std::to_string(base.scale_w) + " size " +
                               std::to_string(base.out_h) + "×" + std::to_string(base.out_w);
      Tensor input = random_tensor(Shape{1, 2, 5, 6}, rng);
      const Tensor r = random_tensor(ops::resize_output_shape(input.shape(), base), rng);
      check_gradient(
          input, ops::resize_backward(r, input.shape(), base), [&] { return dot(r, ops::resize_forward(input, base)); },
          what);
    }
  }
}

TEST_CASE("gradcheck: activations and add") {
  std::mt19937 rng(15);
  const Shape shape{2, 3, 4, 3};
  Tensor x = random_tensor(shape, rng);
  keep_away_from_zero(x, 3 * kEps);
  const Tensor r = random_tensor(shape, rng);

  check_gradient(x, ops::relu_backward(r, x), [&] { return dot(r, ops::relu_forward(x)); }, "relu");
  for (const float slope : {0.1f, -0.4f}) {
    check_gradient(
        x, ops::leaky_relu_backward(r, x, slope), [&] { return dot(r, ops::leaky_relu_forward(x, slope)); },
        "leaky_relu slope " + std::to_string(slope));
  }
  check_gradient(
      x, ops::tanh_backward(r, ops::tanh_forward(x)), [&] { return dot(r, ops::tanh_forward(x)); }, "tanh");
  check_gradient(
      x, ops::sigmoid_backward(r, ops::sigmoid_forward(x)), [&] { return dot(r, ops::sigmoid_forward(x)); },
      "sigmoid");

  Tensor other = random_tensor(shape, rng);
  const ops::AddGrads add_grads = ops::add_backward(r);
  check_gradient(x, add_grads.a, [&] { return dot(r, ops::add_forward(x, other)); }, "add: grad a");
  check_gradient(other, add_grads.b, [&] { return dot(r, ops::add_forward(x, other)); }, "add: grad b");
}

TEST_CASE("gradcheck: prelu") {
  std::mt19937 rng(16);
  for (const int64_t slopes : {int64_t{3}, int64_t{1}}) {
    const std::string what = "prelu with " + std::to_string(slopes) + " slope(s)";
    Tensor x = random_tensor(Shape{2, 3, 4, 3}, rng);
    keep_away_from_zero(x, 3 * kEps);
    Tensor weight = random_tensor(Shape{slopes}, rng, 0.5f);
    const Tensor r = random_tensor(x.shape(), rng);
    const auto objective = [&] { return dot(r, ops::prelu_forward(x, weight)); };
    const ops::PReluGrads grads = ops::prelu_backward(r, x, weight);
    check_gradient(x, grads.input, objective, what + ": grad_input");
    check_gradient(weight, grads.weight, objective, what + ": grad_weight");
  }
}

TEST_CASE("gradcheck: losses") {
  std::mt19937 rng(17);
  const Shape shape{2, 1, 3, 4};
  Tensor prediction = random_tensor(shape, rng);
  const Tensor target = random_tensor(shape, rng);
  // Keep |prediction − target| clear of L1's kink.
  for (int64_t i = 0; i < prediction.numel(); ++i) {
    float& p = prediction.data()[i];
    const float t = target.data()[i];
    if (std::abs(p - t) < 3 * kEps) p = t + (p < t ? -3 * kEps : 3 * kEps);
  }
  // The losses are means over 24 elements, so their gradients are small: compare the
  // gradient of 24·loss.
  const auto count = static_cast<double>(prediction.numel());
  const auto scaled = [&](const Tensor& grad) {
    Tensor g = grad.clone();
    for (float& v : g.values()) v *= static_cast<float>(count);
    return g;
  };
  check_gradient(
      prediction, scaled(ops::mse_loss(prediction, target).grad),
      [&] { return count * ops::mse_loss(prediction, target).value; }, "mse_loss");
  check_gradient(
      prediction, scaled(ops::l1_loss(prediction, target).grad),
      [&] { return count * ops::l1_loss(prediction, target).value; }, "l1_loss");
  for (const float epsilon : {0.1f, 0.5f}) {
    check_gradient(
        prediction, scaled(ops::charbonnier_loss(prediction, target, epsilon).grad),
        [&] { return count * ops::charbonnier_loss(prediction, target, epsilon).value; },
        "charbonnier_loss epsilon " + std::to_string(epsilon));
  }
}

}  // namespace
}  // namespace upsample
