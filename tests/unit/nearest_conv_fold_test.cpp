// Resize-convolution folded into a sub-pixel convolution at the low resolution
// (ops/nearest_conv_fold, used by nn::ResizeConv2d after a nearest resize):
// inference, training forward and every gradient against the reference ops run as
// written, a nearest resize at full resolution followed by the convolution.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include "fast_test_util.hpp"
#include "nn/layers.hpp"
#include "nn/sequential.hpp"
#include "ops/nearest_conv_fold.hpp"
#include "ops/ref/conv2d_ref.hpp"
#include "ops/ref/prelu_ref.hpp"
#include "ops/ref/resize_ref.hpp"
#include "tensor/error.hpp"

namespace upsample {
namespace {

using fast_test::check_close;
using fast_test::each_isa;
using fast_test::random_tensor;

struct Case {
  int scale, kernel, in_channels, out_channels;
  int64_t height, width;
};

std::string describe(const Case& c) {
  std::ostringstream s;
  s << "×" << c.scale << " k" << c.kernel << " " << c.in_channels << "→" << c.out_channels << " on " << c.height << "×"
    << c.width;
  return s.str();
}

ops::Conv2dParams same_padding(int kernel) {
  ops::Conv2dParams p;
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = kernel / 2;
  return p;
}

TEST_CASE("nearest resize + conv folded to the low resolution equals the two reference ops, forward and backward") {
  std::mt19937 rng(17);
  int checked = 0;
  for (const int scale : {1, 2, 3, 4})
    for (const int kernel : {1, 3, 5, 7, 9})
      for (const auto& [in_channels, out_channels] : {std::pair{1, 1}, std::pair{6, 2}})
        for (const auto& [height, width] : {std::pair<int64_t, int64_t>{1, 1}, {4, 7}, {9, 5}}) {
          const Case c{scale, kernel, in_channels, out_channels, height, width};
          const std::string what = describe(c);
          nn::Sequential net;
          net.add(
              std::make_unique<nn::ResizeConv2d>(ops::ResizeMode::Nearest, scale, in_channels, out_channels, kernel));
          auto& conv = dynamic_cast<nn::ResizeConv2d&>(net[0]);
          REQUIRE_MESSAGE(conv.folded(), what);
          conv.weight().value = random_tensor(conv.weight().value.shape(), rng, 0.2f);
          conv.bias().value = random_tensor(conv.bias().value.shape(), rng);
          const Tensor input = random_tensor(Shape{2, in_channels, height, width}, rng);

          const auto resize = ops::ResizeParams::by_scale(ops::ResizeMode::Nearest, scale);
          const Tensor upscaled = ops::ref::resize_forward(input, resize);
          const Tensor expected =
              ops::ref::conv2d_forward(upscaled, conv.weight().value, conv.bias().value, same_padding(kernel));
          const Tensor grad = random_tensor(expected.shape(), rng);
          const ops::ConvGrads ref = ops::ref::conv2d_backward(grad, upscaled, conv.weight().value, true, same_padding(kernel));
          const Tensor ref_grad_input = ops::ref::resize_backward(ref.input, input.shape(), resize);

          each_isa([&](ops::x86::Isa isa) {
            const std::string on = what + " on " + ops::x86::isa_name(isa);
            net.weights_changed();
            check_close(net.forward(input), expected, on + ": inference");
            net.zero_grad();
            check_close(net.forward_train(input), expected, on + ": forward_train");
            check_close(net.backward(grad), ref_grad_input, on + ": grad input");
            check_close(conv.weight().grad, ref.weight, on + ": grad weight");
            check_close(conv.bias().grad, ref.bias, on + ": grad bias");
          });
          ++checked;
        }
  CHECK(checked == 4 * 5 * 2 * 3);
}

TEST_CASE("folded resize-conv keeps the activation after it, and trains only the head when the body is frozen") {
  std::mt19937 rng(5);
  nn::Sequential net;
  net.add(std::make_unique<nn::Conv2d>(3, 4, 3));
  net.add(std::make_unique<nn::ResizeConv2d>(ops::ResizeMode::Nearest, 3, 4, 2, 5));
  net.add(std::make_unique<nn::PRelu>(2));
  // Named as PyTorch's (conv, upsample, conv, PReLU) would be.
  CHECK(net.parameters()[2]->name == "2.weight");
  CHECK(net.parameters()[4]->name == "3.weight");
  for (nn::Parameter* p : net.parameters()) p->value = random_tensor(p->value.shape(), rng, 0.3f);
  const Tensor input = random_tensor(Shape{1, 3, 6, 5}, rng);

  const Tensor body = ops::ref::conv2d_forward(input, net.parameters()[0]->value, net.parameters()[1]->value,
                                               same_padding(3));
  const Tensor upscaled = ops::ref::resize_forward(body, ops::ResizeParams::by_scale(ops::ResizeMode::Nearest, 3));
  const Tensor head = ops::ref::conv2d_forward(upscaled, net.parameters()[2]->value, net.parameters()[3]->value,
                                               same_padding(5));
  const Tensor expected = ops::ref::prelu_forward(head, net.parameters()[4]->value);
  each_isa([&](ops::x86::Isa isa) {
    net.weights_changed();
    check_close(net.forward(input), expected, std::string("conv, resize, conv, PReLU on ") + ops::x86::isa_name(isa));
  });

  // The body frozen: backward stops at the head and leaves the body's gradients alone.
  for (nn::Parameter* p : net.parameters()) p->trainable = p->name.starts_with("2.") || p->name.starts_with("3.");
  net.zero_grad();
  (void)net.forward_train(input);
  CHECK(net.backward(random_tensor(expected.shape(), rng), false).empty());
  double body_grad = 0.0, head_grad = 0.0;
  for (float g : net.parameters()[0]->grad.values()) body_grad += static_cast<double>(std::abs(g));
  for (float g : net.parameters()[2]->grad.values()) head_grad += static_cast<double>(std::abs(g));
  CHECK(body_grad == 0.0);
  CHECK(head_grad > 0.0);
}

TEST_CASE("only a stride-1 'same' conv with a square odd kernel after a nearest resize is folded") {
  ops::Conv2dParams same = same_padding(3);
  CHECK(ops::nearest_conv_foldable(Shape{2, 3, 3, 3}, same));
  CHECK_FALSE(ops::nearest_conv_foldable(Shape{2, 3, 4, 4}, same_padding(4)));  // even kernel
  CHECK_FALSE(ops::nearest_conv_foldable(Shape{2, 3, 3, 3}, same_padding(0)));  // "valid" padding
  ops::Conv2dParams strided = same;
  strided.stride_h = strided.stride_w = 2;
  CHECK_FALSE(ops::nearest_conv_foldable(Shape{2, 3, 3, 3}, strided));
  CHECK_THROWS_AS(ops::fold_nearest_conv(Tensor(Shape{1, 1, 2, 2}), Tensor(), 2), Error);

  // A bilinear resize (or an even kernel) is not folded, and the layer still computes what
  // the reference does, forward and backward.
  std::mt19937 rng(3);
  for (const auto& [mode, kernel] : {std::pair{ops::ResizeMode::Bilinear, 3}, std::pair{ops::ResizeMode::Nearest, 4}}) {
    const std::string what = std::string(ops::resize_mode_name(mode)) + " resize + conv k" + std::to_string(kernel);
    nn::Sequential net;
    net.add(std::make_unique<nn::ResizeConv2d>(mode, 2, 2, 1, kernel));
    auto& conv = dynamic_cast<nn::ResizeConv2d&>(net[0]);
    CHECK_FALSE(conv.folded());
    conv.weight().value = random_tensor(conv.weight().value.shape(), rng);
    conv.bias().value = random_tensor(conv.bias().value.shape(), rng);
    const Tensor input = random_tensor(Shape{1, 2, 5, 6}, rng);
    const auto resize = ops::ResizeParams::by_scale(mode, 2);
    const Tensor upscaled = ops::ref::resize_forward(input, resize);
    const Tensor expected =
        ops::ref::conv2d_forward(upscaled, conv.weight().value, conv.bias().value, conv.conv().params());
    const Tensor grad = random_tensor(expected.shape(), rng);
    const ops::ConvGrads ref =
        ops::ref::conv2d_backward(grad, upscaled, conv.weight().value, true, conv.conv().params());
    net.weights_changed();
    check_close(net.forward(input), expected, what);
    net.zero_grad();
    check_close(net.forward_train(input), expected, what + ": forward_train");
    check_close(net.backward(grad), ops::ref::resize_backward(ref.input, input.shape(), resize), what + ": grad input");
    check_close(conv.weight().grad, ref.weight, what + ": grad weight");
  }
}

}  // namespace
}  // namespace upsample
