#pragma once
// Packs convolution weights into tap blocks (tap_conv.hpp) and runs them over tensors.
// Every conv-like computation of the fast paths goes through here:
//   - conv2d (any stride, padding, dilation, groups): one correlation over the input planes,
//     or over its space-to-depth planes when strided;
//   - transposed conv: one correlation per output row phase (sub-pixel decomposition): the
//     taps that hit each phase form a small dense kernel, so no multiply touches an
//     inserted zero;
//   - the weight gradient of either, as a correlation of input planes and gradient grid.
#include <cstdint>
#include <vector>

#include "ops/x86/isa.hpp"
#include "ops/x86/tap_conv.hpp"
#include "tensor/tensor.hpp"

namespace upsample::ops::x86 {

// The maths of a conv, as the direct (not transposed) formula reads it:
//   out[y][x] += w[kh][kw] · in[y·stride_h − pad_top + kh·dilation_h][x·stride_w − pad_left + kw·dilation_w]
// A transposed conv with the same geometry is its adjoint. Bottom/right padding only
// changes the output size, which the caller gives.
struct ConvGeometry {
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0;
  int dilation_h = 1, dilation_w = 1;
  int groups = 1;
};

struct Epilogue {
  Activation act = Activation::None;
  std::vector<float> slopes;  // PReLU: one per output channel, or one shared
  // Output channel c's PReLU slope (0 without slopes).
  float slope(int64_t c) const {
    return slopes.empty() ? 0.0f : slopes.size() == 1 ? slopes[0] : slopes[static_cast<size_t>(c)];
  }
};

// The epilogue of `act` for a conv with `out_channels` outputs; for PReLU its slopes
// (prelu_weight [Cout] or [1], checked against out_channels).
Epilogue make_epilogue(Activation act, const Tensor& prelu_weight, int64_t out_channels);

// Identifies a slot: output channel and (transposed conv) column phase; channel −1 = padding.
struct SlotKey {
  int channel = -1, column_phase = 0;
};

struct PackedBlock {
  std::vector<SlotKey> keys;
  std::vector<TapRow> rows;
  std::vector<int32_t> dx;
  std::vector<float> weights;  // [tap][R]
  int32_t dx_min = 0, dx_max = 0;
  int32_t tap_count() const { return static_cast<int32_t>(dx.size()); }
};

struct PackedJob {
  int row_phase = 0;  // transposed conv: output rows ≡ row_phase (mod stride_h)
  std::vector<PackedBlock> blocks;
};

// Weights packed once for one forward computation (conv or transposed conv).
struct PackedConv {
  bool transposed = false;
  Isa isa = Isa::Avx2;
  ConvGeometry geometry;
  int64_t in_channels = 0, out_channels = 0, kernel_h = 0, kernel_w = 0;
  std::vector<float> bias;  // [out_channels], zeros when none
  Epilogue epilogue;
  std::vector<PackedJob> jobs;
};

// weight [Cout, Cin/groups, kH, kW]; bias [Cout] or empty.
PackedConv pack_conv(const Tensor& weight, const Tensor& bias, const ConvGeometry& geometry, Epilogue epilogue,
                     Isa isa);
// weight [Cin, Cout/groups, kH, kW]; bias [Cout] or empty.
PackedConv pack_transposed(const Tensor& weight, const Tensor& bias, const ConvGeometry& geometry,
                           Epilogue epilogue, Isa isa);

// The input as the correlation reads it: the tensor itself, or its space-to-depth planes
// (plane (c·sh + ph)·sw + pw holds rows ≡ ph, columns ≡ pw) for a strided conv.
struct Planes {
  Tensor storage;  // owns the space-to-depth copy; else shares the input
  const float* data = nullptr;
  int64_t image_stride = 0, plane_stride = 0, row_stride = 0;
  int32_t h = 0, w = 0;
};
Planes make_planes(const Tensor& input, int stride_h, int stride_w);
// One image of `channels` planes of rows × columns floats, one after another at `data`
// (a window a fused pass staged).
Planes window_planes(const float* data, int64_t channels, int64_t rows, int64_t columns);

// The most output columns one kernel call computes for `packed` (its blocks' slot counts
// decide): a fused pass's tiles that are a multiple of it leave no short call behind.
int64_t kernel_chunk_columns(const PackedConv& packed);

// Runs `packed` into `output`, whose shape the caller chose ([N, Cout, Hout, Wout]; for a
// conv with shuffle r > 1: the pixel-shuffled [N, Cout/r², Hout·r, Wout·r]).
void run_packed(const PackedConv& packed, const Tensor& input, Tensor& output, int shuffle = 1);
void run_packed(const PackedConv& packed, const Planes& planes, Tensor& output, int shuffle = 1);

// grad_weight [Cout, Cin/groups, kH, kW] (overwritten) of the conv input → grid, where grid
// is the gradient w.r.t. the conv output [N, Cout, Hout, Wout].
// With grid_sums, also the sum of each grid channel [Cout] (a conv's bias gradient), in
// the same pass over the grid.
void conv_weight_grad(const Planes& input, int64_t in_channels, const Tensor& grid, const ConvGeometry& geometry,
                      Tensor& grad_weight, Isa isa, Tensor* grid_sums = nullptr);

// Σ over n, h, w of each channel of a rank-4 tensor, in double.
Tensor channel_sums(const Tensor& t);

}  // namespace upsample::ops::x86
