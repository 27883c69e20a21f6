// AVX-512 build of the tap-convolution kernels (this file gets -mavx512f/bw/dq/vl).
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*(), which -Wmaybe-uninitialized
// reports at every inlined use (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "ops/x86/tap_conv.hpp"

namespace upsample::ops::x86::avx512 {

namespace {

struct Vec {
  using V = __m512;
  using M = __mmask16;
  using D = __m512d;
  static constexpr int L = 16;

  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static V load_masked(const float* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  // The same for the conv kernels' inputs, as an asm load: GCC treats the intrinsic as if
  // it could read the accumulator array, keeps the accumulators in memory and stores every
  // one of them after each FMA (edge chunks ran at half speed). The asm names no memory
  // operand, which is sound only for memory that nothing writes while the kernel runs.
  static V load_masked_input(const float* p, M m) {
    V r;
    asm("vmovups (%1), %0%{%2%}%{z%}" : "=v"(r) : "r"(p), "Yk"(m));
    return r;
  }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static void store_masked(float* p, V v, M m) { _mm512_mask_storeu_ps(p, m, v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V div(V a, V b) { return _mm512_div_ps(a, b); }
  static V max(V a, V b) { return _mm512_max_ps(a, b); }
  static V min(V a, V b) { return _mm512_min_ps(a, b); }
  static V abs(V a) { return _mm512_abs_ps(a); }
  static V round(V a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // p · 2^n for whole n in the normal exponent range.
  static V scale_by_pow2(V p, V n) {
    const __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
  }
  static V copy_sign(V magnitude, V sign_of) {
    const __m512i sign = _mm512_set1_epi32(static_cast<int>(0x80000000u));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_andnot_si512(sign, _mm512_castps_si512(magnitude)),
                                               _mm512_and_si512(sign, _mm512_castps_si512(sign_of))));
  }
  static M gt_zero(V a) { return _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_GT_OQ); }
  static M lt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static V select(M m, V a, V b) { return _mm512_mask_blend_ps(m, b, a); }
  // Lanes i with lo ≤ start + i < hi.
  static M range(int start, int lo, int hi) {
    int a = lo - start, b = hi - start;
    a = a < 0 ? 0 : (a > L ? L : a);
    b = b < 0 ? 0 : (b > L ? L : b);
    if (b <= a) return 0;
    const unsigned upto_b = (1u << b) - 1u, upto_a = (1u << a) - 1u;
    return static_cast<M>(upto_b & ~upto_a);
  }
  static D zero_double() { return _mm512_setzero_pd(); }
  static void accumulate_double(D (&sums)[2], V v) {
    sums[0] = _mm512_add_pd(sums[0], _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    sums[1] = _mm512_add_pd(sums[1], _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)));
  }
  static double hsum_double(D d) { return _mm512_reduce_add_pd(d); }
};

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

#include "ops/x86/tap_conv_kernels.inl"

}  // namespace upsample::ops::x86::avx512
