#pragma once
// The one form every fast convolution is brought into: a stride-1 correlation over a set
// of input planes, written into "slots" (output channels, possibly interleaved):
//
//   out[slot][y][x] = act(bias[slot] + Σ_taps w[tap][slot] · in[plane(tap)][y + dy(tap)][x + dx(tap)])
//
// with zeros outside the planes. A strided conv reads space-to-depth planes, a transposed
// conv is one such correlation per output row phase (sub-pixel decomposition), and the
// backward passes are the same forms again (conv backward-data is a transposed conv, the
// weight gradient is the correlation of grid and input). The kernels behind these plain
// structs are compiled once per instruction set (tap_conv_avx2.cpp, tap_conv_avx512.cpp).
#include <cstdint>

#include "ops/activation.hpp"

namespace upsample::ops::x86 {

// Taps of one (plane, dy) pair: taps [first_tap, first_tap + tap_count) of the block.
struct TapRow {
  int32_t plane, dy, first_tap, tap_count;
};

// Where one slot's results go, relative to the output image, and its epilogue constants.
struct Slot {
  int64_t offset = 0;      // element of grid position (0, 0)
  int64_t row_stride = 0;  // elements between grid rows
  int32_t col_step = 1;    // elements between grid columns (> 1: interleaved phases)
  int32_t height = 0, width = 0;  // the slot's grid extent; nothing is written beyond
  float bias = 0.0f, slope = 0.0f;
  bool live = false;  // padding slots (R rounded up) are computed but never written
};

// R slots that share their taps; weights are [tap][R].
struct BlockView {
  int32_t slot_count = 0;  // R
  const Slot* slots = nullptr;
  const TapRow* rows = nullptr;
  int32_t row_count = 0;
  const int32_t* dx = nullptr;
  const float* weights = nullptr;
  int32_t tap_count = 0;
  int32_t dx_min = 0, dx_max = 0;
};

struct TapConvRun {
  const float* input = nullptr;
  int64_t in_image_stride = 0, in_plane_stride = 0, in_row_stride = 0;
  int32_t in_h = 0, in_w = 0;
  float* output = nullptr;
  int64_t out_image_stride = 0;
  int32_t grid_h = 0, grid_w = 0;  // the largest slot grid
  const BlockView* blocks = nullptr;
  int32_t block_count = 0;
  Activation act = Activation::None;
  int32_t vectors = 1;  // the most vectors per chunk along x (≤ the kernel's maximum for every R)
  int32_t dx_min = 0, dx_max = 0;  // over all blocks: which vectors need masked reads
  // Rows of at most `vectors` vectors whose input rows are padded with zeros wide enough
  // for every read of a chunk (narrow training patches): no lane masks at all.
  bool padded_rows = false;
};

// Weight gradient: dW[tap][slot] = Σ_n,y,x grid[slot][y][x] · in[plane(tap)][y + dy][x + dx].
// Slots give where each grid plane is (offset, row_stride; col_step 1).
struct TapGradRun {
  const float* input = nullptr;
  int64_t in_image_stride = 0, in_plane_stride = 0, in_row_stride = 0;
  int32_t in_h = 0, in_w = 0;
  const float* grid = nullptr;
  int64_t grid_image_stride = 0;
  int32_t grid_h = 0, grid_w = 0;
  const BlockView* blocks = nullptr;  // weights unused
  int32_t block_count = 0;
  // Input rows padded with zeros as far as any tap reads from a grid row: only the grid's
  // own end needs lane masks.
  bool padded_rows = false;
  // Zeros wherever a tap reads from a grid row: what taps whose input row is outside the
  // image read instead.
  const float* zero_row = nullptr;
  // Also Σ grid per slot, as one more tap after the block's own in `partial`.
  bool grid_sums = false;
};

// Per instruction set: the entry points of tap_conv_<isa>.cpp.
#define UPSAMPLE_TAP_CONV_DECLARATIONS                                                                            \
  /* Largest R the forward kernels take, and the largest V for a given R. */                                    \
  int max_vectors(int slots);                                                                                     \
  int lanes();                                                                                                    \
  /* Rows `first..last` of the flattened (image, grid row) range, every block and chunk. */                       \
  void tap_conv_rows(const TapConvRun& run, int64_t first, int64_t last);                                          \
  /* Grad slots per block and taps per kernel call. */                                                            \
  int grad_slots();                                                                                               \
  /* Adds the partial sums of rows `first..last` into `partial` ([block taps (+ 1 for grid_sums)][R][lanes], */   \
  /* blocks in order). */                                                                                         \
  void tap_grad_rows(const TapGradRun& run, int64_t first, int64_t last, float* partial);                          \
  /* Elementwise helpers (n elements). */                                                                         \
  void act_forward(Activation act, const float* x, float* y, int64_t n, float slope);                             \
  void relu_backward(const float* g, const float* x, float* out, int64_t n);                                      \
  void tanh_backward(const float* g, const float* y, float* out, int64_t n);                                      \
  void sigmoid_backward(const float* g, const float* y, float* out, int64_t n);                                   \
  /* PReLU backward on one channel plane: returns Σ x·g over x ≤ 0 (the slope gradient). */                        \
  double prelu_backward(const float* g, const float* x, float* out, int64_t n, float slope);                     \
  /* The core's FMA ceiling: `iterations` × 24 independent vector FMAs on registers only. */                        \
  float fma_peak(int64_t iterations);

namespace avx2 {
UPSAMPLE_TAP_CONV_DECLARATIONS
}
namespace avx512 {
UPSAMPLE_TAP_CONV_DECLARATIONS
}

}  // namespace upsample::ops::x86
