#include "ops/x86/conv_chain.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>

#include "ops/x86/parallel.hpp"
#include "ops/x86/winograd.hpp"
#include "tensor/error.hpp"

namespace upsample::ops::x86 {

namespace {

constexpr int64_t kTile = kWinogradTileEdge;
// A layer's 4 new rows read the tile row above them, their own and the one below.
constexpr int64_t kRingRows = 3 * kTile;
// The rings of one thread's strip, all layers together: a strip is as wide as fits this.
constexpr int64_t kRingBytes = int64_t{4} << 20;

// How many tiles (or tile rows) further out than the strip layer l of `count` computes:
// one per layer after it. A Winograd tile mixes its whole 6×6 patch in its rounding, so a
// layer reads only what the layer before it computed: then every value equals what the
// layers one by one compute, and tiled inference stays exact.
int64_t halo_tiles(int64_t count, int64_t l) { return count - 1 - l; }

// One thread's rings and buffers, for strips up to `strip_tiles` tiles wide.
class ChainStrip {
 public:
  ChainStrip(const std::vector<RowPassConv>& layers, const Tensor& input, Tensor& output, int64_t strip_tiles)
      : layers_(layers), input_(input), output_(output), count_(static_cast<int64_t>(layers.size())) {
    int64_t staged = 0, window = 0, scratch = 0, row_length = 0, row_pointers = 0;
    for (const RowPassConv& layer : layers) {
      blocks_.push_back(layer.by_winograd() ? winograd_block(layer.winograd) : WinogradBlock{});
      row_length = std::max<int64_t>(row_length, blocks_.back().row_length);
    }
    // A Winograd layer reads its rows in the ring before it where they are: from a column
    // left of its first, and whole vectors past its last. Rows keep that much room on each
    // side, zeros the layers never write.
    margin_ = row_length;
    for (int64_t l = 0; l < count_; ++l) {
      const RowPassConv& layer = layers[static_cast<size_t>(l)];
      const int64_t width = kTile * (strip_tiles + 2 * halo(l));
      ring_stride_.push_back(width + margin_);
      // A last Winograd layer writes the output directly: it needs no ring.
      const bool ring = l + 1 < count_ || !layer.by_winograd();
      rings_.emplace_back(ring ? static_cast<size_t>(layer.out_channels * kRingRows * (width + margin_) + 2 * margin_) : 0,
                          0.0f);
      if (layer.by_winograd()) {
        const WinogradBlock& block = blocks_[static_cast<size_t>(l)];
        if (l == 0) staged = layer.in_channels * 6 * block.row_length;  // the input's edges
        row_pointers = std::max<int64_t>(row_pointers, layer.in_channels * 6);
        scratch = std::max(scratch, block.scratch_floats);
      } else {
        window = std::max(window, layer.in_channels * (kTile + 2 * layer.pad) * (width + 2 * layer.pad));
      }
    }
    zero_row_.assign(static_cast<size_t>(row_length), 0.0f);
    row_pointers_.resize(static_cast<size_t>(row_pointers));
    staged_.resize(static_cast<size_t>(staged));
    window_.resize(static_cast<size_t>(window));
    scratch_.reset(new float[static_cast<size_t>(std::max<int64_t>(scratch, 1))]);
    direct_out_.resize(static_cast<size_t>(count_));
  }

  // Tile rows [top, bottom) of image n, in the strip of `tiles` tiles from tile column `first`.
  void run(int64_t n, int64_t first, int64_t tiles, int64_t top, int64_t bottom) {
    const int64_t tile_rows = (input_.shape().h() + kTile - 1) / kTile;
    std::vector<int64_t> start(static_cast<size_t>(count_)), end(static_cast<size_t>(count_));
    int64_t last_step = 0;
    for (int64_t l = 0; l < count_; ++l) {
      start[static_cast<size_t>(l)] = std::max<int64_t>(0, top - halo(l));
      end[static_cast<size_t>(l)] = std::min(tile_rows, bottom + halo(l));
      last_step = std::max(last_step, end[static_cast<size_t>(l)] - 1 + l);
    }
    // Step t: layer l makes tile row t − l, after layer l − 1 has made the row below it.
    for (int64_t t = start[0]; t <= last_step; ++t)
      for (int64_t l = 0; l < count_; ++l) {
        const int64_t u = t - l;
        if (u >= start[static_cast<size_t>(l)] && u < end[static_cast<size_t>(l)]) layer_rows(l, n, first, tiles, u);
      }
  }

 private:
  int64_t halo(int64_t l) const { return halo_tiles(count_, l); }
  // Image column of the first one layer l computes for the strip from tile `first`.
  int64_t first_column(int64_t l, int64_t first) const { return kTile * (first - halo(l)); }
  // Layer l's row y of channel c in its ring, from its first column.
  float* ring_row(int64_t l, int64_t c, int64_t y) {
    const int64_t row = y / kTile % 3 * kTile + y % kTile;
    return rings_[static_cast<size_t>(l)].data() + margin_ + (c * kRingRows + row) * ring_stride_[static_cast<size_t>(l)];
  }

  // Layer l's input at image row y, columns [x, x + length), into dst: zeros outside the
  // image and outside what the layer before computed (its convs pad with zeros).
  void source_row(int64_t l, int64_t n, int64_t first, int64_t tiles, int64_t c, int64_t y, int64_t x, int64_t length,
                  float* dst) {
    const Shape& s = input_.shape();
    const float* src = nullptr;
    int64_t lo = 0, hi = s.w(), origin = 0;  // valid columns, and the image column of src[0]
    if (y >= 0 && y < s.h()) {
      if (l == 0) {
        src = input_.row(n, c, y);
      } else {
        origin = first_column(l - 1, first);
        src = ring_row(l - 1, c, y);
        lo = std::max<int64_t>(0, origin);
        hi = std::min(s.w(), origin + kTile * (tiles + 2 * halo(l - 1)));
      }
    }
    const int64_t a = src == nullptr ? length : std::clamp<int64_t>(lo - x, 0, length);
    const int64_t b = src == nullptr ? length : std::clamp<int64_t>(hi - x, a, length);
    std::fill_n(dst, a, 0.0f);
    if (b > a) std::copy(src + (x + a - origin), src + (x + b - origin), dst + a);
    std::fill(dst + b, dst + length, 0.0f);
  }

  // Layer l's tile row u, over its columns of the strip, into its ring (and the output
  // for the last layer).
  void layer_rows(int64_t l, int64_t n, int64_t first, int64_t tiles, int64_t u) {
    const RowPassConv& layer = layers_[static_cast<size_t>(l)];
    const int64_t x0 = first_column(l, first), width = kTile * (tiles + 2 * halo(l));
    const int64_t stride = ring_stride_[static_cast<size_t>(l)], cin = layer.in_channels;
    float* out = ring_row(l, 0, kTile * u);
    const Shape& s = input_.shape();
    const bool last = l + 1 == count_;
    if (layer.by_winograd()) {
      const WinogradBlock& block = blocks_[static_cast<size_t>(l)];
      const int64_t block_width = kTile * block.tiles, origin = l > 0 ? first_column(l - 1, first) : 0;
      // The last layer computes the strip's own columns only: into the output directly.
      const int64_t out_plane = last ? s.h() * s.w() : kRingRows * stride, out_row = last ? s.w() : stride;
      const int rows = static_cast<int>(last ? std::min(kTile, s.h() - kTile * u) : kTile);
      for (int64_t bx = x0; bx < x0 + width; bx += block_width) {
        const int64_t end = last ? std::min(x0 + width, s.w()) : x0 + width;
        const int block_columns = static_cast<int>(std::min(block_width, end - bx));
        float* block_out = last ? output_.row(n, 0, kTile * u) + bx : out + (bx - x0);
        for (int64_t c = 0; c < cin; ++c)
          for (int64_t i = 0; i < 6; ++i) {
            const int64_t y = kTile * u - 1 + i;
            const float** row = &row_pointers_[static_cast<size_t>(c * 6 + i)];
            if (y < 0 || y >= s.h()) *row = zero_row_.data();
            else if (l > 0) *row = ring_row(l - 1, c, y) + (bx - 1 - origin);
            else if (bx >= 1 && bx - 1 + block.row_length <= s.w()) *row = input_.row(n, c, y) + (bx - 1);
            else {  // the input's edges: staged with the zeros beyond them
              float* staged = staged_.data() + (c * 6 + i) * block.row_length;
              source_row(l, n, first, tiles, c, y, bx - 1, block.row_length, staged);
              *row = staged;
            }
          }
        run_winograd_block(layer.winograd, row_pointers_.data(), block_out, out_plane, out_row, block_columns, rows,
                           scratch_.get());
      }
      if (last) return;
    } else {
      const int64_t pad = layer.pad, rows = kTile + 2 * pad, columns = width + 2 * pad;
      for (int64_t c = 0; c < cin; ++c)
        for (int64_t i = 0; i < rows; ++i)
          source_row(l, n, first, tiles, c, kTile * u - pad + i, x0 - pad, columns,
                     window_.data() + (c * rows + i) * columns);
      const Planes planes = window_planes(window_.data(), cin, rows, columns);
      Tensor& result = direct_out_[static_cast<size_t>(l)];
      const Shape shape{1, layer.out_channels, kTile, width};
      if (result.shape() != shape) result = Tensor::uninitialized(shape);
      run_packed(layer.direct_valid, planes, result);
      for (int64_t c = 0; c < layer.out_channels; ++c)
        for (int64_t r = 0; r < kTile; ++r) std::copy_n(result.row(0, c, r), width, ring_row(l, c, kTile * u + r));
    }
    if (!last) {
      // A Winograd layer after this one reads these rows where they are: columns outside
      // the image must be zeros.
      const int64_t left = std::clamp<int64_t>(-x0, 0, width), right = std::clamp<int64_t>(s.w() - x0, left, width);
      if (left > 0 || right < width)
        for (int64_t c = 0; c < layer.out_channels; ++c)
          for (int64_t r = 0; r < kTile; ++r) {
            float* row = ring_row(l, c, kTile * u + r);
            std::fill_n(row, left, 0.0f);
            std::fill(row + right, row + width, 0.0f);
          }
      return;
    }
    const int64_t x_first = kTile * first, x_end = std::min(s.w(), kTile * (first + tiles));
    for (int64_t c = 0; c < layer.out_channels; ++c)
      for (int64_t y = kTile * u; y < std::min(kTile * (u + 1), s.h()); ++y)
        std::copy(ring_row(l, c, y) + (x_first - x0), ring_row(l, c, y) + (x_end - x0), output_.row(n, c, y) + x_first);
  }

  const std::vector<RowPassConv>& layers_;
  const Tensor& input_;
  Tensor& output_;
  int64_t count_;
  std::vector<WinogradBlock> blocks_;  // per Winograd layer: its kernels' block shape
  std::vector<int64_t> ring_stride_;
  std::vector<std::vector<float>> rings_;  // per layer: [Cout][3 tile rows][margin, columns]
  int64_t margin_ = 0;
  std::vector<float> staged_, window_, zero_row_;
  std::vector<const float*> row_pointers_;
  std::unique_ptr<float[]> scratch_;
  std::vector<Tensor> direct_out_;
};

}  // namespace

void run_conv_chain(const std::vector<RowPassConv>& layers, const Tensor& input, Tensor& output,
                    int64_t strip_tiles_at_most) {
  check_rank4(input, "conv chain");
  const Shape& s = input.shape();
  if (layers.empty()) throw Error("conv chain: no layers");
  int64_t channels = s.c();
  double work = 0, ring_bytes_per_tile = 0;
  for (const RowPassConv& layer : layers) {
    const bool fits = layer.shuffle == 1 && layer.pad >= 0 && layer.pad <= kTile && (!layer.by_winograd() || layer.pad == 1);
    if (layer.in_channels != channels || !fits)
      throw Error("conv chain: a layer with " + std::to_string(layer.in_channels) + " input channels and padding " +
                  std::to_string(layer.pad) + " does not follow " + std::to_string(channels) + " channels");
    channels = layer.out_channels;
    work += static_cast<double>(s.numel()) / static_cast<double>(s.c()) * static_cast<double>(layer.in_channels) *
            static_cast<double>(layer.out_channels) * static_cast<double>((2 * layer.pad + 1) * (2 * layer.pad + 1));
    ring_bytes_per_tile += static_cast<double>(layer.out_channels * kRingRows * kTile) * sizeof(float);
  }
  check_shape(output.shape(), Shape{s.n(), channels, s.h(), s.w()}, "conv chain: output");
  const int64_t tile_rows = (s.h() + kTile - 1) / kTile, tile_columns = (s.w() + kTile - 1) / kTile;
  // Strips as wide as the ring budget allows. Winograd computes whole vectors of tiles, so
  // the first layer's columns (the strip and its halo) are made a whole number of them.
  int64_t vector_tiles = 1;
  for (const RowPassConv& layer : layers)
    if (layer.by_winograd()) vector_tiles = winograd_block(layer.winograd).vector_tiles;
  const int64_t halo = halo_tiles(static_cast<int64_t>(layers.size()), 0);
  int64_t strip_tiles = strip_tiles_at_most;
  if (strip_tiles <= 0) {
    const int64_t budget = static_cast<int64_t>(kRingBytes / ring_bytes_per_tile);
    const int64_t vectors = std::max<int64_t>(1, (budget + 2 * halo) / vector_tiles);
    strip_tiles = std::max(vector_tiles * vectors - 2 * halo, 4 * halo + 1);
  }
  strip_tiles = std::min(strip_tiles, tile_columns);
  const int64_t strips = (tile_columns + strip_tiles - 1) / strip_tiles;
  const int64_t columns = s.n() * strips;
  // Segments down the image give every thread work; each recomputes the tile rows above
  // it that its layers' halos reach.
  const int64_t segments = std::min<int64_t>(tile_rows, (4 * omp_get_max_threads() + columns - 1) / columns);
  const int64_t items = columns * segments;
  std::atomic<int64_t> next_item{0};
  for_each_thread_range(
      std::min<int64_t>(items, omp_get_max_threads()),
      [&](int64_t, int64_t, int) {
        ChainStrip strip(layers, input, output, strip_tiles);
        for (int64_t item = next_item++; item < items; item = next_item++) {
          const int64_t column = item / segments, segment = item % segments;
          const int64_t first = column % strips * strip_tiles;
          strip.run(column / strips, first, std::min(strip_tiles, tile_columns - first), tile_rows * segment / segments,
                    tile_rows * (segment + 1) / segments);
        }
      },
      work);
}

}  // namespace upsample::ops::x86
