// AVX2 + FMA build of the Winograd kernels (the baseline x86-64-v3 flags).
#include <immintrin.h>

#include "ops/x86/winograd.hpp"

namespace upsample::ops::x86::avx2 {

#include "ops/x86/vec_avx2.hpp"

namespace {

// 12 of the 16 registers accumulate; the rest hold the tile vectors and a weight.
constexpr int kWinogradSlots = 4;
constexpr int kWinogradVectors = kWinogradVectorsPerBlock;

}  // namespace

#include "ops/x86/vec_maths.inl"
#include "ops/x86/winograd_kernels.inl"

}  // namespace upsample::ops::x86::avx2
