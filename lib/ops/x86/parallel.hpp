#pragma once
// OpenMP helper of the fast paths (not for the per-ISA kernel files).
#include <omp.h>

#include <cstdint>

namespace upsample::ops::x86 {

// Below this much work (about one multiply-add per unit) threads cost more than they
// save: waking them and meeting at the barrier takes microseconds, more on a busy machine.
inline constexpr double kMinParallelWork = 2e5;

// Calls body(first, last, thread) once per thread on one contiguous part of [0, items):
// neighbouring rows share input rows, so a thread keeps them in its own cache. Runs on
// the calling thread alone when there is one item, one thread, `work` (the total, in
// multiply-adds or elements) is small, or inside a parallel region already (a conv pair's
// threads each running small convs).
template <typename Body>
void for_each_thread_range(int64_t items, Body body, double work = 1e300) {
  if (items <= 0) return;
  if (items == 1 || work < kMinParallelWork || omp_get_max_threads() == 1 || omp_in_parallel()) {
    body(int64_t{0}, items, 0);
    return;
  }
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), count = omp_get_num_threads();
    const int64_t first = items * t / count, last = items * (t + 1) / count;
    if (first < last) body(first, last, static_cast<int>(t));
  }
}

}  // namespace upsample::ops::x86
