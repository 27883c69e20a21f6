#pragma once
// The vector type the AVX-512 (files that include it get -mavx512f/bw/dq/vl) kernels are written over: included, inside
// namespace upsample::ops::x86::avx512, by the *_avx512.cpp kernel files only (after
// <immintrin.h>), before the kernels' .inl files.
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
  // 1/a to about 1e-7 relative: the 14-bit estimate and one Newton step, cheaper than a divide.
  static V reciprocal(V a) {
    const V r = _mm512_rcp14_ps(a);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(a, r, _mm512_set1_ps(2.0f)));
  }
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

  // Splits 4·L consecutive floats into their four phases: out[j] holds p[4t + j].
  static void deinterleave4(const float* p, V (&out)[4]) {
    const V a = load(p), b = load(p + 16), c = load(p + 32), d = load(p + 48);
    const __m512i phases01 = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const __m512i phases23 = _mm512_add_epi32(phases01, _mm512_set1_epi32(2));
    const V ab01 = _mm512_permutex2var_ps(a, phases01, b), cd01 = _mm512_permutex2var_ps(c, phases01, d);
    const V ab23 = _mm512_permutex2var_ps(a, phases23, b), cd23 = _mm512_permutex2var_ps(c, phases23, d);
    out[0] = _mm512_shuffle_f32x4(ab01, cd01, _MM_SHUFFLE(1, 0, 1, 0));
    out[1] = _mm512_shuffle_f32x4(ab01, cd01, _MM_SHUFFLE(3, 2, 3, 2));
    out[2] = _mm512_shuffle_f32x4(ab23, cd23, _MM_SHUFFLE(1, 0, 1, 0));
    out[3] = _mm512_shuffle_f32x4(ab23, cd23, _MM_SHUFFLE(3, 2, 3, 2));
  }
  // The inverse: out[k] holds floats 16k … 16k + 15 of the interleaved sequence.
  static void interleave4(const V (&in)[4], V (&out)[4]) {
    const __m512i pairs_lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i pairs_hi = _mm512_add_epi32(pairs_lo, _mm512_set1_epi32(8));
    const __m512i quads_lo = _mm512_setr_epi32(0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    const __m512i quads_hi = _mm512_add_epi32(quads_lo, _mm512_set1_epi32(8));
    const V p01_lo = _mm512_permutex2var_ps(in[0], pairs_lo, in[1]), p01_hi = _mm512_permutex2var_ps(in[0], pairs_hi, in[1]);
    const V p23_lo = _mm512_permutex2var_ps(in[2], pairs_lo, in[3]), p23_hi = _mm512_permutex2var_ps(in[2], pairs_hi, in[3]);
    out[0] = _mm512_permutex2var_ps(p01_lo, quads_lo, p23_lo);
    out[1] = _mm512_permutex2var_ps(p01_lo, quads_hi, p23_lo);
    out[2] = _mm512_permutex2var_ps(p01_hi, quads_lo, p23_hi);
    out[3] = _mm512_permutex2var_ps(p01_hi, quads_hi, p23_hi);
  }
};

}  // namespace
