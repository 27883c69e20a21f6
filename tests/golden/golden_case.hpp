#pragma once
// The loop every golden test runs (each case of a fixture under each implementation of the
// op), and the checks the two convolutions share.
#include <cstddef>
#include <string>

#include <doctest/doctest.h>

#include "golden_util.hpp"
#include "ops/conv_grads.hpp"
#include "tensor/tensor.hpp"

namespace upsample::golden {

// An implementation of an op with a forward and a backward function: the public dispatch
// or the reference.
template <typename Forward, typename Backward>
struct ForwardBackwardImpl {
  const char* name;
  Forward forward;
  Backward backward;
};

// check(impl, index, what) for every case of `fx` under every implementation in `impls`
// (each an entry with a `name`: the public dispatch and the reference). `what` names the
// implementation and the case's parameters, so a failure prints its configuration; each
// call runs in run_case, so a throw fails that case alone.
template <typename Impl, size_t ImplCount, typename Check>
void for_each_impl_and_case(const Fixture& fx, const Impl (&impls)[ImplCount], Check check) {
  for (const Impl& impl : impls) {
    for (int i = 0; i < fx.case_count(); ++i) {
      const std::string what = std::string(impl.name) + " " + fx.describe(i);
      run_case(what, [&] { check(impl, i, what); });
    }
  }
}

// Case `index` of a conv2d or conv_transpose2d fixture: both store input, weight, an
// optional bias, the output, the upstream gradient and the three gradients alike.
// `output_shape` is the op's shape function; `impl` has its `forward` and `backward`.
template <typename Impl, typename Params, typename OutputShape>
void check_conv_case(const Fixture& fx, int index, const std::string& what, const Impl& impl, const Params& params,
                     OutputShape output_shape) {
  const bool has_bias = fx.params(index).at("bias");
  const Tensor& input = fx.tensor(index, "input");
  const Tensor& weight = fx.tensor(index, "weight");
  const Tensor bias = has_bias ? fx.tensor(index, "bias") : Tensor{};

  CHECK(output_shape(input.shape(), weight.shape(), params) == fx.tensor(index, "output").shape());
  check_close(impl.forward(input, weight, bias, params), fx.tensor(index, "output"), what + ": output");

  const ops::ConvGrads grads = impl.backward(fx.tensor(index, "grad_output"), input, weight, has_bias, params);
  check_close(grads.input, fx.tensor(index, "grad_input"), what + ": grad_input");
  check_close(grads.weight, fx.tensor(index, "grad_weight"), what + ": grad_weight");
  if (has_bias) {
    check_close(grads.bias, fx.tensor(index, "grad_bias"), what + ": grad_bias");
  } else {
    CHECK(grads.bias.empty());
  }
}

}  // namespace upsample::golden
