#include "ops/x86/winograd_conv.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <vector>

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
  void (*row_pointers)(const WinogradRun&, const float* const*, float*);
};

WinogradKernels winograd_kernels(Isa isa) {
  if (isa == Isa::Avx512)
    return {&avx512::winograd_slots,          &avx512::winograd_block_tiles, &avx512::winograd_row_length,
            &avx512::winograd_scratch_floats, &avx512::winograd_rows,        &avx512::winograd_staged,
            &avx512::winograd_row_pointers};
  if (isa == Isa::Avx2)
    return {&avx2::winograd_slots,          &avx2::winograd_block_tiles, &avx2::winograd_row_length,
            &avx2::winograd_scratch_floats, &avx2::winograd_rows,        &avx2::winograd_staged,
            &avx2::winograd_row_pointers};
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
      p.slopes[c] = epilogue.slope(static_cast<int64_t>(c));
  }
  return p;
}

RowPassConv pack_row_pass_conv(const Tensor& weight, const Tensor& bias, bool by_winograd, const Epilogue& epilogue,
                               Isa isa, int shuffle) {
  const Shape& w = weight.shape();
  RowPassConv conv;
  conv.pad = static_cast<int>(w[2] / 2);
  conv.shuffle = shuffle;
  conv.in_channels = w[1];
  conv.out_channels = w[0];
  if (by_winograd) conv.winograd = pack_winograd(weight, bias, epilogue, isa, shuffle);
  else conv.direct_valid = pack_conv(weight, bias, ConvGeometry{}, epilogue, isa);
  return conv;
}

namespace {

// The run of `packed` with no tensors yet: weights, channels, epilogue and shuffle.
WinogradRun weights_run(const PackedWinograd& packed) {
  WinogradRun run;
  run.shuffle = static_cast<int32_t>(packed.shuffle);
  run.in_channels = static_cast<int32_t>(packed.in_channels);
  run.out_channels = static_cast<int32_t>(packed.out_channels);
  run.weights = packed.weights.data();
  run.bias = packed.bias.data();
  run.slopes = packed.slopes.empty() ? nullptr : packed.slopes.data();
  run.act = packed.act;
  return run;
}

// The run of `packed` from input [N, Cin, H, W] (data unused when staged) into `output`.
WinogradRun winograd_run(const PackedWinograd& packed, const Shape& s, const float* input, Tensor& output) {
  const int64_t r = packed.shuffle;
  check_shape(output.shape(), Shape{s.n(), packed.out_channels / (r * r), s.h() * r, s.w() * r},
              "winograd conv: output");
  WinogradRun run = weights_run(packed);
  run.input = input;
  run.in_image_stride = s.c() * s.h() * s.w();
  run.in_plane_stride = s.h() * s.w();
  run.in_row_stride = s.w();
  run.output = output.data();
  run.out_image_stride = packed.out_channels * s.h() * s.w();
  run.out_plane_stride = s.h() * s.w() * r * r;
  run.out_row_stride = s.w() * r;
  run.height = static_cast<int32_t>(s.h());
  run.width = static_cast<int32_t>(s.w());
  return run;
}

// The run of `packed` that writes the first `rows` rows and `width` columns of one block
// at `output` (plane and row strides of where it writes); the caller passes image 0, tile
// row 0 and first tile 0.
WinogradRun block_output(const PackedWinograd& packed, float* output, int64_t plane_stride, int64_t row_stride,
                         int width, int rows) {
  WinogradRun run = weights_run(packed);
  run.output = output;
  run.out_row_stride = row_stride;
  run.out_plane_stride = plane_stride;
  run.height = rows;
  run.width = width;
  return run;
}

}  // namespace

WinogradBlock winograd_block(const PackedWinograd& packed) {
  const WinogradKernels k = winograd_kernels(packed.isa);
  return {k.block_tiles(), k.block_tiles() / kWinogradVectorsPerBlock, k.row_length(),
          k.scratch_floats(static_cast<int>(packed.in_channels), static_cast<int>(packed.out_channels))};
}

void run_winograd_block(const PackedWinograd& packed, const float* staged, float* output, int64_t plane_stride,
                        int64_t row_stride, int width, int rows, float* scratch) {
  winograd_kernels(packed.isa).staged(block_output(packed, output, plane_stride, row_stride, width, rows), staged, 0,
                                      0, 0, scratch);
}

void run_winograd_block(const PackedWinograd& packed, const float* const* input_rows, float* output,
                        int64_t plane_stride, int64_t row_stride, int width, int rows, float* scratch) {
  winograd_kernels(packed.isa).row_pointers(block_output(packed, output, plane_stride, row_stride, width, rows),
                                            input_rows, scratch);
}

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

namespace {

// One thread's buffers and steps for run_conv_into_winograd: down a column of blocks, the
// first conv's rows into the Winograd staging rows, the Winograd conv, and with a tail its
// rows into the tail's window and the tail's rows into the output.
class PairColumn {
 public:
  PairColumn(const PackedConv& first_valid, int pad_h, int pad_w, const PackedWinograd& second,
             const RowPassConv* tail, const Tensor& input, Tensor& output, int64_t step)
      : first_(first_valid), pad_h_(pad_h), pad_w_(pad_w), second_(second), tail_(tail), input_(input),
        output_(output), k_(winograd_kernels(second.isa)), step_(step) {
    const Shape& s = input.shape();
    const int64_t mid = second.in_channels, row_length = k_.row_length();
    block_width_ = kWinogradTileEdge * k_.block_tiles();
    int64_t scratch = k_.scratch_floats(static_cast<int>(mid), static_cast<int>(second.out_channels));
    staged_.resize(static_cast<size_t>(mid * 6 * row_length));
    for (int i = 0; i < 2; ++i) {
      const int64_t fresh = i == 0 ? 6 : 4;
      window_[i] = Tensor::uninitialized(Shape{1, s.c(), fresh + 2 * pad_h, row_length + 2 * pad_w});
      rows_out_[i] = Tensor::uninitialized(Shape{1, mid, fresh, row_length});
    }
    if (tail != nullptr) {
      const int64_t r = tail->shuffle, c2 = second.out_channels;
      second_rows_.resize(static_cast<size_t>(c2 * kWinogradTileEdge * block_width_));
      second_run_ = block_output(second, second_rows_.data(), kWinogradTileEdge * block_width_, block_width_,
                                 static_cast<int>(block_width_), kWinogradTileEdge);
      window_rows_ = kWinogradTileEdge + 2 * tail->pad;
      // The tail's window starts `pad` columns left of the block's first owned column: a
      // Winograd tail reads it as its staging rows (pad 1), a direct one as a valid conv.
      int64_t tail_out_width = kWinogradTileEdge * step;
      window_width_ = tail_out_width + 2 * tail->pad;
      if (tail->by_winograd()) {
        window_width_ = row_length;
        tail_out_width = block_width_;
        scratch = std::max(scratch, k_.scratch_floats(static_cast<int>(c2), static_cast<int>(tail->out_channels)));
      }
      tail_window_.resize(static_cast<size_t>(c2 * window_rows_ * window_width_));
      tail_out_ = Tensor::uninitialized(Shape{1, tail->out_channels / (r * r), kWinogradTileEdge * r, tail_out_width * r});
      if (tail->by_winograd())
        tail_run_ = block_output(tail->winograd, tail_out_.data(), kWinogradTileEdge * r * block_width_ * r,
                                 block_width_ * r, static_cast<int>(block_width_), kWinogradTileEdge);
    } else {
      second_run_ = winograd_run(second, s, nullptr, output);
    }
    scratch_.reset(new float[static_cast<size_t>(scratch)]);
  }

  // Tile rows [top, bottom) of image n, in the block column whose first tile (its halo,
  // with a tail) is `first_tile`.
  void run(int64_t n, int first_tile, int64_t top, int64_t bottom) {
    const Shape& s = input_.shape();
    const int64_t tile_rows = (s.h() + kWinogradTileEdge - 1) / kWinogradTileEdge;
    // A tail needs the 2·pad rows above its first tile row (the tile rows before it), and
    // the image's last rows of it one step past the last tile row (zeros below).
    const int64_t history = tail_ != nullptr ? (2 * tail_->pad + kWinogradTileEdge - 1) / kWinogradTileEdge : 0;
    const int64_t start = std::max<int64_t>(0, top - history);
    const int64_t end = tail_ != nullptr && bottom == tile_rows ? tile_rows + 1 : bottom;
    std::fill(tail_window_.begin(), tail_window_.end(), 0.0f);
    for (int64_t tile_row = start; tile_row < end; ++tile_row) {
      const bool in_image = tile_row < tile_rows;
      if (in_image) second_rows_for(n, first_tile, tile_row, tile_row == start);
      if (tail_ == nullptr) continue;
      window_rows_for(first_tile, tile_row, in_image);
      if (tile_row >= top) tail_rows_for(n, first_tile, tile_row);
    }
  }

 private:
  // The first conv's rows into the staging rows (6 new at a segment's top, else 4 with
  // 2 kept), then the Winograd conv of tile row `tile_row`.
  void second_rows_for(int64_t n, int first_tile, int64_t tile_row, bool segment_top) {
    const Shape& s = input_.shape();
    const int64_t mid = second_.in_channels, row_length = k_.row_length();
    const int64_t x_first = kWinogradTileEdge * int64_t{first_tile} - 1;
    const int i = segment_top ? 0 : 1;
    const int64_t fresh = i == 0 ? 6 : 4, kept = 6 - fresh;
    const int64_t y_first = kWinogradTileEdge * tile_row - 1 + kept;  // first new patch row
    for (int64_t c = 0; c < mid; ++c) {
      float* rows = staged_.data() + c * 6 * row_length;
      std::copy_n(rows + (6 - kept) * row_length, kept * row_length, rows);
    }
    Tensor& win = window_[i];
    const int64_t win_w = win.shape().w();
    for (int64_t c = 0; c < s.c(); ++c)
      for (int64_t r = 0; r < win.shape().h(); ++r) {
        float* dst = win.row(0, c, r);
        const int64_t y = y_first - pad_h_ + r, x0 = x_first - pad_w_;
        if (y < 0 || y >= s.h()) {
          std::fill_n(dst, win_w, 0.0f);
          continue;
        }
        const float* src = input_.row(n, c, y);
        for (int64_t x = 0; x < win_w; ++x) dst[x] = x0 + x >= 0 && x0 + x < s.w() ? src[x0 + x] : 0.0f;
      }
    run_packed(first_, win, rows_out_[i]);
    // The Winograd conv pads the first conv's output with zeros, not with what the first
    // conv computes outside the image.
    const int64_t x_lo = std::max<int64_t>(0, -x_first), x_hi = std::clamp<int64_t>(s.w() - x_first, 0, row_length);
    for (int64_t c = 0; c < mid; ++c)
      for (int64_t r = 0; r < fresh; ++r) {
        float* dst = staged_.data() + (c * 6 + kept + r) * row_length;
        const int64_t y = y_first + r;
        if (y < 0 || y >= s.h()) {
          std::fill_n(dst, row_length, 0.0f);
          continue;
        }
        const float* src = rows_out_[i].row(0, c, r);
        std::fill_n(dst, x_lo, 0.0f);
        std::copy(src + x_lo, src + x_hi, dst + x_lo);
        std::fill(dst + x_hi, dst + row_length, 0.0f);
      }
    if (tail_ != nullptr) {
      // The block's rows as far as the image goes: the kernels skip tiles past it.
      second_run_.width = static_cast<int32_t>(std::min(block_width_, s.w() - kWinogradTileEdge * int64_t{first_tile}));
      k_.staged(second_run_, staged_.data(), 0, 0, 0, scratch_.get());
    } else {
      k_.staged(second_run_, staged_.data(), n, static_cast<int>(tile_row), first_tile, scratch_.get());
    }
  }

  // The tail's window moves down one tile row: its 2·pad rows above are kept, the 4 new
  // ones come from the Winograd conv's rows (zeros outside the image, where the tail pads).
  void window_rows_for(int first_tile, int64_t tile_row, bool in_image) {
    const Shape& s = input_.shape();
    const int64_t keep = 2 * tail_->pad, c2 = second_.out_channels;
    const int64_t x_window = kWinogradTileEdge * (int64_t{first_tile} + 1) - tail_->pad;  // column 0's x
    const int64_t from_block = x_window - kWinogradTileEdge * int64_t{first_tile};      // its column in a block row
    const int64_t j_lo = std::max<int64_t>(0, -x_window);
    const int64_t j_hi = std::max(j_lo, std::min({window_width_, s.w() - x_window, block_width_ - from_block}));
    for (int64_t c = 0; c < c2; ++c) {
      float* window = tail_window_.data() + c * window_rows_ * window_width_;
      std::copy_n(window + kWinogradTileEdge * window_width_, keep * window_width_, window);
      for (int64_t r = 0; r < kWinogradTileEdge; ++r) {
        float* dst = window + (keep + r) * window_width_;
        if (!in_image || kWinogradTileEdge * tile_row + r >= s.h()) {
          std::fill_n(dst, window_width_, 0.0f);
          continue;
        }
        const float* src = second_rows_.data() + (c * kWinogradTileEdge + r) * block_width_ + from_block;
        std::fill_n(dst, j_lo, 0.0f);
        std::copy(src + j_lo, src + j_hi, dst + j_lo);
        std::fill(dst + j_hi, dst + window_width_, 0.0f);
      }
    }
  }

  // The tail over its window: output rows [4·tile_row − pad, + 4) of the block's own
  // columns, written (through the shuffle) into the output.
  void tail_rows_for(int64_t n, int first_tile, int64_t tile_row) {
    const Shape& s = input_.shape();
    const int64_t r = tail_->shuffle, pad = tail_->pad;
    const int64_t x_own = kWinogradTileEdge * (int64_t{first_tile} + 1);
    if (tail_->by_winograd()) {
      tail_run_.width = static_cast<int32_t>(std::min(block_width_, s.w() - x_own));
      k_.staged(tail_run_, tail_window_.data(), 0, 0, 0, scratch_.get());
    } else {
      run_packed(tail_->direct_valid, window_planes(tail_window_.data(), second_.out_channels, window_rows_, window_width_),
                 tail_out_, static_cast<int>(r));
    }
    const int64_t y_top = kWinogradTileEdge * tile_row - pad;  // the window result's row 0
    const int64_t y_lo = std::max<int64_t>(y_top, 0), y_hi = std::min<int64_t>(y_top + kWinogradTileEdge, s.h());
    const int64_t columns = (std::min<int64_t>(x_own + kWinogradTileEdge * step_, s.w()) - x_own) * r;
    for (int64_t plane = 0; plane < output_.shape().c(); ++plane)
      for (int64_t y = y_lo; y < y_hi; ++y)
        for (int64_t phase = 0; phase < r; ++phase)
          std::copy_n(tail_out_.row(0, plane, (y - y_top) * r + phase), columns,
                      output_.row(n, plane, y * r + phase) + x_own * r);
  }

  const PackedConv& first_;
  int pad_h_, pad_w_;
  const PackedWinograd& second_;
  const RowPassConv* tail_;
  const Tensor& input_;
  Tensor& output_;
  WinogradKernels k_;
  int64_t step_, block_width_ = 0;
  std::unique_ptr<float[]> scratch_;
  std::vector<float> staged_;
  // The first conv's window and output for 6 new patch rows (a segment's top) or 4.
  Tensor window_[2], rows_out_[2];
  WinogradRun second_run_, tail_run_;
  std::vector<float> second_rows_;   // with a tail: the Winograd conv's 4 rows of the block
  std::vector<float> tail_window_;   // [C][4 + 2·pad][window_width_]
  int64_t window_rows_ = 0, window_width_ = 0;
  Tensor tail_out_;
};

}  // namespace

void run_conv_into_winograd(const PackedConv& first_valid, int pad_h, int pad_w, const PackedWinograd& second,
                            const Tensor& input, Tensor& output, const RowPassConv* tail) {
  check_rank4(input, "conv into winograd");
  const Shape& s = input.shape();
  if (s.c() != first_valid.in_channels || first_valid.out_channels != second.in_channels)
    throw Error("conv into winograd: channels " + std::to_string(s.c()) + " → " +
                std::to_string(first_valid.in_channels) + "→" + std::to_string(first_valid.out_channels) + " → " +
                std::to_string(second.in_channels) + " do not chain");
  const WinogradKernels k = winograd_kernels(second.isa);
  const int64_t block_tiles = k.block_tiles();
  const int64_t tile_rows = (s.h() + 3) / 4, tile_columns = (s.w() + 3) / 4;
  double work = static_cast<double>(s.n() * s.h() * s.w()) *
                (static_cast<double>(first_valid.in_channels * second.in_channels * first_valid.kernel_h * first_valid.kernel_w) +
                 9.0 * static_cast<double>(second.in_channels * second.out_channels));
  if (tail != nullptr) {
    const int64_t r = tail->shuffle;
    const bool chains = tail->in_channels == second.out_channels &&
                        (tail->by_winograd() ? tail->pad == 1 && tail->winograd.shuffle == r && tail->winograd.isa == second.isa
                                             : tail->pad >= 0 && tail->pad <= kWinogradTileEdge);
    if (!chains || second.shuffle != 1 || r < 1 || tail->out_channels % (r * r) != 0)
      throw Error("conv into winograd: the tail conv does not follow the Winograd conv's " +
                  std::to_string(second.out_channels) + " channels");
    check_shape(output.shape(), Shape{s.n(), tail->out_channels / (r * r), s.h() * r, s.w() * r},
                "conv into winograd: output");
    work += static_cast<double>(s.n() * s.h() * s.w()) * static_cast<double>(second.out_channels * tail->out_channels) *
            static_cast<double>((2 * tail->pad + 1) * (2 * tail->pad + 1));
  } else {
    const int64_t r = second.shuffle;
    check_shape(output.shape(), Shape{s.n(), second.out_channels / (r * r), s.h() * r, s.w() * r},
                "conv into winograd: output");
  }
  // With a tail, a block's first and last tiles are the halo its tail reads: it owns the
  // tiles between, and its first tile is the last one the block before it owns.
  const int64_t step = tail != nullptr ? block_tiles - 2 : block_tiles;
  const int64_t blocks = (tile_columns + step - 1) / step;
  // Columns of blocks, each cut into segments down the image so every thread has work; a
  // segment recomputes only the two shared patch rows at its top (with a tail, the tile
  // rows above that its halo needs: more segments, so the threads' shares differ little).
  const int64_t columns = s.n() * blocks;
  const int64_t spread = (tail != nullptr ? 8 : 4) * omp_get_max_threads();
  const int64_t segments = std::min<int64_t>(tile_rows, (spread + columns - 1) / columns);
  // Threads take the next item as they finish one: the last column of blocks may be
  // narrow, and with a tail every item starts afresh anyway.
  const int64_t items = columns * segments;
  std::atomic<int64_t> next_item{0};
  for_each_thread_range(
      std::min<int64_t>(items, omp_get_max_threads()),
      [&](int64_t, int64_t, int) {
        PairColumn worker(first_valid, pad_h, pad_w, second, tail, input, output, step);
        for (int64_t item = next_item++; item < items; item = next_item++) {
          const int64_t column = item / segments, segment = item % segments;
          const int64_t first_tile = column % blocks * step - (tail != nullptr ? 1 : 0);
          worker.run(column / blocks, static_cast<int>(first_tile), tile_rows * segment / segments,
                     tile_rows * (segment + 1) / segments);
        }
      },
      work);
}

}  // namespace upsample::ops::x86
