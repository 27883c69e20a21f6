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
inline V exp_approx(V x) {
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

// tanh: Cephes' odd polynomial below 0.625, 1 − 2/(e^{2|x|} + 1) above (no cancellation there).
inline V tanh_approx(V x) {
  const V ax = Vec::abs(x);
  const V z = Vec::mul(x, x);
  V p = Vec::set1(-5.70498872745E-3f);
  p = Vec::fma(p, z, Vec::set1(2.06390887954E-2f));
  p = Vec::fma(p, z, Vec::set1(-5.37397155531E-2f));
  p = Vec::fma(p, z, Vec::set1(1.33314422036E-1f));
  p = Vec::fma(p, z, Vec::set1(-3.33332819422E-1f));
  const V small = Vec::fma(Vec::mul(p, z), x, x);
  const V e = exp_approx(Vec::add(ax, ax));
  const V large_abs = Vec::sub(Vec::set1(1.0f), Vec::div(Vec::set1(2.0f), Vec::add(e, Vec::set1(1.0f))));
  const V large = Vec::copy_sign(large_abs, x);
  return Vec::select(Vec::lt(ax, Vec::set1(0.625f)), small, large);
}

inline V sigmoid_approx(V x) {
  const V e = exp_approx(Vec::sub(Vec::zero(), x));
  return Vec::div(Vec::set1(1.0f), Vec::add(Vec::set1(1.0f), e));
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

}  // namespace
