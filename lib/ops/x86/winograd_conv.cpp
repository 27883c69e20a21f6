#include "ops/x86/winograd_conv.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <memory>

#include "ops/x86/parallel.hpp"
#include "ops/x86/winograd.hpp"
#include "tensor/error.hpp"

namespace upsample::ops::x86 {

namespace {

struct WinogradKernels {
  int (*slots)();
  int (*block_tiles)();
  int (*row_length)();
  int64_t (*scratch_floats)(int, int);
  void (*rows)(const WinogradRun&, int64_t, int64_t, float*);
  void (*staged)(const WinogradRun&, const float*, int64_t, int, int, float*);
};

WinogradKernels winograd_kernels(Isa isa) {
  if (isa == Isa::Avx512)
    return {&avx512::winograd_slots,          &avx512::winograd_block_tiles, &avx512::winograd_row_length,
            &avx512::winograd_scratch_floats, &avx512::winograd_rows,        &avx512::winograd_staged};
  if (isa == Isa::Avx2)
    return {&avx2::winograd_slots,          &avx2::winograd_block_tiles, &avx2::winograd_row_length,
            &avx2::winograd_scratch_floats, &avx2::winograd_rows,        &avx2::winograd_staged};
  throw Error("winograd conv: no kernels for the reference path");
}

// G of F(4×4, 3×3): the 3 taps → the 6 transformed ones.
constexpr std::array<std::array<double, 3>, 6> kG = {{{1.0 / 4, 0, 0},
                                                      {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                                      {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                                      {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                                      {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                                      {0, 0, 1}}};


}  // namespace

PackedWinograd pack_winograd(const Tensor& weight, const Tensor& bias, const Epilogue& epilogue, Isa isa,
                             int shuffle) {
  const Shape& ws = weight.shape();
  if (ws.rank() != 4 || ws[2] != 3 || ws[3] != 3)
    throw Error("winograd conv: weight must be [Cout, Cin, 3, 3], got " + ws.str());
  const WinogradKernels k = winograd_kernels(isa);
  PackedWinograd p;
  p.isa = isa;
  p.out_channels = ws[0];
  p.in_channels = ws[1];
  if (shuffle < 1 || p.out_channels % (int64_t{shuffle} * shuffle) != 0)
    throw Error("winograd conv: a pixel shuffle by " + std::to_string(shuffle) + " needs a multiple of " +
                std::to_string(shuffle * shuffle) + " output channels, got " + std::to_string(p.out_channels));
  p.shuffle = shuffle;
  const int64_t slots = k.slots(), blocks = (p.out_channels + slots - 1) / slots;
  p.weights.assign(static_cast<size_t>(kWinogradPositions * blocks * p.in_channels * slots), 0.0f);
  for (int64_t co = 0; co < p.out_channels; ++co) {
    const int64_t block = co / slots, r = co % slots;
    for (int64_t ci = 0; ci < p.in_channels; ++ci) {
      const float* g = weight.data() + (co * p.in_channels + ci) * 9;
      for (int k6 = 0; k6 < 6; ++k6)
        for (int l = 0; l < 6; ++l) {
          double sum = 0;  // (G g Gᵀ)[k6][l]
          for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) sum += kG[k6][a] * static_cast<double>(g[a * 3 + b]) * kG[l][b];
          const int64_t pos = k6 * 6 + l;
          p.weights[static_cast<size_t>(((pos * blocks + block) * p.in_channels + ci) * slots + r)] =
              static_cast<float>(sum);
        }
    }
  }
  p.bias.assign(static_cast<size_t>(p.out_channels), 0.0f);
  if (!bias.empty()) p.bias.assign(bias.data(), bias.data() + bias.numel());
  p.act = epilogue.act;
  if (epilogue.act == Activation::PRelu) {
    p.slopes.resize(static_cast<size_t>(p.out_channels));
    for (size_t c = 0; c < p.slopes.size(); ++c)
      p.slopes[c] = epilogue.slopes.size() == 1 ? epilogue.slopes[0] : epilogue.slopes[c];
  }
  return p;
}

namespace {

// The run of `packed` from input [N, Cin, H, W] (data unused when staged) into `output`.
WinogradRun winograd_run(const PackedWinograd& packed, const Shape& s, const float* input, Tensor& output) {
  const int64_t r = packed.shuffle;
  check_shape(output.shape(), Shape{s.n(), packed.out_channels / (r * r), s.h() * r, s.w() * r},
              "winograd conv: output");
  WinogradRun run;
  run.input = input;
  run.in_image_stride = s.c() * s.h() * s.w();
  run.in_plane_stride = s.h() * s.w();
  run.in_row_stride = s.w();
  run.output = output.data();
  run.out_image_stride = packed.out_channels * s.h() * s.w();
  run.out_plane_stride = s.h() * s.w() * r * r;
  run.out_row_stride = s.w() * r;
  run.shuffle = static_cast<int32_t>(r);
  run.height = static_cast<int32_t>(s.h());
  run.width = static_cast<int32_t>(s.w());
  run.in_channels = static_cast<int32_t>(packed.in_channels);
  run.out_channels = static_cast<int32_t>(packed.out_channels);
  run.weights = packed.weights.data();
  run.bias = packed.bias.data();
  run.slopes = packed.slopes.empty() ? nullptr : packed.slopes.data();
  run.act = packed.act;
  return run;
}

}  // namespace

void run_winograd(const PackedWinograd& packed, const Tensor& input, Tensor& output) {
  const Shape& s = input.shape();
  check_rank4(input, "winograd conv");
  if (s.c() != packed.in_channels)
    throw Error("winograd conv: input has " + std::to_string(s.c()) + " channels, the weights " +
                std::to_string(packed.in_channels));
  const WinogradKernels k = winograd_kernels(packed.isa);
  const WinogradRun run = winograd_run(packed, s, input.data(), output);
  const int64_t tile_rows = (s.h() + 3) / 4, tile_columns = (s.w() + 3) / 4;
  const int64_t blocks = (tile_columns + k.block_tiles() - 1) / k.block_tiles();
  const double work = static_cast<double>(s.numel()) * static_cast<double>(packed.out_channels) * 9.0;
  const int64_t scratch = k.scratch_floats(run.in_channels, run.out_channels);
  for_each_thread_range(
      s.n() * tile_rows * blocks,
      [&](int64_t first, int64_t last, int) {
        const std::unique_ptr<float[]> buffer(new float[static_cast<size_t>(scratch)]);
        k.rows(run, first, last, buffer.get());
      },
      work);
}

void run_conv_into_winograd(const PackedConv& first_valid, int pad_h, int pad_w, const PackedWinograd& second,
                            const Tensor& input, Tensor& output) {
  check_rank4(input, "conv into winograd");
  const Shape& s = input.shape();
  if (s.c() != first_valid.in_channels || first_valid.out_channels != second.in_channels)
    throw Error("conv into winograd: channels " + std::to_string(s.c()) + " → " +
                std::to_string(first_valid.in_channels) + "→" + std::to_string(first_valid.out_channels) + " → " +
                std::to_string(second.in_channels) + " do not chain");
  const WinogradKernels k = winograd_kernels(second.isa);
  const WinogradRun run = winograd_run(second, s, nullptr, output);
  const int64_t mid = second.in_channels, row_length = k.row_length(), block_tiles = k.block_tiles();
  const int64_t tile_rows = (s.h() + 3) / 4, blocks = ((s.w() + 3) / 4 + block_tiles - 1) / block_tiles;
  // Columns of blocks, each cut into segments down the image so every thread has work; a
  // segment recomputes only the two shared patch rows at its top.
  const int64_t columns = s.n() * blocks;
  const int64_t segments = std::min<int64_t>(tile_rows, (4 * omp_get_max_threads() + columns - 1) / columns);
  const double work = static_cast<double>(s.n() * s.h() * s.w()) *
                      (static_cast<double>(first_valid.in_channels * mid * first_valid.kernel_h * first_valid.kernel_w) +
                       9.0 * static_cast<double>(mid * second.out_channels));
  const int64_t scratch = k.scratch_floats(run.in_channels, run.out_channels);
  for_each_thread_range(
      columns * segments,
      [&](int64_t first, int64_t last, int) {
        const std::unique_ptr<float[]> buffer(new float[static_cast<size_t>(scratch)]);
        std::vector<float> staged(static_cast<size_t>(mid * 6 * row_length));
        // The first conv's window and output for 6 new patch rows (a segment's top) or 4.
        Tensor window[2], rows_out[2];
        for (int i = 0; i < 2; ++i) {
          const int64_t fresh = i == 0 ? 6 : 4;
          window[i] = Tensor::uninitialized(Shape{1, s.c(), fresh + 2 * pad_h, row_length + 2 * pad_w});
          rows_out[i] = Tensor::uninitialized(Shape{1, mid, fresh, row_length});
        }
        for (int64_t item = first; item < last; ++item) {
          const int64_t column = item / segments, segment = item % segments;
          const int64_t n = column / blocks;
          const int first_tile = static_cast<int>(column % blocks * block_tiles);
          const int64_t x_first = 4 * int64_t{first_tile} - 1;
          const int64_t top = tile_rows * segment / segments, bottom = tile_rows * (segment + 1) / segments;
          for (int64_t tile_row = top; tile_row < bottom; ++tile_row) {
            const int i = tile_row == top ? 0 : 1;
            const int64_t fresh = i == 0 ? 6 : 4, kept = 6 - fresh;
            const int64_t y_first = 4 * tile_row - 1 + kept;  // first new patch row
            for (int64_t c = 0; c < mid; ++c) {
              float* rows = staged.data() + c * 6 * row_length;
              std::copy_n(rows + (6 - kept) * row_length, kept * row_length, rows);
            }
            Tensor& win = window[i];
            const int64_t win_w = win.shape().w();
            for (int64_t c = 0; c < s.c(); ++c)
              for (int64_t r = 0; r < win.shape().h(); ++r) {
                float* dst = win.row(0, c, r);
                const int64_t y = y_first - pad_h + r, x0 = x_first - pad_w;
                if (y < 0 || y >= s.h()) {
                  std::fill_n(dst, win_w, 0.0f);
                  continue;
                }
                const float* src = input.row(n, c, y);
                for (int64_t x = 0; x < win_w; ++x) dst[x] = x0 + x >= 0 && x0 + x < s.w() ? src[x0 + x] : 0.0f;
              }
            run_packed(first_valid, win, rows_out[i]);
            // The Winograd conv pads the first conv's output with zeros, not with what the
            // first conv computes outside the image.
            const int64_t x_lo = std::max<int64_t>(0, -x_first), x_hi = std::clamp<int64_t>(s.w() - x_first, 0, row_length);
            for (int64_t c = 0; c < mid; ++c)
              for (int64_t r = 0; r < fresh; ++r) {
                float* dst = staged.data() + (c * 6 + kept + r) * row_length;
                const int64_t y = y_first + r;
                if (y < 0 || y >= s.h()) {
                  std::fill_n(dst, row_length, 0.0f);
                  continue;
                }
                const float* src = rows_out[i].row(0, c, r);
                std::fill_n(dst, x_lo, 0.0f);
                std::copy(src + x_lo, src + x_hi, dst + x_lo);
                std::fill(dst + x_hi, dst + row_length, 0.0f);
              }
            k.staged(run, staged.data(), n, static_cast<int>(tile_row), first_tile, buffer.get());
          }
        }
      },
      work);
}

}  // namespace upsample::ops::x86
