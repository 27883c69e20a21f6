// ReLU, LeakyReLU, tanh, sigmoid, PReLU and add against PyTorch
// (tests/fixtures/golden/activations.safetensors).
#include <doctest/doctest.h>

#include "golden_case.hpp"
#include "ops/activations.hpp"
#include "ops/add.hpp"
#include "ops/prelu.hpp"
#include "ops/ref/activations_ref.hpp"
#include "ops/ref/add_ref.hpp"
#include "ops/ref/prelu_ref.hpp"

namespace upsample {
namespace {

struct ElementwiseImpl {
  const char* name;
  decltype(&ops::relu_forward) relu_forward;
  decltype(&ops::relu_backward) relu_backward;
  decltype(&ops::leaky_relu_forward) leaky_relu_forward;
  decltype(&ops::leaky_relu_backward) leaky_relu_backward;
  decltype(&ops::tanh_forward) tanh_forward;
  decltype(&ops::tanh_backward) tanh_backward;
  decltype(&ops::sigmoid_forward) sigmoid_forward;
  decltype(&ops::sigmoid_backward) sigmoid_backward;
  decltype(&ops::prelu_forward) prelu_forward;
  decltype(&ops::prelu_backward) prelu_backward;
  decltype(&ops::add_forward) add_forward;
  decltype(&ops::add_backward) add_backward;
};

constexpr ElementwiseImpl kActivationImpls[] = {
    {"dispatch", ops::relu_forward, ops::relu_backward, ops::leaky_relu_forward, ops::leaky_relu_backward,
     ops::tanh_forward, ops::tanh_backward, ops::sigmoid_forward, ops::sigmoid_backward, ops::prelu_forward,
     ops::prelu_backward, ops::add_forward, ops::add_backward},
    {"ref", ops::ref::relu_forward, ops::ref::relu_backward, ops::ref::leaky_relu_forward,
     ops::ref::leaky_relu_backward, ops::ref::tanh_forward, ops::ref::tanh_backward, ops::ref::sigmoid_forward,
     ops::ref::sigmoid_backward, ops::ref::prelu_forward, ops::ref::prelu_backward, ops::ref::add_forward,
     ops::ref::add_backward}};

TEST_CASE("golden: activations, PReLU and add match PyTorch") {
  const golden::Fixture fx("activations");
  REQUIRE(fx.case_count() >= 15);
  golden::for_each_impl_and_case(
      fx, kActivationImpls, [&](const ElementwiseImpl& impl, int i, const std::string& what) {
        const nlohmann::json params = fx.params(i);
        const std::string op = params.at("op");
        const Tensor& output = fx.tensor(i, "output");
        const Tensor& grad_output = fx.tensor(i, "grad_output");
        if (op == "add") {
          golden::check_close(impl.add_forward(fx.tensor(i, "a"), fx.tensor(i, "b")), output, what + ": output");
          const ops::AddGrads grads = impl.add_backward(grad_output);
          golden::check_close(grads.a, fx.tensor(i, "grad_a"), what + ": grad_a");
          golden::check_close(grads.b, fx.tensor(i, "grad_b"), what + ": grad_b");
          return;
        }
        const Tensor& input = fx.tensor(i, "input");
        const Tensor& expected_grad = fx.tensor(i, "grad_input");
        if (op == "relu") {
          golden::check_close(impl.relu_forward(input), output, what + ": output");
          golden::check_close(impl.relu_backward(grad_output, input), expected_grad, what + ": grad_input");
        } else if (op == "leaky_relu") {
          const float slope = params.at("negative_slope");
          golden::check_close(impl.leaky_relu_forward(input, slope), output, what + ": output");
          golden::check_close(impl.leaky_relu_backward(grad_output, input, slope), expected_grad,
                              what + ": grad_input");
        } else if (op == "tanh") {
          golden::check_close(impl.tanh_forward(input), output, what + ": output");
          golden::check_close(impl.tanh_backward(grad_output, output), expected_grad, what + ": grad_input");
        } else if (op == "sigmoid") {
          golden::check_close(impl.sigmoid_forward(input), output, what + ": output");
          golden::check_close(impl.sigmoid_backward(grad_output, output), expected_grad, what + ": grad_input");
        } else if (op == "prelu") {
          const Tensor& weight = fx.tensor(i, "weight");
          CHECK(ops::prelu_output_shape(input.shape(), weight.shape()) == output.shape());
          golden::check_close(impl.prelu_forward(input, weight), output, what + ": output");
          const ops::PReluGrads grads = impl.prelu_backward(grad_output, input, weight);
          golden::check_close(grads.input, expected_grad, what + ": grad_input");
          golden::check_close(grads.weight, fx.tensor(i, "grad_weight"), what + ": grad_weight");
        } else {
          FAIL_CHECK("unknown op in the fixture: " << op);
        }
      });
}

}  // namespace
}  // namespace upsample
