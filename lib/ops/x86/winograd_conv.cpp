#include "ops/x86/winograd_conv.hpp"

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
  int64_t (*scratch_floats)(int, int);
  void (*rows)(const WinogradRun&, int64_t, int64_t, float*);
};

WinogradKernels winograd_kernels(Isa isa) {
  if (isa == Isa::Avx512)
    return {&avx512::winograd_slots, &avx512::winograd_block_tiles, &avx512::winograd_scratch_floats,
            &avx512::winograd_rows};
  if (isa == Isa::Avx2)
    return {&avx2::winograd_slots, &avx2::winograd_block_tiles, &avx2::winograd_scratch_floats, &avx2::winograd_rows};
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

PackedWinograd pack_winograd(const Tensor& weight, const Tensor& bias, const Epilogue& epilogue, Isa isa) {
  const Shape& ws = weight.shape();
  if (ws.rank() != 4 || ws[2] != 3 || ws[3] != 3)
    throw Error("winograd conv: weight must be [Cout, Cin, 3, 3], got " + ws.str());
  const WinogradKernels k = winograd_kernels(isa);
  PackedWinograd p;
  p.isa = isa;
  p.out_channels = ws[0];
  p.in_channels = ws[1];
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

void run_winograd(const PackedWinograd& packed, const Tensor& input, Tensor& output) {
  const Shape& s = input.shape();
  check_rank4(input, "winograd conv");
  if (s.c() != packed.in_channels)
    throw Error("winograd conv: input has " + std::to_string(s.c()) + " channels, the weights " +
                std::to_string(packed.in_channels));
  check_shape(output.shape(), Shape{s.n(), packed.out_channels, s.h(), s.w()}, "winograd conv: output");
  const WinogradKernels k = winograd_kernels(packed.isa);
  WinogradRun run;
  run.input = input.data();
  run.in_image_stride = s.c() * s.h() * s.w();
  run.in_plane_stride = s.h() * s.w();
  run.in_row_stride = s.w();
  run.output = output.data();
  run.out_image_stride = packed.out_channels * s.h() * s.w();
  run.out_plane_stride = s.h() * s.w();
  run.out_row_stride = s.w();
  run.height = static_cast<int32_t>(s.h());
  run.width = static_cast<int32_t>(s.w());
  run.in_channels = static_cast<int32_t>(packed.in_channels);
  run.out_channels = static_cast<int32_t>(packed.out_channels);
  run.weights = packed.weights.data();
  run.bias = packed.bias.data();
  run.slopes = packed.slopes.empty() ? nullptr : packed.slopes.data();
  run.act = packed.act;
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

}  // namespace upsample::ops::x86
