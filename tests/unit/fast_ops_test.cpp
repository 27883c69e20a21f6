// Every fast path against the reference ops (the oracle), on the AVX2 and the AVX-512
// kernels, over a sweep of shapes and parameters. A failure names the configuration.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fast_test_util.hpp"
#include "ops/ref/activations_ref.hpp"
#include "ops/ref/conv2d_ref.hpp"
#include "ops/ref/conv_transpose2d_ref.hpp"
#include "ops/ref/pixel_shuffle_ref.hpp"
#include "ops/ref/prelu_ref.hpp"
#include "ops/ref/resize_ref.hpp"
#include "ops/x86/fast_ops.hpp"
#include "tensor/error.hpp"

namespace upsample {
namespace {

using fast_test::check_close;
using fast_test::each_isa;
using fast_test::random_tensor;
using ops::x86::Isa;

struct ConvCase {
  int batch, in_channels, out_channels, h, w, kernel_h, kernel_w;
  int stride_h, stride_w, pad_a, pad_b, pad_c, pad_d, dilation_h, dilation_w, groups;
  int output_padding_h = 0, output_padding_w = 0;  // transposed only
  std::string str(const char* op) const {
    std::ostringstream s;
    s << op << " N" << batch << " C" << in_channels << "→" << out_channels << " " << h << "×" << w << " k" << kernel_h
      << "×" << kernel_w << " stride " << stride_h << "×" << stride_w << " pad " << pad_a << "," << pad_b << ","
      << pad_c << "," << pad_d << " dilation " << dilation_h << "×" << dilation_w << " groups " << groups
      << " output_padding " << output_padding_h << "×" << output_padding_w;
    return s.str();
  }
};

int pick(std::mt19937& rng, std::initializer_list<int> values) {
  std::uniform_int_distribution<size_t> d(0, values.size() - 1);
  return *(values.begin() + d(rng));
}
int between(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// Channel counts that matter (1, 3, 12, 56) with groups that divide them, incl. depthwise.
void pick_channels(std::mt19937& rng, ConvCase& c) {
  const int kind = between(rng, 0, 9);
  if (kind <= 5) {
    c.in_channels = pick(rng, {1, 3, 12, 56});
    c.out_channels = pick(rng, {1, 2, 3, 12, 16});
    c.groups = 1;
  } else if (kind <= 7) {
    c.groups = pick(rng, {2, 3});
    c.in_channels = c.groups * between(rng, 1, 4);
    c.out_channels = c.groups * between(rng, 1, 5);
  } else {
    c.groups = between(rng, 2, 12);  // depthwise
    c.in_channels = c.out_channels = c.groups;
  }
}

std::vector<ConvCase> conv_cases(int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<ConvCase> cases = {
      // FSRCNN / ESPCN layers on odd sizes.
      {1, 1, 56, 13, 21, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1},
      {2, 56, 12, 7, 37, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
      {1, 12, 12, 11, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
      {1, 12, 56, 9, 17, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1},
      {1, 32, 9, 10, 23, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
      {1, 3, 8, 33, 70, 3, 3, 2, 2, 1, 0, 2, 1, 1, 1, 1},  // asymmetric padding, wide rows
  };
  while (static_cast<int>(cases.size()) < count) {
    ConvCase c{};
    c.batch = between(rng, 1, 2);
    pick_channels(rng, c);
    c.kernel_h = between(rng, 1, 9);
    c.kernel_w = between(rng, 1, 9) > 6 ? c.kernel_h : between(rng, 1, 9);
    c.stride_h = between(rng, 1, 4);
    c.stride_w = between(rng, 1, 3) == 1 ? c.stride_h : between(rng, 1, 4);
    c.dilation_h = between(rng, 1, 5) == 1 ? between(rng, 2, 3) : 1;
    c.dilation_w = between(rng, 1, 5) == 1 ? between(rng, 2, 3) : 1;
    c.pad_a = between(rng, 0, c.kernel_h);
    c.pad_b = between(rng, 0, c.kernel_h);
    c.pad_c = between(rng, 0, c.kernel_w);
    c.pad_d = between(rng, 0, c.kernel_w);
    c.h = between(rng, 1, 11);
    c.w = between(rng, 1, 34);
    cases.push_back(c);
  }
  return cases;
}

// One convolution op's fast kernels, the reference they must match, and its shape rule.
template <typename Params>
struct ConvOp {
  const char* name;
  Shape (*output_shape)(const Shape& input, const Shape& weight, const Params& params);
  Tensor (*ref_forward)(const Tensor& input, const Tensor& weight, const Tensor& bias, const Params& params);
  ops::ConvGrads (*ref_backward)(const Tensor& grad_output, const Tensor& input, const Tensor& weight, bool has_bias,
                                 const Params& params);
  Tensor (*fast_forward)(const Tensor& input, const Tensor& weight, const Tensor& bias, const Params& params, Isa isa);
  ops::ConvGrads (*fast_backward)(const Tensor& grad_output, const Tensor& input, const Tensor& weight, bool has_bias,
                                  const Params& params, Isa isa, ops::InputGradient input_gradient);
};

const ConvOp<ops::Conv2dParams> kConv2d = {"conv2d",
                                           ops::conv2d_output_shape,
                                           ops::ref::conv2d_forward,
                                           ops::ref::conv2d_backward,
                                           ops::x86::conv2d_forward,
                                           ops::x86::conv2d_backward};
const ConvOp<ops::ConvTranspose2dParams> kConvTranspose2d = {"conv_transpose2d",
                                                             ops::conv_transpose2d_output_shape,
                                                             ops::ref::conv_transpose2d_forward,
                                                             ops::ref::conv_transpose2d_backward,
                                                             ops::x86::conv_transpose2d_forward,
                                                             ops::x86::conv_transpose2d_backward};

// Random input, weight (normal, standard deviation `weight_scale`), bias and upstream
// gradient for configuration `c`, then the fast forward and backward on each instruction
// set against the reference. Returns false, drawing nothing from `rng`, where the kernel
// does not fit the input.
template <typename Params>
bool check_against_reference(const ConvOp<Params>& op, const ConvCase& c, const Params& p, const Shape& w_shape,
                             float weight_scale, std::mt19937& rng) {
  const Shape in_shape{c.batch, c.in_channels, c.h, c.w};
  Shape out_shape;
  try {
    out_shape = op.output_shape(in_shape, w_shape, p);
  } catch (const Error&) {
    return false;
  }
  const Tensor input = random_tensor(in_shape, rng);
  const Tensor weight = random_tensor(w_shape, rng, weight_scale);
  const Tensor bias = random_tensor(Shape{c.out_channels}, rng);
  const Tensor grad_out = random_tensor(out_shape, rng);
  const Tensor ref_out = op.ref_forward(input, weight, bias, p);
  const ops::ConvGrads ref = op.ref_backward(grad_out, input, weight, true, p);
  each_isa([&](Isa isa) {
    const std::string what = c.str(op.name) + " on " + ops::x86::isa_name(isa);
    INFO(what);
    check_close(op.fast_forward(input, weight, bias, p, isa), ref_out, what + " forward");
    const ops::ConvGrads fast = op.fast_backward(grad_out, input, weight, true, p, isa, ops::InputGradient::Wanted);
    check_close(fast.input, ref.input, what + " grad input");
    check_close(fast.weight, ref.weight, what + " grad weight");
    check_close(fast.bias, ref.bias, what + " grad bias");
    // The lowest layer of a training step: the same parameter grads, no input gradient.
    const ops::ConvGrads lowest = op.fast_backward(grad_out, input, weight, true, p, isa, ops::InputGradient::Skipped);
    CHECK_MESSAGE(lowest.input.empty(), what);
    check_close(lowest.weight, ref.weight, what + " grad weight without grad input");
  });
  return true;
}

ops::Conv2dParams conv2d_params(const ConvCase& c) {
  ops::Conv2dParams p;
  p.stride_h = c.stride_h;
  p.stride_w = c.stride_w;
  p.pad_top = c.pad_a;
  p.pad_bottom = c.pad_b;
  p.pad_left = c.pad_c;
  p.pad_right = c.pad_d;
  p.dilation_h = c.dilation_h;
  p.dilation_w = c.dilation_w;
  p.groups = c.groups;
  return p;
}

ops::ConvTranspose2dParams conv_transpose2d_params(const ConvCase& c) {
  ops::ConvTranspose2dParams p;
  p.stride_h = c.stride_h;
  p.stride_w = c.stride_w;
  p.pad_h = c.pad_a;
  p.pad_w = c.pad_c;
  p.output_padding_h = c.output_padding_h;
  p.output_padding_w = c.output_padding_w;
  p.dilation_h = c.dilation_h;
  p.dilation_w = c.dilation_w;
  p.groups = c.groups;
  return p;
}

TEST_CASE("fast conv2d forward and backward match the reference") {
  std::mt19937 rng(7);
  int run = 0;
  for (const ConvCase& c : conv_cases(50, 1234)) {
    const Shape w_shape{c.out_channels, c.in_channels / c.groups, c.kernel_h, c.kernel_w};
    const float w_scale = 1.0f / std::sqrt(static_cast<float>(w_shape.numel() / w_shape[0]));
    if (check_against_reference(kConv2d, c, conv2d_params(c), w_shape, w_scale, rng)) ++run;
  }
  MESSAGE(run << " conv2d configurations");
}

TEST_CASE("fast conv_transpose2d forward and backward match the reference") {
  std::vector<ConvCase> cases = {
      // FSRCNN's deconvolution ×2, ×3, ×4 (k9, pad 4, output_padding s − 1), odd sizes.
      {1, 56, 1, 9, 37, 9, 9, 2, 2, 4, 4, 4, 4, 1, 1, 1, 1, 1},
      {2, 12, 1, 7, 19, 9, 9, 3, 3, 4, 4, 4, 4, 1, 1, 1, 2, 2},
      {1, 56, 3, 6, 21, 9, 9, 4, 4, 4, 4, 4, 4, 1, 1, 1, 3, 3},
      {1, 16, 8, 8, 13, 4, 4, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0},
      {1, 8, 8, 9, 33, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1},
  };
  std::mt19937 rng_cases(99);
  for (const ConvCase& base : conv_cases(50, 4321)) {
    ConvCase c = base;
    c.pad_b = c.pad_a;  // transposed convs pad symmetrically
    c.pad_d = c.pad_c;
    c.output_padding_h = between(rng_cases, 0, std::max(c.stride_h, c.dilation_h) - 1);
    c.output_padding_w = between(rng_cases, 0, std::max(c.stride_w, c.dilation_w) - 1);
    cases.push_back(c);
  }
  std::mt19937 rng(11);
  int run = 0;
  for (const ConvCase& c : cases) {
    const Shape w_shape{c.in_channels, c.out_channels / c.groups, c.kernel_h, c.kernel_w};
    const float w_scale = 1.0f / std::sqrt(static_cast<float>(w_shape.numel() / w_shape[1]));
    if (check_against_reference(kConvTranspose2d, c, conv_transpose2d_params(c), w_shape, w_scale, rng)) ++run;
  }
  MESSAGE(run << " conv_transpose2d configurations");
}

TEST_CASE("fast activations and PReLU match the reference") {
  std::mt19937 rng(5);
  const std::vector<Shape> shapes = {Shape{1, 1, 1, 1}, Shape{2, 3, 5, 7}, Shape{1, 12, 9, 33}, Shape{37},
                                     Shape{3, 19}};
  each_isa([&](Isa isa) {
    for (const Shape& shape : shapes) {
      const std::string what = "shape " + shape.str() + " on " + ops::x86::isa_name(isa);
      INFO(what);
      Tensor x = random_tensor(shape, rng, 3.0f);
      x.data()[0] = 0.0f;  // the kink takes the negative branch, as in PyTorch
      if (x.numel() > 2) x.data()[1] = 40.0f, x.data()[2] = -40.0f;  // saturation
      const Tensor g = random_tensor(shape, rng);
      check_close(ops::x86::relu_forward(x, isa), ops::ref::relu_forward(x), what + " relu");
      check_close(ops::x86::relu_backward(g, x, isa), ops::ref::relu_backward(g, x), what + " relu backward");
      check_close(ops::x86::leaky_relu_forward(x, 0.1f, isa), ops::ref::leaky_relu_forward(x, 0.1f), what + " leaky");
      check_close(ops::x86::leaky_relu_backward(g, x, 0.1f, isa), ops::ref::leaky_relu_backward(g, x, 0.1f),
                  what + " leaky backward");
      const Tensor t = ops::ref::tanh_forward(x);
      check_close(ops::x86::tanh_forward(x, isa), t, what + " tanh");
      check_close(ops::x86::tanh_backward(g, t, isa), ops::ref::tanh_backward(g, t), what + " tanh backward");
      const Tensor s = ops::ref::sigmoid_forward(x);
      check_close(ops::x86::sigmoid_forward(x, isa), s, what + " sigmoid");
      check_close(ops::x86::sigmoid_backward(g, s, isa), ops::ref::sigmoid_backward(g, s), what + " sigmoid backward");
      const int64_t channels = shape.rank() >= 2 ? shape[1] : 1;
      for (int64_t slopes : {int64_t{1}, channels}) {
        const Tensor w = random_tensor(Shape{slopes}, rng, 0.3f);
        check_close(ops::x86::prelu_forward(x, w, isa), ops::ref::prelu_forward(x, w), what + " prelu");
        const ops::PReluGrads fast = ops::x86::prelu_backward(g, x, w, isa);
        const ops::PReluGrads ref = ops::ref::prelu_backward(g, x, w);
        check_close(fast.input, ref.input, what + " prelu grad input");
        check_close(fast.weight, ref.weight, what + " prelu grad weight");
      }
    }
  });
}

TEST_CASE("fast tanh and sigmoid stay within 4e-7 of the exact values over the whole range") {
  // Their exponential and reciprocal are approximations: the bound is what a network's next
  // layer can see, far inside the tolerance of the equality sweeps.
  Tensor x(Shape{200001});
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = static_cast<float>(i - 100000) * 2e-4f;  // −20 … 20
  each_isa([&](Isa isa) {
    INFO(ops::x86::isa_name(isa));
    const Tensor t = ops::x86::tanh_forward(x, isa), s = ops::x86::sigmoid_forward(x, isa);
    double worst_tanh = 0, worst_sigmoid = 0;
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double v = x.data()[i];
      worst_tanh = std::max(worst_tanh, std::abs(double{t.data()[i]} - std::tanh(v)));
      worst_sigmoid = std::max(worst_sigmoid, std::abs(double{s.data()[i]} - 1.0 / (1.0 + std::exp(-v))));
    }
    INFO("tanh off by " << worst_tanh << ", sigmoid by " << worst_sigmoid);
    CHECK(worst_tanh < 4e-7);
    CHECK(worst_sigmoid < 4e-7);
  });
}

TEST_CASE("fast pixel shuffle and resize match the reference") {
  std::mt19937 rng(3);
  for (int r : {1, 2, 3, 4}) {
    const Tensor x = random_tensor(Shape{2, 2 * r * r, 5, 7}, rng);
    check_close(ops::x86::pixel_shuffle_forward(x, r), ops::ref::pixel_shuffle_forward(x, r),
                "pixel shuffle ×" + std::to_string(r));
    const Tensor y = random_tensor(Shape{2, 3, 5 * r, 7 * r}, rng);
    check_close(ops::x86::pixel_unshuffle_forward(y, r), ops::ref::pixel_unshuffle_forward(y, r),
                "pixel unshuffle ×" + std::to_string(r));
  }
  using ops::ResizeMode;
  using ops::ResizeParams;
  const std::vector<std::pair<Shape, ResizeParams>> cases = {
      {Shape{1, 3, 7, 9}, ResizeParams::by_scale(ResizeMode::Nearest, 2)},
      {Shape{2, 2, 5, 11}, ResizeParams::by_scale(ResizeMode::Bilinear, 3)},
      {Shape{1, 1, 6, 5}, ResizeParams::by_scale(ResizeMode::Bicubic, 4)},
      {Shape{1, 2, 9, 13}, ResizeParams::to_size(ResizeMode::Bilinear, 4, 6)},
      {Shape{1, 2, 9, 13}, ResizeParams::by_scale(ResizeMode::Bicubic, 0.6, 1.7)},
      {Shape{1, 1, 8, 8}, ResizeParams::by_scale(ResizeMode::Nearest, 1.5)},
  };
  for (const auto& [shape, params] : cases) {
    const std::string what = std::string("resize ") + ops::resize_mode_name(params.mode) + " " + shape.str();
    INFO(what);
    const Tensor x = random_tensor(shape, rng);
    const Tensor out = ops::ref::resize_forward(x, params);
    check_close(ops::x86::resize_forward(x, params), out, what + " forward");
    const Tensor g = random_tensor(out.shape(), rng);
    check_close(ops::x86::resize_backward(g, shape, params), ops::ref::resize_backward(g, shape, params),
                what + " backward");
  }
}

}  // namespace
}  // namespace upsample
