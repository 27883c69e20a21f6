// Kernels of winograd.hpp, written once over the `Vec` (vec_avx2.hpp or vec_avx512.hpp)
// that the including file (winograd_<isa>.cpp) puts in its ISA namespace, after
// vec_maths.inl, with `kWinogradSlots` (output channels per block, R) and
// `kWinogradVectors` (tile vectors per block, NV): R·NV accumulators fill the registers.
//
// The transforms are vectorised across tiles: lane t of a vector belongs to tile t of the
// block, and deinterleave4/interleave4 move between that and the image's rows.

namespace {

constexpr int kBlockTiles = L * kWinogradVectors;
// Staged input row, from the column left of the block's first tile: 4 columns per tile,
// and 4 more, which the deinterleave of each patch's columns 4 and 5 reads.
constexpr int kRowLength = 4 * kBlockTiles + 4;

int64_t padded_out_channels(int out_channels) {
  return (out_channels + kWinogradSlots - 1) / kWinogradSlots * kWinogradSlots;
}

// Floats from one position's U (or M) to the next: the channels' tiles and one cache line
// more. Without it the stride is often a multiple of 4 KB, and the 36 stores of one
// transform all fall in one L1 set, evicting each other.
int64_t position_stride(int channels) { return int64_t{channels} * kBlockTiles + 16; }

// x ← Bᵀ x on a 6-vector of tiles.
inline void input_transform(const V (&d)[6], V (&t)[6]) {
  const V four = Vec::set1(4.0f), minus_four = Vec::set1(-4.0f), minus_five = Vec::set1(-5.0f);
  const V two = Vec::set1(2.0f), minus_two = Vec::set1(-2.0f);
  t[0] = Vec::fma(four, d[0], Vec::fma(minus_five, d[2], d[4]));
  t[1] = Vec::fma(minus_four, Vec::add(d[1], d[2]), Vec::add(d[3], d[4]));
  t[2] = Vec::fma(four, Vec::sub(d[1], d[2]), Vec::sub(d[4], d[3]));
  const V d31 = Vec::sub(d[3], d[1]), d42 = Vec::sub(d[4], d[2]);
  t[3] = Vec::fma(two, d31, d42);
  t[4] = Vec::fma(minus_two, d31, d42);
  t[5] = Vec::fma(four, d[1], Vec::fma(minus_five, d[3], d[5]));
}

// o ← Aᵀ m: the 4 outputs of a 6-vector.
inline void output_transform(const V (&m)[6], V (&o)[4]) {
  const V s12 = Vec::add(m[1], m[2]), d12 = Vec::sub(m[1], m[2]);
  const V s34 = Vec::add(m[3], m[4]), d34 = Vec::sub(m[3], m[4]);
  o[0] = Vec::add(Vec::add(m[0], s12), s34);
  o[1] = Vec::fma(Vec::set1(2.0f), d34, d12);
  o[2] = Vec::fma(Vec::set1(4.0f), s34, s12);
  o[3] = Vec::add(Vec::fma(Vec::set1(8.0f), d34, d12), m[5]);
}

// Copies input row y, columns [x_first, x_first + kRowLength), into `row`, zeros outside.
void stage_row(const WinogradRun& run, const float* plane, int y, int x_first, float* row) {
  if (y < 0 || y >= run.height) {
    for (int i = 0; i < kRowLength; ++i) row[i] = 0.0f;
    return;
  }
  const float* src = plane + int64_t{y} * run.in_row_stride;
  const int lo = x_first < 0 ? 0 : x_first;
  const int hi = x_first + kRowLength < run.width ? x_first + kRowLength : run.width;
  int i = 0;
  for (; i < lo - x_first; ++i) row[i] = 0.0f;
  for (int x = lo; x < hi; ++x, ++i) row[i] = src[x];
  for (; i < kRowLength; ++i) row[i] = 0.0f;
}

// Step 1 for one input channel, whose 6 patch rows start at `rows` (from the column left
// of the block's first tile, kRowLength floats each): U[·][c][·].
void transform_channel(const float* const* rows, int c, int cin, int vectors, float* u) {
  for (int v = 0; v < vectors; ++v) {
    V t[6][6];  // Bᵀ along each patch row: t[i][l]
    for (int i = 0; i < 6; ++i) {
      const float* r = rows[i] + 4 * L * v;
      V phase[4], shifted[4];
      Vec::deinterleave4(r, phase);
      Vec::deinterleave4(r + 4, shifted);  // columns 4 and 5 of each patch
      const V d[6] = {phase[0], phase[1], phase[2], phase[3], shifted[0], shifted[1]};
      input_transform(d, t[i]);
    }
    for (int l = 0; l < 6; ++l) {
      const V column[6] = {t[0][l], t[1][l], t[2][l], t[3][l], t[4][l], t[5][l]};
      V k6[6];
      input_transform(column, k6);
      for (int k = 0; k < 6; ++k)
        Vec::store(u + (int64_t{k} * 6 + l) * position_stride(cin) + int64_t{c} * kBlockTiles + v * L, k6[k]);
    }
  }
}

// The 6 patch rows of one channel staged kRowLength apart.
void staged_rows(const float* staged, const float* (&rows)[6]) {
  for (int i = 0; i < 6; ++i) rows[i] = staged + i * kRowLength;
}

// Step 1 for the block of tiles starting at tile column `first_tile` of tile row `tile_row`.
void transform_inputs(const WinogradRun& run, const float* image, int tile_row, int first_tile, int vectors,
                      float* rows, float* u) {
  for (int c = 0; c < run.in_channels; ++c) {
    const float* plane = image + c * run.in_plane_stride;
    for (int i = 0; i < 6; ++i) stage_row(run, plane, 4 * tile_row - 1 + i, 4 * first_tile - 1, rows + i * kRowLength);
    const float* patch_rows[6];
    staged_rows(rows, patch_rows);
    transform_channel(patch_rows, c, run.in_channels, vectors, u);
  }
}

// Step 2 for the R output channels of weight block `cb`, NV tile vectors, every position:
// M [36][R][tiles], a position_stride(R) apart.
template <int NV>
void multiply(const float* u, const float* weights, float* m, int cin, int64_t blocks, int64_t cb) {
  constexpr int R = kWinogradSlots;
  for (int pos = 0; pos < kWinogradPositions; ++pos) {
    const float* up = u + pos * position_stride(cin);
    const float* w = weights + (pos * blocks + cb) * cin * R;
    V acc[R][NV];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < NV; ++v) acc[r][v] = Vec::zero();
    for (int c = 0; c < cin; ++c, w += R) {
      V in[NV];
      for (int v = 0; v < NV; ++v) {
        in[v] = Vec::load(up + int64_t{c} * kBlockTiles + v * L);
        in_register(in[v]);
      }
      for (int r = 0; r < R; ++r) {
        const V wr = Vec::set1(w[r]);
        for (int v = 0; v < NV; ++v) acc[r][v] = Vec::fma(wr, in[v], acc[r][v]);
      }
    }
    float* mp = m + pos * position_stride(R);
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < NV; ++v) Vec::store(mp + int64_t{r} * kBlockTiles + v * L, acc[r][v]);
  }
}

// Step 2 for the block's first `vectors` tile vectors: a block cut short by the image's
// right edge skips the tiles past it.
void multiply_vectors(const float* u, const float* weights, float* m, int cin, int64_t blocks, int64_t cb,
                      int vectors) {
  static_assert(kWinogradVectors <= 3, "multiply_vectors dispatches up to 3 tile vectors");
  if (vectors >= kWinogradVectors) multiply<kWinogradVectors>(u, weights, m, cin, blocks, cb);
  else if (vectors == 2) multiply<2>(u, weights, m, cin, blocks, cb);
  else multiply<1>(u, weights, m, cin, blocks, cb);
}

// The tile vectors of a block from tile `first_tile` that hold a column of the image.
int block_vectors(const WinogradRun& run, int first_tile) {
  const int tiles = (run.width + 3) / 4 - first_tile;
  const int vectors = (tiles + L - 1) / L;
  return vectors < 1 ? 1 : vectors > kWinogradVectors ? kWinogradVectors : vectors;
}

// Step 3: the block's 4×4 tiles of the output channels of weight block `cb`, from its M,
// written through the epilogue (and the pixel shuffle).
void transform_outputs(const WinogradRun& run, const float* m, float* out_image, int tile_row, int first_tile,
                       int64_t cb) {
  const int shuffle = run.shuffle;
  const int first_channel = static_cast<int>(cb) * kWinogradSlots;
  const int end_channel = first_channel + kWinogradSlots < run.out_channels ? first_channel + kWinogradSlots : run.out_channels;
  for (int co = first_channel; co < end_channel; ++co) {
    const V bias = Vec::set1(run.bias[co]);
    const V slope = Vec::set1(run.slopes != nullptr ? run.slopes[co] : 0.0f);
    const int phase = co % (shuffle * shuffle), phase_y = phase / shuffle, phase_x = phase % shuffle;
    float* plane = out_image + co / (shuffle * shuffle) * run.out_plane_stride;
    for (int v = 0; v < kWinogradVectors; ++v) {
      const int x0 = 4 * (first_tile + v * L);
      if (x0 >= run.width) break;
      V t[6][4];  // Aᵀ along each row of M: t[k][j]
      for (int k = 0; k < 6; ++k) {
        V row[6];
        for (int l = 0; l < 6; ++l)
          row[l] = Vec::load(m + (int64_t{k} * 6 + l) * position_stride(kWinogradSlots) +
                             int64_t{co - first_channel} * kBlockTiles + v * L);
        output_transform(row, t[k]);
      }
      V o[4][4];  // o[i][j]: output row i, column phase j
      V activated[16];
      for (int j = 0; j < 4; ++j) {
        const V column[6] = {t[0][j], t[1][j], t[2][j], t[3][j], t[4][j], t[5][j]};
        V out4[4];
        output_transform(column, out4);
        for (int i = 0; i < 4; ++i) activated[i * 4 + j] = Vec::add(out4[i], bias);
      }
      activate_all(run.act, activated, slope);
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) o[i][j] = activated[i * 4 + j];
      for (int i = 0; i < 4; ++i) {
        const int y = 4 * tile_row + i;
        if (y >= run.height) break;
        V xs[4];
        Vec::interleave4(o[i], xs);
        if (shuffle == 1) {
          float* dst = plane + int64_t{y} * run.out_row_stride;
          for (int k = 0; k < 4; ++k) {
            const int x = x0 + k * L;
            if (x >= run.width) break;
            if (x + L <= run.width) Vec::store(dst + x, xs[k]);
            else Vec::store_masked(dst + x, xs[k], Vec::range(x, 0, run.width));
          }
        } else {
          // Pixel shuffle: this channel's outputs land every `shuffle` columns of row
          // y·shuffle + phase_y: one scalar store each, against 36·Cin multiplies.
          alignas(64) float staged[4 * L];
          for (int k = 0; k < 4; ++k) Vec::store(staged + k * L, xs[k]);
          const int count = run.width - x0 < 4 * L ? run.width - x0 : 4 * L;
          float* dst = plane + (int64_t{y} * shuffle + phase_y) * run.out_row_stride + phase_x;
          for (int e = 0; e < count; ++e) dst[int64_t{x0 + e} * shuffle] = staged[e];
        }
      }
    }
  }
}

// Steps 2 and 3, one weight block of output channels at a time: its M, a fraction of all
// channels', is still in cache when the output transform reads it.
void products_and_outputs(const WinogradRun& run, const float* u, float* m, float* out_image, int tile_row,
                          int first_tile, int vectors) {
  const int64_t blocks = padded_out_channels(run.out_channels) / kWinogradSlots;
  for (int64_t cb = 0; cb < blocks; ++cb) {
    multiply_vectors(u, run.weights, m, run.in_channels, blocks, cb, vectors);
    transform_outputs(run, m, out_image, tile_row, first_tile, cb);
  }
}

}  // namespace

// ---- Entry points ---------------------------------------------------------------------

int winograd_slots() { return kWinogradSlots; }
int winograd_block_tiles() { return kBlockTiles; }
int winograd_row_length() { return kRowLength; }

// M holds one weight block of output channels at a time, whatever their number.
int64_t winograd_scratch_floats(int in_channels, int /*out_channels*/) {
  return 6 * kRowLength + kWinogradPositions * (position_stride(in_channels) + position_stride(kWinogradSlots));
}

void winograd_staged(const WinogradRun& run, const float* staged, int64_t image, int tile_row, int first_tile,
                     float* scratch) {
  float* u = scratch + 6 * kRowLength;
  float* m = u + kWinogradPositions * position_stride(run.in_channels);
  const int vectors = block_vectors(run, first_tile);
  for (int c = 0; c < run.in_channels; ++c) {
    const float* patch_rows[6];
    staged_rows(staged + int64_t{c} * 6 * kRowLength, patch_rows);
    transform_channel(patch_rows, c, run.in_channels, vectors, u);
  }
  products_and_outputs(run, u, m, run.output + image * run.out_image_stride, tile_row, first_tile, vectors);
}

void winograd_row_pointers(const WinogradRun& run, const float* const* rows, float* scratch) {
  float* u = scratch + 6 * kRowLength;
  float* m = u + kWinogradPositions * position_stride(run.in_channels);
  const int vectors = block_vectors(run, 0);
  for (int c = 0; c < run.in_channels; ++c) transform_channel(rows + int64_t{c} * 6, c, run.in_channels, vectors, u);
  products_and_outputs(run, u, m, run.output, 0, 0, vectors);
}

void winograd_rows(const WinogradRun& run, int64_t first, int64_t last, float* scratch) {
  const int tile_rows = (run.height + 3) / 4;
  const int tile_columns = (run.width + 3) / 4;
  const int blocks = (tile_columns + kBlockTiles - 1) / kBlockTiles;
  float* rows = scratch;
  float* u = rows + 6 * kRowLength;
  float* m = u + kWinogradPositions * position_stride(run.in_channels);
  for (int64_t item = first; item < last; ++item) {
    const int64_t n = item / (int64_t{tile_rows} * blocks);
    const int tile_row = static_cast<int>(item / blocks % tile_rows);
    const int first_tile = static_cast<int>(item % blocks) * kBlockTiles;
    const int vectors = block_vectors(run, first_tile);
    transform_inputs(run, run.input + n * run.in_image_stride, tile_row, first_tile, vectors, rows, u);
    products_and_outputs(run, u, m, run.output + n * run.out_image_stride, tile_row, first_tile, vectors);
  }
}
