// AVX2 + FMA build of the tap-convolution kernels (the baseline x86-64-v3 flags).
#include <immintrin.h>

#include "ops/x86/tap_conv.hpp"

namespace upsample::ops::x86::avx2 {

namespace {

struct Vec {
  using V = __m256;
  using M = __m256i;  // all-ones lanes are selected
  using D = __m256d;
  static constexpr int L = 8;

  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V load_masked(const float* p, M m) { return _mm256_maskload_ps(p, m); }
  // As an asm load, for the reason given in tap_conv_avx512.cpp.
  static V load_masked_input(const float* p, M m) {
    V r;
    asm("vmaskmovps (%1), %2, %0" : "=x"(r) : "r"(p), "x"(m));
    return r;
  }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static void store_masked(float* p, V v, M m) { _mm256_maskstore_ps(p, m, v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static V min(V a, V b) { return _mm256_min_ps(a, b); }
  static V abs(V a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
  static V round(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // p · 2^n for whole n in the normal exponent range.
  static V scale_by_pow2(V p, V n) {
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
  }
  static V copy_sign(V magnitude, V sign_of) {
    const V sign = _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(0x80000000u)));
    return _mm256_or_ps(_mm256_andnot_ps(sign, magnitude), _mm256_and_ps(sign, sign_of));
  }
  static M gt_zero(V a) { return _mm256_castps_si256(_mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_GT_OQ)); }
  static M lt(V a, V b) { return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_LT_OQ)); }
  static V select(M m, V a, V b) { return _mm256_blendv_ps(b, a, _mm256_castsi256_ps(m)); }
  // Lanes i with lo ≤ start + i < hi.
  static M range(int start, int lo, int hi) {
    const __m256i index = _mm256_add_epi32(_mm256_set1_epi32(start), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_and_si256(_mm256_cmpgt_epi32(index, _mm256_set1_epi32(lo - 1)),
                            _mm256_cmpgt_epi32(_mm256_set1_epi32(hi), index));
  }
  static D zero_double() { return _mm256_setzero_pd(); }
  static void accumulate_double(D (&sums)[2], V v) {
    sums[0] = _mm256_add_pd(sums[0], _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    sums[1] = _mm256_add_pd(sums[1], _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
  }
  static double hsum_double(D d) {
    const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(d), _mm256_extractf128_pd(d, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
  }
};

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

#include "ops/x86/tap_conv_kernels.inl"

}  // namespace upsample::ops::x86::avx2
