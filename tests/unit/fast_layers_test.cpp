// The fast paths as the layers use them: packed plans with fused activations and pixel
// shuffle, Sequential's inference fusion, and whole training steps, against the reference.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "fast_test_util.hpp"
#include "models/model.hpp"
#include "nn/layers.hpp"
#include "ops/conv_plan.hpp"
#include "ops/ref/activations_ref.hpp"
#include "ops/ref/conv2d_ref.hpp"
#include "ops/ref/conv_transpose2d_ref.hpp"
#include "ops/ref/pixel_shuffle_ref.hpp"
#include "ops/ref/prelu_ref.hpp"

namespace upsample {
namespace {

using fast_test::check_close;
using fast_test::each_isa;
using fast_test::random_tensor;
using ops::Activation;
using ops::x86::Isa;
using ops::x86::ScopedIsa;

Tensor reference_activation(Activation a, const Tensor& x, const Tensor& slopes) {
  switch (a) {
    case Activation::None: return x;
    case Activation::Relu: return ops::ref::relu_forward(x);
    case Activation::Tanh: return ops::ref::tanh_forward(x);
    case Activation::Sigmoid: return ops::ref::sigmoid_forward(x);
    case Activation::PRelu: return ops::ref::prelu_forward(x, slopes);
  }
  return x;
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::None: return "none";
    case Activation::Relu: return "relu";
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::PRelu: return "prelu";
  }
  return "?";
}

TEST_CASE("conv plans fuse bias, activation and pixel shuffle as the separate reference ops compute them") {
  std::mt19937 rng(21);
  const Tensor input = random_tensor(Shape{2, 12, 9, 23}, rng);
  const Tensor weight = random_tensor(Shape{18, 12, 3, 3}, rng, 0.1f);
  const Tensor bias = random_tensor(Shape{18}, rng);
  const Tensor slopes = random_tensor(Shape{18}, rng, 0.3f);
  ops::Conv2dParams params;
  params.pad_top = params.pad_bottom = params.pad_left = params.pad_right = 1;
  const Tensor t_weight = random_tensor(Shape{12, 2, 9, 9}, rng, 0.05f);
  const Tensor t_bias = random_tensor(Shape{2}, rng);
  const Tensor t_slopes = random_tensor(Shape{2}, rng, 0.3f);
  ops::ConvTranspose2dParams t_params;
  t_params.stride_h = t_params.stride_w = 3;
  t_params.pad_h = t_params.pad_w = 4;
  t_params.output_padding_h = t_params.output_padding_w = 2;
  for (Activation a : {Activation::None, Activation::Relu, Activation::PRelu, Activation::Tanh,
                            Activation::Sigmoid}) {
    const Tensor conv_ref = reference_activation(a, ops::ref::conv2d_forward(input, weight, bias, params), slopes);
    const Tensor t_ref =
        reference_activation(a, ops::ref::conv_transpose2d_forward(input, t_weight, t_bias, t_params), t_slopes);
    each_isa([&](Isa isa) {
      const std::string what = std::string(activation_name(a)) + " on " + ops::x86::isa_name(isa);
      const ops::ConvEpilogue epilogue{a, a == Activation::PRelu ? slopes : Tensor{}};
      const ops::ConvPlan plan(weight, bias, params, epilogue);
      check_close(plan.forward(input), conv_ref, "conv plan " + what);
      const ops::ConvPlan shuffled(weight, bias, params, epilogue, 3);
      CHECK(shuffled.output_shape(input.shape()) == Shape{2, 2, 27, 69});
      check_close(shuffled.forward(input), ops::ref::pixel_shuffle_forward(conv_ref, 3),
                  "conv plan + pixel shuffle ×3 " + what);
      const ops::ConvPlan t_plan(t_weight, t_bias, t_params, {a, a == Activation::PRelu ? t_slopes : Tensor{}});
      check_close(t_plan.forward(input), t_ref, "transposed conv plan " + what);
    });
  }
}

struct Arch {
  const char* arch;
  int scale;
};

std::unique_ptr<models::Model> model_for(const Arch& a) {
  auto model = models::build_model({{"arch", a.arch}, {"scale", std::to_string(a.scale)}}, 5);
  // Bias and PReLU slopes start at constants; random ones exercise the per-channel paths.
  std::mt19937 rng(17);
  for (nn::Parameter* p : model->net().parameters())
    if (p->value.shape().rank() == 1) p->value = random_tensor(p->value.shape(), rng, 0.2f);
  return model;
}

TEST_CASE("networks: fused fast inference and training steps match the reference layer by layer") {
  std::mt19937 rng(8);
  for (const Arch a : {Arch{"fsrcnn", 3}, Arch{"espcn", 2}, Arch{"resizeconv", 2}}) {
    const std::string name = std::string(a.arch) + " ×" + std::to_string(a.scale);
    auto model = model_for(a);
    nn::Sequential& net = model->net();
    const Tensor input = random_tensor(Shape{2, 1, 7, 10}, rng, 0.3f);
    const Tensor grad = random_tensor(net.output_shape(input.shape()), rng);
    Tensor ref_out, ref_grad_input;
    std::vector<Tensor> ref_grads;
    {
      const ScopedIsa reference(Isa::Ref);
      ref_out = net.forward(input);
      net.zero_grad();
      (void)net.forward_train(input);
      ref_grad_input = net.backward(grad);
      for (nn::Parameter* p : net.parameters()) ref_grads.push_back(p->grad.clone());
    }
    each_isa([&](Isa isa) {
      const std::string what = name + " on " + ops::x86::isa_name(isa);
      net.weights_changed();
      check_close(net.forward(input), ref_out, what + " inference (fused, packed once)");
      net.zero_grad();
      check_close(net.forward_train(input), ref_out, what + " forward_train");
      check_close(net.backward(grad), ref_grad_input, what + " grad input");
      const auto params = net.parameters();
      for (size_t i = 0; i < params.size(); ++i) check_close(params[i]->grad, ref_grads[i], what + " grad " + params[i]->name);
      // The trainer's step: the first layer skips its input gradient, nothing else changes.
      net.zero_grad();
      (void)net.forward_train(input);
      CHECK_MESSAGE(net.backward(grad, /*need_input_gradient=*/false).empty(), what);
      for (size_t i = 0; i < params.size(); ++i)
        check_close(params[i]->grad, ref_grads[i], what + " grad " + params[i]->name + " without grad input");
    });
  }
}

}  // namespace
}  // namespace upsample
