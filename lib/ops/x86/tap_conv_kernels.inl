// Kernels of tap_conv.hpp, written once over the vector-traits type `Vec` (vec_avx2.hpp or
// vec_avx512.hpp) that the including file (tap_conv_<isa>.cpp) puts in its ISA namespace.
// Everything here has internal linkage or lives in that namespace, and no standard-library
// template is instantiated, so no function compiled for AVX-512 can be merged by the
// linker into a caller of the AVX2 code.
//
// Expects, before inclusion: namespace upsample::ops::x86::<isa> is open, with `Vec`,
// vec_maths.inl, and `kMaxVectors(R)`, `kGradSlots`, `kGradTaps(R)` (taps per
// weight-gradient call).

namespace {

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

// ---- Forward: one chunk of R slots × NV vectors ---------------------------------------

template <int R, int NV>
inline void store_slots(const TapConvRun& run, const BlockView& b, V (&acc)[R][NV], float* out_image, int y, int x0) {
  // Unrolled, so that the accumulators are read from registers, not spilled for indexing.
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    const Slot& s = b.slots[r];
    if (!s.live || y >= s.height || x0 >= s.width) continue;
    const V bias = Vec::set1(s.bias);
    V o[NV];
    for (int v = 0; v < NV; ++v) o[v] = Vec::add(acc[r][v], bias);
    activate_all(run.act, o, Vec::set1(s.slope));
    float* dst = out_image + s.offset + int64_t{y} * s.row_stride;
    if (s.col_step == 1) {
#pragma GCC unroll 12
      for (int v = 0; v < NV; ++v) {
        const int x = x0 + v * L;
        if (x >= s.width) break;
        if (x + L <= s.width) Vec::store(dst + x, o[v]);
        else Vec::store_masked(dst + x, o[v], Vec::range(x, 0, s.width));
      }
    } else {
      // Interleaved phases: the scattered stores cost one per output against many FMAs.
      alignas(64) float staged[NV * L];
      for (int v = 0; v < NV; ++v) Vec::store(staged + v * L, o[v]);
      const int count = static_cast<int>(min64(NV * L, s.width - x0));
      float* d = dst + int64_t{x0} * s.col_step;
      for (int i = 0; i < count; ++i) d[int64_t{i} * s.col_step] = staged[i];
    }
  }
}

// acc[r][v] = Σ over taps of w[tap][r] · input vector v at the tap's offset. Edge chunks
// read with lane masks (the zero padding and the ends of the rows); interior ones do not.
template <int R, int NV, bool Edge>
void conv_chunk(const TapConvRun& run, const BlockView& b, const float* image, float* out_image, int y, int x0) {
  V acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = Vec::zero();
  const int64_t ps = run.in_plane_stride, rs = run.in_row_stride;
  const int in_w = run.in_w;
  // Edge chunks: the lane masks depend only on the tap's column offset, so they are
  // worked out once per chunk, not at every load (narrow training patches are all edge).
  constexpr int kMaskedOffsets = 16;
  M masks[Edge ? kMaskedOffsets : 1][NV];
  const bool mask_table = Edge && b.dx_max - b.dx_min < kMaskedOffsets;
  if constexpr (Edge) {
    if (mask_table)
      for (int d = b.dx_min; d <= b.dx_max; ++d)
        for (int v = 0; v < NV; ++v) masks[d - b.dx_min][v] = Vec::range(x0 + d + v * L, 0, in_w);
  }
  auto lane_mask = [&](int tap_dx, int v) {
    return mask_table ? masks[tap_dx - b.dx_min][v] : Vec::range(x0 + tap_dx + v * L, 0, in_w);
  };
  for (int ri = 0; ri < b.row_count; ++ri) {
    const TapRow row = b.rows[ri];
    const int iy = y + row.dy;
    if (iy < 0 || iy >= run.in_h) continue;
    const float* src = image + row.plane * ps + iy * rs + x0;
    const int32_t* dx = b.dx + row.first_tap;
    const float* w = b.weights + int64_t{row.first_tap} * R;
    for (int t = 0; t < row.tap_count; ++t, w += R) {
      const float* p = src + dx[t];
      if constexpr (R <= NV) {
        V wr[R];
        for (int r = 0; r < R; ++r) wr[r] = Vec::set1(w[r]);
        for (int v = 0; v < NV; ++v) {
          V in;
          if constexpr (Edge) in = Vec::load_masked_input(p + v * L, lane_mask(dx[t], v));
          else in = Vec::load(p + v * L);
          in_register(in);
          for (int r = 0; r < R; ++r) acc[r][v] = Vec::fma(wr[r], in, acc[r][v]);
        }
      } else {
        V in[NV];
        for (int v = 0; v < NV; ++v) {
          if constexpr (Edge) in[v] = Vec::load_masked_input(p + v * L, lane_mask(dx[t], v));
          else in[v] = Vec::load(p + v * L);
          in_register(in[v]);
        }
        for (int r = 0; r < R; ++r) {
          const V wr = Vec::set1(w[r]);
          for (int v = 0; v < NV; ++v) acc[r][v] = Vec::fma(wr, in[v], acc[r][v]);
        }
      }
    }
  }
  store_slots<R, NV>(run, b, acc, out_image, y, x0);
}

using ChunkFn = void (*)(const TapConvRun&, const BlockView&, const float*, float*, int, int);

template <int R, int NV>
ChunkFn chunk_fn_for(int vectors, bool edge) {
  if constexpr (NV == 0) {
    return nullptr;
  } else {
    if (vectors == NV) return edge ? &conv_chunk<R, NV, true> : &conv_chunk<R, NV, false>;
    return chunk_fn_for<R, NV - 1>(vectors, edge);
  }
}

ChunkFn chunk_fn(int slots, int vectors, bool edge) {
  switch (slots) {
    case 1: return chunk_fn_for<1, kMaxVectors(1)>(vectors, edge);
    case 2: return chunk_fn_for<2, kMaxVectors(2)>(vectors, edge);
    case 3: return chunk_fn_for<3, kMaxVectors(3)>(vectors, edge);
    case 4: return chunk_fn_for<4, kMaxVectors(4)>(vectors, edge);
    case 6: return chunk_fn_for<6, kMaxVectors(6)>(vectors, edge);
    case 8: return chunk_fn_for<8, kMaxVectors(8)>(vectors, edge);
    default: return nullptr;
  }
}

// ---- Weight gradient: R grid planes × T taps ------------------------------------------

// Lane masks of one edge vector: the grid row's and each tap's input row's.
template <int T>
struct GradMasks {
  M grid;
  M in[T];
};

template <int R, int T, bool Edge>
inline void grad_vector(V (&acc)[R][T], const float* const (&grid)[R], const float* const (&src)[T],
                        const int32_t* dx, int x, const GradMasks<T>& masks) {
  V g[R];
  for (int r = 0; r < R; ++r) {
    if constexpr (Edge) g[r] = Vec::load_masked_input(grid[r] + x, masks.grid);
    else g[r] = Vec::load(grid[r] + x);
    in_register(g[r]);
  }
  for (int t = 0; t < T; ++t) {
    V in;
    if constexpr (Edge) in = Vec::load_masked_input(src[t] + x + dx[t], masks.in[t]);
    else in = Vec::load(src[t] + x + dx[t]);
    in_register(in);
    for (int r = 0; r < R; ++r) acc[r][t] = Vec::fma(g[r], in, acc[r][t]);
  }
}

// Adds Σ over grid rows [y0, y1) of image (input, grid) at the block's taps [first,
// first + T) into partial[(tap·R + r)·L + lane]. The taps may span several tap rows (the
// one-tap rows of a 1×1 conv, the three-tap rows of a 3×3), so that each grid vector
// loaded feeds T taps; `row` is the tap row of tap `first`.
template <int R, int T>
void grad_sweep(const TapGradRun& run, const BlockView& b, int row, int first, const float* image,
                const float* grid_image, int y0, int y1, float* partial) {
  V acc[R][T];
  float* base = partial + int64_t{first} * R * L;
  for (int t = 0; t < T; ++t)
    for (int r = 0; r < R; ++r) acc[r][t] = Vec::load(base + (int64_t{t} * R + r) * L);
  const int32_t* dx = b.dx + first;
  int64_t plane_offset[T];
  int dy[T];
  for (int t = 0; t < T; ++t) {
    while (b.rows[row].first_tap + b.rows[row].tap_count <= first + t) ++row;
    plane_offset[t] = b.rows[row].plane * run.in_plane_stride;
    dy[t] = b.rows[row].dy;
  }
  int dx_lo = dx[0], dx_hi = dx[0];
  for (int t = 1; t < T; ++t) {
    dx_lo = dx[t] < dx_lo ? dx[t] : dx_lo;
    dx_hi = dx[t] > dx_hi ? dx[t] : dx_hi;
  }
  const int grid_w = run.grid_w, in_w = run.in_w;
  // Vectors starting in [x_begin, x_end) read inside the grid row and the input row (a
  // padded one: inside the grid row is enough); the others use lane masks, worked out
  // once here for every row rather than at each load.
  const int x_begin = dx_lo < 0 && !run.padded_rows ? -dx_lo : 0;
  const int x_end = static_cast<int>(run.padded_rows ? grid_w : min64(grid_w, int64_t{in_w} - dx_hi)) - L + 1;
  constexpr int kEdgeVectors = 8;
  int edge_x[kEdgeVectors];
  GradMasks<T> edge_masks[kEdgeVectors];
  int edge_count = 0;
  auto masks_at = [&](int x) {
    GradMasks<T> m;
    m.grid = Vec::range(x, 0, grid_w);
    for (int t = 0; t < T; ++t) m.in[t] = Vec::range(x + dx[t], 0, in_w);
    return m;
  };
  auto interior = [&](int x) { return x >= x_begin && x < x_end; };
  bool tabled = true;  // every edge vector's masks fit the table (not so for large dilations)
  for (int x = 0; x < grid_w && tabled; x += L) {
    if (interior(x)) continue;
    if (edge_count == kEdgeVectors) {
      tabled = false;
    } else {
      edge_x[edge_count] = x;
      edge_masks[edge_count++] = masks_at(x);
    }
  }
  const int interior_first = x_begin > 0 ? (x_begin + L - 1) / L * L : 0;
  const GradMasks<T> unused{};
  for (int y = y0; y < y1; ++y) {
    // A tap whose input row is outside the image reads the zero row.
    const float* src[T];
    for (int t = 0; t < T; ++t) {
      const int iy = y + dy[t];
      src[t] = iy < 0 || iy >= run.in_h ? run.zero_row : image + plane_offset[t] + int64_t{iy} * run.in_row_stride;
    }
    const float* grid[R];
    for (int r = 0; r < R; ++r) grid[r] = grid_image + b.slots[r].offset + int64_t{y} * b.slots[r].row_stride;
    if (tabled) {
      for (int e = 0; e < edge_count; ++e) grad_vector<R, T, true>(acc, grid, src, dx, edge_x[e], edge_masks[e]);
      for (int x = interior_first; x < grid_w && interior(x); x += L)
        grad_vector<R, T, false>(acc, grid, src, dx, x, unused);
    } else {
      for (int x = 0; x < grid_w; x += L) {
        if (interior(x)) grad_vector<R, T, false>(acc, grid, src, dx, x, unused);
        else grad_vector<R, T, true>(acc, grid, src, dx, x, masks_at(x));
      }
    }
  }
  for (int t = 0; t < T; ++t)
    for (int r = 0; r < R; ++r) Vec::store(base + (int64_t{t} * R + r) * L, acc[r][t]);
}

// Adds Σ over grid rows [y0, y1) of each slot's grid row into sums[r·L + lane].
void grid_row_sums(const TapGradRun& run, const BlockView& b, const float* grid_image, int y0, int y1, float* sums) {
  const int grid_w = run.grid_w;
  for (int r = 0; r < b.slot_count; ++r) {
    V acc = Vec::load(sums + int64_t{r} * L);
    for (int y = y0; y < y1; ++y) {
      const float* row = grid_image + b.slots[r].offset + int64_t{y} * b.slots[r].row_stride;
      int x = 0;
      for (; x + L <= grid_w; x += L) acc = Vec::add(acc, Vec::load(row + x));
      if (x < grid_w) acc = Vec::add(acc, Vec::load_masked(row + x, Vec::range(x, 0, grid_w)));
    }
    Vec::store(sums + int64_t{r} * L, acc);
  }
}

using GradFn = void (*)(const TapGradRun&, const BlockView&, int, int, const float*, const float*, int, int, float*);

template <int R, int T>
GradFn grad_fn_for(int taps) {
  if constexpr (T == 0) {
    return nullptr;
  } else {
    if (taps == T) return &grad_sweep<R, T>;
    return grad_fn_for<R, T - 1>(taps);
  }
}

GradFn grad_fn(int slots, int taps) {
  static_assert(kGradSlots <= 8, "grad_fn instantiates R = 1..8");
  switch (slots) {
    case 1: return grad_fn_for<1, kGradTaps(1)>(taps);
    case 2: return grad_fn_for<2, kGradTaps(2)>(taps);
    case 3: return kGradSlots >= 3 ? grad_fn_for<3, kGradTaps(3)>(taps) : nullptr;
    case 4: return kGradSlots >= 4 ? grad_fn_for<4, kGradTaps(4)>(taps) : nullptr;
    case 5: return kGradSlots >= 5 ? grad_fn_for<5, kGradTaps(5)>(taps) : nullptr;
    case 6: return kGradSlots >= 6 ? grad_fn_for<6, kGradTaps(6)>(taps) : nullptr;
    case 7: return kGradSlots >= 7 ? grad_fn_for<7, kGradTaps(7)>(taps) : nullptr;
    case 8: return kGradSlots >= 8 ? grad_fn_for<8, kGradTaps(8)>(taps) : nullptr;
    default: return nullptr;
  }
}

}  // namespace

// ---- Entry points ---------------------------------------------------------------------

int max_vectors(int slots) { return kMaxVectors(slots); }
int lanes() { return L; }
int grad_slots() { return kGradSlots; }

void tap_conv_rows(const TapConvRun& run, int64_t first, int64_t last) {
  // Vectors along the row: the few at either end whose taps read outside the input row
  // take the masked kernel, one vector at a time; the rest go in chunks of up to
  // run.vectors, balanced so that no chunk is much shorter than the others.
  const int vectors = (run.grid_w + L - 1) / L;
  int left = run.dx_min < 0 ? (-run.dx_min + L - 1) / L : 0;
  int right = static_cast<int>((int64_t{run.in_w} - run.dx_max) / L);  // first vector reading past the row end
  left = left < vectors ? left : vectors;
  right = right < left ? left : (right > vectors ? vectors : right);
  const int interior = right - left;
  const int chunks = interior > 0 ? (interior + run.vectors - 1) / run.vectors : 0;
  for (int64_t item = first; item < last; ++item) {
    const int64_t n = item / run.grid_h;
    const int y = static_cast<int>(item % run.grid_h);
    const float* image = run.input + n * run.in_image_stride;
    float* out_image = run.output + n * run.out_image_stride;
    // Chunk outside, blocks inside: the chunk's input stays in L1 for every block.
    auto run_chunk = [&](int first_vector, int count, bool edge) {
      for (int bi = 0; bi < run.block_count; ++bi) {
        const BlockView& b = run.blocks[bi];
        chunk_fn(b.slot_count, count, edge)(run, b, image, out_image, y, first_vector * L);
      }
    };
    // Narrow rows (training patches) are edge all along: one chunk, so that each weight
    // broadcast feeds several vectors instead of one; masked unless the rows are padded.
    if (vectors <= run.vectors) {
      run_chunk(0, vectors, !run.padded_rows);
      continue;
    }
    for (int v = 0; v < left; v += run.vectors) run_chunk(v, left - v < run.vectors ? left - v : run.vectors, true);
    for (int c = 0, v = left; c < chunks; ++c) {
      const int count = (interior - (v - left) + (chunks - c) - 1) / (chunks - c);
      run_chunk(v, count, false);
      v += count;
    }
    for (int v = right; v < vectors; v += run.vectors)
      run_chunk(v, vectors - v < run.vectors ? vectors - v : run.vectors, true);
  }
}

void tap_grad_rows(const TapGradRun& run, int64_t first, int64_t last, float* partial) {
  for (int64_t item = first; item < last;) {
    // One image's share of the rows at a time: its grid rows stay in cache for every tap.
    const int64_t n = item / run.grid_h;
    const int y0 = static_cast<int>(item % run.grid_h);
    const int y1 = static_cast<int>(min64(run.grid_h, y0 + (last - item)));
    const float* image = run.input + n * run.in_image_stride;
    const float* grid_image = run.grid + n * run.grid_image_stride;
    float* block_partial = partial;
    for (int bi = 0; bi < run.block_count; ++bi) {
      const BlockView& b = run.blocks[bi];
      const int step = kGradTaps(b.slot_count);
      for (int t = 0, row = 0; t < b.tap_count; t += step) {
        while (b.rows[row].first_tap + b.rows[row].tap_count <= t) ++row;
        const int taps = static_cast<int>(min64(step, b.tap_count - t));
        grad_fn(b.slot_count, taps)(run, b, row, t, image, grid_image, y0, y1, block_partial);
      }
      // The grid rows are still in cache from the sweeps.
      if (run.grid_sums) grid_row_sums(run, b, grid_image, y0, y1, block_partial + int64_t{b.tap_count} * b.slot_count * L);
      block_partial += int64_t{b.tap_count + (run.grid_sums ? 1 : 0)} * b.slot_count * L;
    }
    item += y1 - y0;
  }
}

void act_forward(Activation act, const float* x, float* y, int64_t n, float slope) {
  const V s = Vec::set1(slope);
  int64_t i = 0;
  for (; i + L <= n; i += L) Vec::store(y + i, activate(act, Vec::load(x + i), s));
  if (i < n) {
    const M m = Vec::range(0, 0, static_cast<int>(n - i));
    Vec::store_masked(y + i, activate(act, Vec::load_masked(x + i, m), s), m);
  }
}

void relu_backward(const float* g, const float* x, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + L <= n; i += L)
    Vec::store(out + i, Vec::select(Vec::gt_zero(Vec::load(x + i)), Vec::load(g + i), Vec::zero()));
  for (; i < n; ++i) out[i] = x[i] > 0.0f ? g[i] : 0.0f;
}

void tanh_backward(const float* g, const float* y, float* out, int64_t n) {
  int64_t i = 0;
  const V one = Vec::set1(1.0f);
  for (; i + L <= n; i += L) {
    const V yv = Vec::load(y + i);
    Vec::store(out + i, Vec::mul(Vec::load(g + i), Vec::sub(one, Vec::mul(yv, yv))));
  }
  for (; i < n; ++i) out[i] = g[i] * (1.0f - y[i] * y[i]);
}

void sigmoid_backward(const float* g, const float* y, float* out, int64_t n) {
  int64_t i = 0;
  const V one = Vec::set1(1.0f);
  for (; i + L <= n; i += L) {
    const V yv = Vec::load(y + i);
    Vec::store(out + i, Vec::mul(Vec::load(g + i), Vec::mul(yv, Vec::sub(one, yv))));
  }
  for (; i < n; ++i) out[i] = g[i] * y[i] * (1.0f - y[i]);
}

double prelu_backward(const float* g, const float* x, float* out, int64_t n, float slope) {
  const V s = Vec::set1(slope);
  Vec::D sums[2] = {Vec::zero_double(), Vec::zero_double()};
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    const V xv = Vec::load(x + i), gv = Vec::load(g + i);
    const M positive = Vec::gt_zero(xv);
    Vec::store(out + i, Vec::select(positive, gv, Vec::mul(gv, s)));
    Vec::accumulate_double(sums, Vec::select(positive, Vec::zero(), Vec::mul(xv, gv)));
  }
  double total = Vec::hsum_double(sums[0]) + Vec::hsum_double(sums[1]);
  for (; i < n; ++i) {
    if (x[i] > 0.0f) {
      out[i] = g[i];
    } else {
      out[i] = slope * g[i];
      total += static_cast<double>(x[i]) * static_cast<double>(g[i]);
    }
  }
  return total;
}

float fma_peak(int64_t iterations) {
  // 24 chains, as many accumulators as the conv kernels use: enough to cover the FMA
  // latency on both pipes, with nothing loaded or stored in the loop.
  constexpr int kChains = 24;
  V acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = Vec::set1(static_cast<float>(i) * 1e-3f);
  const V a = Vec::set1(0.999f), b = Vec::set1(1e-4f);
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 24
    for (int i = 0; i < kChains; ++i) acc[i] = Vec::fma(acc[i], a, b);
  }
  V total = Vec::zero();
  for (int i = 0; i < kChains; ++i) total = Vec::add(total, acc[i]);
  alignas(64) float lanes_out[L];
  Vec::store(lanes_out, total);
  float sum = 0.0f;
  for (float v : lanes_out) sum += v;
  return sum;
}
