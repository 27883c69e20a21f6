// The ops' contracts beyond the golden values: shape errors that name the op and the
// problem, and the algebraic identities that tie the ops together.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "ops/activations.hpp"
#include "ops/add.hpp"
#include "ops/conv2d.hpp"
#include "ops/conv_transpose2d.hpp"
#include "ops/losses.hpp"
#include "ops/pixel_shuffle.hpp"
#include "ops/prelu.hpp"
#include "ops/resize.hpp"
#include "tensor/error.hpp"
#include "test_values.hpp"

namespace upsample {
namespace {

using testing::random_tensor;

// The message `f` throws as upsample::Error, or "" if it does not throw.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void check_max_abs_diff(const Tensor& a, const Tensor& b, float limit) {
  REQUIRE(a.shape() == b.shape());
  float worst = 0.0f;
  for (int64_t i = 0; i < a.numel(); ++i) worst = std::max(worst, std::abs(a.data()[i] - b.data()[i]));
  CHECK(worst <= limit);
}

TEST_CASE("conv2d: shape errors name the op and the bad parameter") {
  const Shape input{1, 4, 8, 8};
  ops::Conv2dParams p;
  CHECK(error_of([&] { ops::conv2d_output_shape(Shape{4, 8, 8}, Shape{2, 4, 3, 3}, p); }).find("conv2d: input") == 0);
  p.groups = 3;
  const std::string groups = error_of([&] { ops::conv2d_output_shape(input, Shape{3, 1, 3, 3}, p); });
  CHECK(groups.find("conv2d:") == 0);
  CHECK(groups.find("groups (3)") != std::string::npos);
  p.groups = 2;
  CHECK(error_of([&] { ops::conv2d_output_shape(input, Shape{2, 4, 3, 3}, p); }).find("input channels") !=
        std::string::npos);
  p = {};
  p.stride_w = 0;
  CHECK(error_of([&] { ops::conv2d_output_shape(input, Shape{2, 4, 3, 3}, p); }).find("stride") != std::string::npos);
  p = {};
  p.dilation_h = 4;
  CHECK(error_of([&] { ops::conv2d_output_shape(input, Shape{2, 4, 3, 3}, p); }).find("kernel spans 9×3") !=
        std::string::npos);
  p = {};
  const Tensor x(input), w(Shape{2, 4, 3, 3}), bad_bias(Shape{3});
  CHECK(error_of([&] { ops::conv2d_forward(x, w, bad_bias, p); }).find("conv2d: bias") == 0);
  CHECK(error_of([&] { ops::conv2d_backward(Tensor(Shape{1, 2, 5, 6}), x, w, true, p); })
            .find("conv2d backward: grad_output") == 0);
  CHECK(ops::conv2d_output_shape(input, Shape{2, 4, 3, 3}, p) == Shape{1, 2, 6, 6});
}

TEST_CASE("conv_transpose2d: shape errors name the op and the bad parameter") {
  const Shape input{1, 4, 5, 5};
  ops::ConvTranspose2dParams p;
  p.stride_h = p.stride_w = 2;
  p.output_padding_h = 2;
  const std::string message = error_of([&] { ops::conv_transpose2d_output_shape(input, Shape{4, 1, 3, 3}, p); });
  CHECK(message.find("conv_transpose2d: output_padding along the height (2)") == 0);
  p.dilation_h = 3;  // now smaller than the dilation: allowed, as in PyTorch
  CHECK(ops::conv_transpose2d_output_shape(input, Shape{4, 1, 3, 3}, p) == Shape{1, 1, 17, 11});
  p = {};
  CHECK(error_of([&] { ops::conv_transpose2d_output_shape(input, Shape{3, 1, 3, 3}, p); })
            .find("is for 3 input channels") != std::string::npos);
  p.pad_h = 3;
  CHECK(error_of([&] { ops::conv_transpose2d_output_shape(input, Shape{4, 1, 1, 1}, p); }).find("crops") !=
        std::string::npos);
}

TEST_CASE("pixel_shuffle, resize, prelu, losses: shape errors name the op and the problem") {
  CHECK(error_of([] { ops::pixel_shuffle_output_shape(Shape{1, 6, 2, 2}, 2); })
            .find("pixel_shuffle: input channels (6) are not divisible by factor² (4)") == 0);
  CHECK(error_of([] { ops::pixel_unshuffle_output_shape(Shape{1, 1, 6, 5}, 2); }).find("pixel_unshuffle:") == 0);
  CHECK(error_of([] { ops::pixel_shuffle_output_shape(Shape{1, 4, 2, 2}, 0); }).find("factor") != std::string::npos);

  using ops::ResizeMode;
  using ops::ResizeParams;
  const Shape image{1, 1, 5, 5};
  ResizeParams both = ResizeParams::by_scale(ResizeMode::Bicubic, 2.0);
  both.out_h = both.out_w = 10;
  CHECK(error_of([&] { ops::resize_output_shape(image, both); }).find("not both") != std::string::npos);
  CHECK(error_of([&] { ops::resize_output_shape(image, ResizeParams{}); }).find("resize: give either") == 0);
  CHECK(error_of([&] { ops::resize_output_shape(image, ResizeParams::by_scale(ResizeMode::Nearest, 0.1)); })
            .find("empty 0×0 output") != std::string::npos);
  CHECK(error_of([&] { ops::resize_output_shape(image, ResizeParams::by_scale(ResizeMode::Nearest, -2.0)); })
            .find("positive") != std::string::npos);
  CHECK(ops::resize_output_shape(image, ResizeParams::by_scale(ResizeMode::Bilinear, 2.5, 0.5)) == Shape{1, 1, 12, 2});

  CHECK(error_of([] { ops::prelu_output_shape(Shape{1, 3, 2, 2}, Shape{2}); }).find("prelu: weight [2] has 2 slopes") ==
        0);
  CHECK(error_of([] { ops::mse_loss(Tensor(Shape{1, 1, 2, 2}), Tensor(Shape{1, 1, 2, 3})); }).find("mse_loss: target") ==
        0);
  CHECK(error_of([] { ops::add_forward(Tensor(Shape{2, 2}), Tensor(Shape{4})); }).find("add:") == 0);
  CHECK(error_of([] { ops::relu_backward(Tensor(Shape{3}), Tensor(Shape{4})); }).find("relu backward") == 0);
}

TEST_CASE("conv_transpose2d is the adjoint of conv2d with the same weight") {
  // A transposed conv with weight [Cin, Cout/g, k, k] is the backward-data of a conv2d
  // whose weight [Cout', Cin'/g, k, k] is that same tensor (oneDNN relies on this).
  std::mt19937 rng(21);
  ops::ConvTranspose2dParams t;
  t.stride_h = 3;
  t.stride_w = 2;
  t.pad_h = 2;
  t.pad_w = 1;
  t.output_padding_h = 2;
  t.output_padding_w = 1;
  t.dilation_w = 2;
  t.groups = 2;
  ops::Conv2dParams c;
  c.stride_h = t.stride_h;
  c.stride_w = t.stride_w;
  c.pad_top = c.pad_bottom = t.pad_h;
  c.pad_left = c.pad_right = t.pad_w;
  c.dilation_h = t.dilation_h;
  c.dilation_w = t.dilation_w;
  c.groups = t.groups;

  const Tensor low = random_tensor(Shape{2, 4, 4, 5}, rng);
  const Tensor weight = random_tensor(Shape{4, 3, 5, 3}, rng);
  const Tensor high = ops::conv_transpose2d_forward(low, weight, Tensor{}, t);
  REQUIRE(ops::conv2d_output_shape(high.shape(), weight.shape(), c) == low.shape());

  const ops::ConvGrads conv_grads = ops::conv2d_backward(low, Tensor(high.shape()), weight, false, c);
  check_max_abs_diff(conv_grads.input, high, 1e-5f);

  const Tensor other_high = random_tensor(high.shape(), rng);
  const ops::ConvGrads transpose_grads = ops::conv_transpose2d_backward(other_high, low, weight, false, t);
  check_max_abs_diff(transpose_grads.input, ops::conv2d_forward(other_high, weight, Tensor{}, c), 1e-5f);
}

TEST_CASE("pixel_shuffle and pixel_unshuffle are inverse permutations") {
  std::mt19937 rng(22);
  const Tensor x = random_tensor(Shape{2, 18, 3, 4}, rng);
  const Tensor y = ops::pixel_shuffle_forward(x, 3);
  CHECK(y.shape() == Shape{2, 2, 9, 12});
  const Tensor back = ops::pixel_unshuffle_forward(y, 3);
  REQUIRE(back.shape() == x.shape());
  bool identical = true;
  for (int64_t i = 0; i < x.numel(); ++i) identical = identical && back.data()[i] == x.data()[i];
  CHECK(identical);
  // PyTorch's channel order: channel c·r² + i·r + j goes to row offset i, column offset j.
  CHECK(y.at(1, 1, 2 * 3 + 1, 3 * 3 + 2) == x.at(1, 1 * 9 + 1 * 3 + 2, 2, 3));
}

TEST_CASE("resize: integer nearest upscaling replicates pixels, and same-size resizing is the identity") {
  std::mt19937 rng(23);
  const Tensor x = random_tensor(Shape{1, 2, 3, 4}, rng);
  const Tensor y = ops::resize_forward(x, ops::ResizeParams::by_scale(ops::ResizeMode::Nearest, 3.0));
  CHECK(y.at(0, 1, 7, 11) == x.at(0, 1, 2, 3));
  CHECK(y.at(0, 0, 3, 5) == x.at(0, 0, 1, 1));
  for (const ops::ResizeMode mode : {ops::ResizeMode::Nearest, ops::ResizeMode::Bilinear, ops::ResizeMode::Bicubic})
    check_max_abs_diff(ops::resize_forward(x, ops::ResizeParams::to_size(mode, 3, 4)), x, 0.0f);
}

}  // namespace
}  // namespace upsample
