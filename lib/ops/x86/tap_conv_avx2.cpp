// AVX2 + FMA build of the tap-convolution kernels (the baseline x86-64-v3 flags).
#include <immintrin.h>

#include "ops/x86/tap_conv.hpp"

namespace upsample::ops::x86::avx2 {

#include "ops/x86/vec_avx2.hpp"

namespace {

// 12 of the 16 registers accumulate; the rest hold inputs and weights.
constexpr int kMaxVectors(int slots) {
  switch (slots) {
    case 1: return 8;
    case 2: return 6;
    case 3: return 4;
    case 4: return 3;
    case 6: return 2;
    case 8: return 1;
    default: return 0;
  }
}
constexpr int kGradSlots = 2;
constexpr int kGradTaps(int /*slots*/) { return 5; }

}  // namespace

#include "ops/x86/vec_maths.inl"
#include "ops/x86/tap_conv_kernels.inl"

}  // namespace upsample::ops::x86::avx2
