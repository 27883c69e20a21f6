// Helpers shared by the kernel .inl files, over the `Vec` of the including file
// (vec_avx2.hpp or vec_avx512.hpp), inside its ISA namespace: register pinning and the
// activations' maths.

namespace {

using V = Vec::V;
using M = Vec::M;
constexpr int L = Vec::L;

// Keeps a loaded vector in a register. Left alone, GCC folds the load into every FMA that
// uses it, so one input vector is loaded R times: the loads, not the FMAs, then bound the
// kernel (AVX-512 loads that straddle cache lines cost double).
inline void in_register(V& v) { asm("" : "+v"(v)); }

// ---- Elementwise maths ----------------------------------------------------------------

// e^x, Cephes' polynomial (about 1 ulp); x is clamped to ±87.3 so that 2^n stays a normal
// float, which tanh and sigmoid saturate correctly anyway.
[[gnu::always_inline]] inline V exp_approx(V x) {
  x = Vec::max(Vec::min(x, Vec::set1(87.3f)), Vec::set1(-87.3f));
  const V n = Vec::round(Vec::mul(x, Vec::set1(1.44269504088896341f)));
  V r = Vec::fma(n, Vec::set1(-0.693359375f), x);
  r = Vec::fma(n, Vec::set1(2.12194440e-4f), r);
  V p = Vec::set1(1.9875691500E-4f);
  p = Vec::fma(p, r, Vec::set1(1.3981999507E-3f));
  p = Vec::fma(p, r, Vec::set1(8.3334519073E-3f));
  p = Vec::fma(p, r, Vec::set1(4.1665795894E-2f));
  p = Vec::fma(p, r, Vec::set1(1.6666665459E-1f));
  p = Vec::fma(p, r, Vec::set1(5.0000001201E-1f));
  p = Vec::fma(p, Vec::mul(r, r), Vec::add(r, Vec::set1(1.0f)));
  return Vec::scale_by_pow2(p, n);
}

// tanh(x) ≈ x·P(x²)/Q(x²) on [−8, 8], the input clamped there (tanh(8) is 1 within
// 2.3e-7): a rational fit made for this file (docs/maths/fit_tanh.py), off by about 3e-7
// in float; half the operations of 1 − 2/(e^{2x} + 1) with its exponential.
[[gnu::always_inline]] inline V tanh_approx(V x) {
  x = Vec::max(Vec::min(x, Vec::set1(8.0f)), Vec::set1(-8.0f));
  const V z = Vec::mul(x, x);
  V p = Vec::set1(2.302680647e-11f);
  p = Vec::fma(p, z, Vec::set1(-1.451731559e-08f));
  p = Vec::fma(p, z, Vec::set1(9.815617823e-06f));
  p = Vec::fma(p, z, Vec::set1(2.978820047e-03f));
  p = Vec::fma(p, z, Vec::set1(1.297258774e-01f));
  p = Vec::fma(p, z, Vec::set1(9.999999130e-01f));
  V q = Vec::set1(2.362392590e-04f);
  q = Vec::fma(q, z, Vec::set1(2.399886543e-02f));
  q = Vec::fma(q, z, Vec::set1(4.630588539e-01f));
  q = Vec::fma(q, z, Vec::set1(1.0f));
  return Vec::mul(Vec::mul(x, p), Vec::reciprocal(q));
}

[[gnu::always_inline]] inline V sigmoid_approx(V x) {
  const V e = exp_approx(Vec::sub(Vec::zero(), x));
  return Vec::reciprocal(Vec::add(Vec::set1(1.0f), e));
}

inline V activate(Activation act, V x, V slope) {
  switch (act) {
    case Activation::None: return x;
    case Activation::Relu: return Vec::max(x, Vec::zero());
    case Activation::PRelu: return Vec::select(Vec::gt_zero(x), x, Vec::mul(x, slope));
    case Activation::Tanh: return tanh_approx(x);
    case Activation::Sigmoid: return sigmoid_approx(x);
  }
  return x;
}

// `act` on every vector of a block, dispatched once: the maths is inlined with its
// constants held in registers across the block, not reloaded per vector in a call.
template <int N>
[[gnu::always_inline]] inline void activate_all(Activation act, V (&x)[N], V slope) {
  switch (act) {
    case Activation::None: return;
    case Activation::Relu:
      for (int i = 0; i < N; ++i) x[i] = Vec::max(x[i], Vec::zero());
      return;
    case Activation::PRelu:
      for (int i = 0; i < N; ++i) x[i] = Vec::select(Vec::gt_zero(x[i]), x[i], Vec::mul(x[i], slope));
      return;
    case Activation::Tanh:
      for (int i = 0; i < N; ++i) x[i] = tanh_approx(x[i]);
      return;
    case Activation::Sigmoid:
      for (int i = 0; i < N; ++i) x[i] = sigmoid_approx(x[i]);
      return;
  }
}

}  // namespace
