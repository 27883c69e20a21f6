// AVX-512 build of the Winograd kernels (this file gets -mavx512f/bw/dq/vl).
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*(), which -Wmaybe-uninitialized
// reports at every inlined use (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "ops/x86/winograd.hpp"

namespace upsample::ops::x86::avx512 {

#include "ops/x86/vec_avx512.hpp"

namespace {

// 24 of the 32 registers accumulate; the rest hold the tile vectors and a weight.
constexpr int kWinogradSlots = 8;
constexpr int kWinogradVectors = kWinogradVectorsPerBlock;

}  // namespace

#include "ops/x86/vec_maths.inl"
#include "ops/x86/winograd_kernels.inl"

}  // namespace upsample::ops::x86::avx512
