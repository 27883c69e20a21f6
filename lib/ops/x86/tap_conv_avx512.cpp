// AVX-512 build of the tap-convolution kernels (this file gets -mavx512f/bw/dq/vl).
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*(), which -Wmaybe-uninitialized
// reports at every inlined use (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "ops/x86/tap_conv.hpp"

namespace upsample::ops::x86::avx512 {

#include "ops/x86/vec_avx512.hpp"

namespace {

// 24 of the 32 registers accumulate; the rest hold inputs and weights.
constexpr int kMaxVectors(int slots) {
  switch (slots) {
    case 1: return 8;
    case 2: return 12;
    case 3: return 8;
    case 4: return 6;
    case 6: return 4;
    case 8: return 3;
    default: return 0;
  }
}
// Weight gradient: R grid planes × T taps accumulate in R·T registers next to the R grid
// vectors and an input vector. R = 6 (fewer loads per FMA on paper) measured no faster
// than R = 4 on ESPCN's training step, so the smaller blocks stay.
constexpr int kGradSlots = 4;
constexpr int kGradTaps(int slots) { return slots >= 5 ? 4 : slots == 4 ? 6 : 8; }

}  // namespace

#include "ops/x86/vec_maths.inl"
#include "ops/x86/tap_conv_kernels.inl"

}  // namespace upsample::ops::x86::avx512
