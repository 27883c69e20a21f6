#include "ops/pixel_shuffle.hpp"

#include <string>

#include "ops/ref/pixel_shuffle_ref.hpp"
#include "ops/x86/fast_ops.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

namespace {

void check_common(const Shape& input, int factor, const char* op) {
  if (input.rank() != 4) throw Error(std::string(op) + ": input must be N×C×H×W, got shape " + input.str());
  if (factor < 1) throw Error(std::string(op) + ": factor must be at least 1, got " + std::to_string(factor));
}
}  // namespace

Shape pixel_shuffle_output_shape(const Shape& input, int factor) {
  check_common(input, factor, "pixel_shuffle");
  const int64_t r2 = int64_t{factor} * factor;
  if (input.c() % r2 != 0)
    throw Error("pixel_shuffle: input channels (" + std::to_string(input.c()) + ") are not divisible by factor² (" +
                std::to_string(r2) + ") for factor " + std::to_string(factor));
  return Shape{input.n(), input.c() / r2, input.h() * factor, input.w() * factor};
}

Shape pixel_unshuffle_output_shape(const Shape& input, int factor) {
  check_common(input, factor, "pixel_unshuffle");
  if (input.h() % factor != 0 || input.w() % factor != 0)
    throw Error("pixel_unshuffle: input size " + std::to_string(input.h()) + "×" + std::to_string(input.w()) +
                " is not divisible by the factor " + std::to_string(factor));
  return Shape{input.n(), input.c() * factor * factor, input.h() / factor, input.w() / factor};
}

Tensor pixel_shuffle_forward(const Tensor& input, int factor) {
  if (x86::active_isa() == x86::Isa::Ref) return ref::pixel_shuffle_forward(input, factor);
  return x86::pixel_shuffle_forward(input, factor);
}

Tensor pixel_shuffle_backward(const Tensor& grad_output, int factor) {
  if (x86::active_isa() == x86::Isa::Ref) return ref::pixel_shuffle_backward(grad_output, factor);
  return x86::pixel_unshuffle_forward(grad_output, factor);
}

Tensor pixel_unshuffle_forward(const Tensor& input, int factor) {
  if (x86::active_isa() == x86::Isa::Ref) return ref::pixel_unshuffle_forward(input, factor);
  return x86::pixel_unshuffle_forward(input, factor);
}

Tensor pixel_unshuffle_backward(const Tensor& grad_output, int factor) {
  if (x86::active_isa() == x86::Isa::Ref) return ref::pixel_unshuffle_backward(grad_output, factor);
  return x86::pixel_shuffle_forward(grad_output, factor);
}

}  // namespace upsample::ops
