#pragma once
// The vector type the AVX2 + FMA (the baseline x86-64-v3 flags) kernels are written over: included, inside
// namespace upsample::ops::x86::avx2, by the *_avx2.cpp kernel files only (after
// <immintrin.h>), before the kernels' .inl files.
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
  // 1/a to about 2e-7 relative: the 12-bit estimate and one Newton step, cheaper than a divide.
  static V reciprocal(V a) {
    const V r = _mm256_rcp_ps(a);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(a, r, _mm256_set1_ps(2.0f)));
  }
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

  // Splits 4·L consecutive floats into their four phases: out[j] holds p[4t + j]. The
  // lanes come in the order (0, 2, 4, 6, 1, 3, 5, 7) of t, which interleave4 undoes:
  // callers only pair the two.
  static void deinterleave4(const float* p, V (&out)[4]) {
    const V a = load(p), b = load(p + 8), c = load(p + 16), d = load(p + 24);
    const V ab_lo = _mm256_unpacklo_ps(a, b), ab_hi = _mm256_unpackhi_ps(a, b);
    const V cd_lo = _mm256_unpacklo_ps(c, d), cd_hi = _mm256_unpackhi_ps(c, d);
    out[0] = _mm256_shuffle_ps(ab_lo, cd_lo, _MM_SHUFFLE(1, 0, 1, 0));
    out[1] = _mm256_shuffle_ps(ab_lo, cd_lo, _MM_SHUFFLE(3, 2, 3, 2));
    out[2] = _mm256_shuffle_ps(ab_hi, cd_hi, _MM_SHUFFLE(1, 0, 1, 0));
    out[3] = _mm256_shuffle_ps(ab_hi, cd_hi, _MM_SHUFFLE(3, 2, 3, 2));
  }
  // The inverse: out[k] holds floats 8k … 8k + 7 of the interleaved sequence.
  static void interleave4(const V (&in)[4], V (&out)[4]) {
    const V ab_lo = _mm256_shuffle_ps(in[0], in[1], _MM_SHUFFLE(1, 0, 1, 0));
    const V cd_lo = _mm256_shuffle_ps(in[0], in[1], _MM_SHUFFLE(3, 2, 3, 2));
    const V ab_hi = _mm256_shuffle_ps(in[2], in[3], _MM_SHUFFLE(1, 0, 1, 0));
    const V cd_hi = _mm256_shuffle_ps(in[2], in[3], _MM_SHUFFLE(3, 2, 3, 2));
    out[0] = _mm256_shuffle_ps(ab_lo, ab_hi, _MM_SHUFFLE(2, 0, 2, 0));
    out[1] = _mm256_shuffle_ps(ab_lo, ab_hi, _MM_SHUFFLE(3, 1, 3, 1));
    out[2] = _mm256_shuffle_ps(cd_lo, cd_hi, _MM_SHUFFLE(2, 0, 2, 0));
    out[3] = _mm256_shuffle_ps(cd_lo, cd_hi, _MM_SHUFFLE(3, 1, 3, 1));
  }
};

}  // namespace
