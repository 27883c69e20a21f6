#include "ops/x86/conv_driver.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <tuple>

#include "ops/prelu.hpp"
#include "ops/x86/parallel.hpp"
#include "tensor/error.hpp"

namespace upsample::ops::x86 {

namespace {

// ---- Per-ISA entry points -------------------------------------------------------------

struct Kernels {
  int (*max_vectors)(int);
  int (*lanes)();
  void (*conv_rows)(const TapConvRun&, int64_t, int64_t);
  int (*grad_slots)();
  void (*grad_rows)(const TapGradRun&, int64_t, int64_t, float*);
};

Kernels kernels_for(Isa isa) {
  if (isa == Isa::Avx512)
    return {avx512::max_vectors, avx512::lanes, avx512::tap_conv_rows, avx512::grad_slots, avx512::tap_grad_rows};
  if (isa == Isa::Avx2)
    return {avx2::max_vectors, avx2::lanes, avx2::tap_conv_rows, avx2::grad_slots, avx2::tap_grad_rows};
  throw Error("fast conv: no kernels for instruction set " + std::string(isa_name(isa)));
}

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// ---- Packing --------------------------------------------------------------------------

struct TapEntry {
  int32_t plane, dy, dx;
  float weight;
};

struct SlotTaps {
  SlotKey key;
  std::vector<TapEntry> taps;
};

// How many slots each block gets: R values the kernels are built for, few padding slots,
// as many accumulators as the registers hold.
std::vector<int> block_sizes(int slots, Isa isa) {
  if (slots <= 4) return {slots};
  const bool wide = isa == Isa::Avx512;
  const std::vector<int> preferred = wide ? std::vector<int>{8, 6, 4, 3} : std::vector<int>{4, 3, 6};
  for (int r : preferred)
    if (slots % r == 0) return std::vector<int>(static_cast<size_t>(slots / r), r);
  const int big = wide ? 8 : 4;
  std::vector<int> sizes(static_cast<size_t>(slots / big), big);
  const int rest = slots % big;
  sizes.push_back(rest == 5 ? 6 : rest == 7 ? 8 : rest);  // R = 5 and 7 are padded
  return sizes;
}

bool same_position(const TapEntry& a, const TapEntry& b) { return a.plane == b.plane && a.dy == b.dy && a.dx == b.dx; }
bool position_less(const TapEntry& a, const TapEntry& b) {
  return std::tie(a.plane, a.dy, a.dx) < std::tie(b.plane, b.dy, b.dx);
}

// Rows and dx of a block from its taps in (plane, dy, dx) order.
void add_tap_positions(PackedBlock& b, const std::vector<const TapEntry*>& sorted) {
  for (size_t i = 0; i < sorted.size(); ++i) {
    const TapEntry& t = *sorted[i];
    if (b.rows.empty() || b.rows.back().plane != t.plane || b.rows.back().dy != t.dy)
      b.rows.push_back({t.plane, t.dy, static_cast<int32_t>(i), 0});
    ++b.rows.back().tap_count;
    b.dx.push_back(t.dx);
  }
}

void finish_block(PackedBlock& b, const SlotTaps* slots, int count, int block_slots) {
  for (int s = 0; s < block_slots; ++s) b.keys.push_back(s < count ? slots[s].key : SlotKey{});
  if (!b.dx.empty()) {
    b.dx_min = *std::min_element(b.dx.begin(), b.dx.end());
    b.dx_max = *std::max_element(b.dx.begin(), b.dx.end());
  }
}

// The common case, packed every training step for every layer: all slots read the same
// taps in the same order (every output channel of a conv, one column phase of a
// transposed conv), so one sort of the first slot's taps orders them all.
bool make_shared_block(const SlotTaps* slots, int count, int block_slots, PackedBlock& b) {
  const std::vector<TapEntry>& first = slots[0].taps;
  for (int s = 1; s < count; ++s) {
    const std::vector<TapEntry>& other = slots[s].taps;
    if (other.size() != first.size() || !std::equal(first.begin(), first.end(), other.begin(), same_position))
      return false;
  }
  std::vector<uint32_t> order(first.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t c) { return position_less(first[a], first[c]); });
  for (size_t i = 1; i < order.size(); ++i)
    if (same_position(first[order[i - 1]], first[order[i]])) return false;  // repeated taps: summed by the general path
  std::vector<const TapEntry*> sorted;
  for (uint32_t i : order) sorted.push_back(&first[i]);
  add_tap_positions(b, sorted);
  const auto R = static_cast<size_t>(block_slots);
  b.weights.assign(order.size() * R, 0.0f);
  for (size_t i = 0; i < order.size(); ++i)
    for (int s = 0; s < count; ++s) b.weights[i * R + static_cast<size_t>(s)] = slots[s].taps[order[i]].weight;
  finish_block(b, slots, count, block_slots);
  return true;
}

// One block over the union of its slots' taps (a slot's weight is 0 on taps it lacks).
PackedBlock make_block(const SlotTaps* slots, int count, int block_slots) {
  PackedBlock b;
  if (count > 0 && make_shared_block(slots, count, block_slots, b)) return b;
  std::vector<const TapEntry*> taps;
  for (int s = 0; s < count; ++s)
    for (const TapEntry& t : slots[s].taps) taps.push_back(&t);
  const auto less = [](const TapEntry* a, const TapEntry* c) { return position_less(*a, *c); };
  std::sort(taps.begin(), taps.end(), less);
  taps.erase(std::unique(taps.begin(), taps.end(), [](const TapEntry* a, const TapEntry* c) { return same_position(*a, *c); }),
             taps.end());
  add_tap_positions(b, taps);
  const int R = block_slots;
  b.weights.assign(taps.size() * static_cast<size_t>(R), 0.0f);
  for (int s = 0; s < count; ++s) {
    for (const TapEntry& t : slots[s].taps) {
      const auto it = std::lower_bound(taps.begin(), taps.end(), &t, less);
      b.weights[static_cast<size_t>(it - taps.begin()) * static_cast<size_t>(R) + static_cast<size_t>(s)] += t.weight;
    }
  }
  finish_block(b, slots, count, R);
  return b;
}

void add_blocks(std::vector<PackedBlock>& blocks, const std::vector<SlotTaps>& family, Isa isa) {
  int first = 0;
  for (int size : block_sizes(static_cast<int>(family.size()), isa)) {
    const int count = std::min(size, static_cast<int>(family.size()) - first);
    blocks.push_back(make_block(family.data() + first, count, size));
    first += count;
  }
}

std::vector<float> bias_vector(const Tensor& bias, int64_t channels) {
  if (bias.empty()) return std::vector<float>(static_cast<size_t>(channels), 0.0f);
  if (bias.numel() != channels) throw Error("fast conv: bias " + bias.shape().str() + " does not fit " +
                                            std::to_string(channels) + " output channels");
  return {bias.data(), bias.data() + channels};
}

// The plane and the offset (in plane rows/columns) that kernel position `k` reads for
// output position 0 of a conv: input index stride·(y + offset) + phase.
struct PlaneOffset {
  int32_t offset, phase;
};
PlaneOffset conv_tap(int64_t k, int dilation, int pad, int stride) {
  const int64_t v = k * dilation - pad;
  const int64_t offset = floor_div(v, stride);
  return {static_cast<int32_t>(offset), static_cast<int32_t>(v - offset * stride)};
}

// The taps of a conv's input channel group, shared by all its output channels, with the
// index of the weight each one takes (ci·kH·kW + kh·kW + kw within one output channel).
struct ConvTap {
  int32_t plane, dy, dx;
  int64_t weight_index;
};
std::vector<ConvTap> conv_group_taps(int64_t group, int64_t in_per_group, int64_t kh_count, int64_t kw_count,
                                     const ConvGeometry& g) {
  std::vector<ConvTap> taps;
  const bool strided = g.stride_h > 1 || g.stride_w > 1;
  for (int64_t ci = 0; ci < in_per_group; ++ci) {
    const int64_t channel = group * in_per_group + ci;
    for (int64_t kh = 0; kh < kh_count; ++kh) {
      const PlaneOffset row = conv_tap(kh, g.dilation_h, g.pad_top, g.stride_h);
      for (int64_t kw = 0; kw < kw_count; ++kw) {
        const PlaneOffset col = conv_tap(kw, g.dilation_w, g.pad_left, g.stride_w);
        const int64_t plane = strided ? (channel * g.stride_h + row.phase) * g.stride_w + col.phase : channel;
        taps.push_back({static_cast<int32_t>(plane), row.offset, col.offset, (ci * kh_count + kh) * kw_count + kw});
      }
    }
  }
  return taps;
}

void check_geometry(const ConvGeometry& g) {
  if (g.stride_h < 1 || g.stride_w < 1 || g.dilation_h < 1 || g.dilation_w < 1 || g.groups < 1)
    throw Error("fast conv: stride, dilation and groups must be at least 1");
}

// What both packings fill alike. The channel counts come from the weight's layout:
// [Cout, Cin/groups, kh, kw] for a conv, [Cin, Cout/groups, kh, kw] for a transposed one.
PackedConv packed_shell(const Tensor& weight, const Tensor& bias, const ConvGeometry& g, Epilogue epilogue, Isa isa,
                        bool transposed) {
  check_geometry(g);
  kernels_for(isa);
  const Shape& ws = weight.shape();
  PackedConv p;
  p.transposed = transposed;
  p.isa = isa;
  p.geometry = g;
  p.out_channels = transposed ? ws[1] * g.groups : ws[0];
  p.in_channels = transposed ? ws[0] : ws[1] * g.groups;
  p.kernel_h = ws[2];
  p.kernel_w = ws[3];
  p.bias = bias_vector(bias, p.out_channels);
  p.epilogue = std::move(epilogue);
  return p;
}

// Points a kernel run (TapConvRun or TapGradRun) at its input planes.
template <typename Run>
void read_planes(Run& run, const Planes& planes) {
  run.input = planes.data;
  run.in_image_stride = planes.image_stride;
  run.in_plane_stride = planes.plane_stride;
  run.in_row_stride = planes.row_stride;
  run.in_h = planes.h;
  run.in_w = planes.w;
}

// `planes` (of `images` images) with `left` and `right` zero columns around every row.
// The result reads as the input does (same w, data at column 0) with a wider row stride.
Planes padded_rows(const Planes& planes, int64_t images, int left, int right) {
  const int64_t per_image = planes.image_stride / planes.plane_stride;
  const int64_t width = left + planes.w + right;
  Planes p;
  p.storage = Tensor::uninitialized(Shape{images, per_image, planes.h, width});
  p.h = planes.h;
  p.w = planes.w;
  p.row_stride = width;
  p.plane_stride = planes.h * width;
  p.image_stride = per_image * p.plane_stride;
  p.data = p.storage.data() + left;
  float* out = p.storage.data() + left;
  for_each_thread_range(images * per_image, [&](int64_t first, int64_t last, int) {
    for (int64_t item = first; item < last; ++item) {
      const int64_t n = item / per_image, c = item % per_image;
      const float* src = planes.data + n * planes.image_stride + c * planes.plane_stride;
      float* dst = out + n * p.image_stride + c * p.plane_stride;
      for (int64_t y = 0; y < planes.h; ++y) {
        float* row = dst + y * width;
        std::fill_n(row - left, left, 0.0f);
        std::copy_n(src + y * planes.row_stride, planes.w, row);
        std::fill_n(row + planes.w, right, 0.0f);
      }
    }
  }, static_cast<double>(images * per_image * planes.plane_stride));
  return p;
}

// Where output channel `key` of a job lands: a transposed conv's output phase, a plane
// through a folded pixel shuffle, or a plain plane.
Slot output_slot(const PackedConv& packed, const SlotKey& key, const PackedJob& job, const Shape& os, int shuffle,
                 int64_t grid_h) {
  const Epilogue& epi = packed.epilogue;
  const int64_t out_h = os.h() / shuffle, out_w = os.w() / shuffle;
  const int64_t co = key.channel;
  Slot s;
  s.live = true;
  s.bias = packed.bias[static_cast<size_t>(co)];
  s.slope = epi.slope(co);
  s.height = static_cast<int32_t>(grid_h);
  if (packed.transposed) {
    const int px = key.column_phase;
    const int sh = packed.geometry.stride_h, sw = packed.geometry.stride_w;
    s.offset = co * out_h * out_w + job.row_phase * out_w + px;
    s.row_stride = sh * out_w;
    s.col_step = sw;
    s.width = static_cast<int32_t>(px < out_w ? ceil_div(out_w - px, sw) : 0);
  } else if (shuffle > 1) {
    // Pixel shuffle folded into the store: channel c·r² + i·r + j goes to output plane c,
    // rows ≡ i, columns ≡ j.
    const int64_t r2 = int64_t{shuffle} * shuffle;
    const int64_t c = co / r2, i = (co % r2) / shuffle, j = co % shuffle;
    s.offset = c * os.h() * os.w() + i * os.w() + j;
    s.row_stride = shuffle * os.w();
    s.col_step = shuffle;
    s.width = static_cast<int32_t>(out_w);
  } else {
    s.offset = co * out_h * out_w;
    s.row_stride = out_w;
    s.col_step = 1;
    s.width = static_cast<int32_t>(out_w);
  }
  return s;
}

// One weight-gradient block per group of output channels (at most `max_slots`), every
// tap of the group in each; `partial_size` grows by the lanes of partial sums each needs.
struct GradBlock {
  PackedBlock packed;
  std::vector<Slot> slots;
  std::vector<int64_t> weight_index;  // per tap
  int64_t partial_offset = 0;
};

std::vector<GradBlock> weight_grad_blocks(const ConvGeometry& g, int64_t in_per_group, int64_t kh_count,
                                          int64_t kw_count, const Shape& gs, int max_slots, int lanes, bool grid_sums,
                                          int64_t& partial_size) {
  const int64_t out_per_group = gs.c() / g.groups;
  const int64_t grid_plane = gs.h() * gs.w();
  std::vector<GradBlock> blocks;
  for (int64_t group = 0; group < g.groups; ++group) {
    std::vector<ConvTap> taps = conv_group_taps(group, in_per_group, kh_count, kw_count, g);
    std::sort(taps.begin(), taps.end(), [](const ConvTap& a, const ConvTap& b) {
      return std::tie(a.plane, a.dy, a.dx) < std::tie(b.plane, b.dy, b.dx);
    });
    // Blocks of even size (32 outputs in six blocks: 6,6,5,5,5,5, not 6,6,6,6,6,2).
    const int64_t block_count = ceil_div(out_per_group, max_slots);
    for (int64_t first = 0, block = 0; first < out_per_group; ++block) {
      GradBlock gb;
      const int64_t count = ceil_div(out_per_group - first, block_count - block);
      for (size_t i = 0; i < taps.size(); ++i) {
        const ConvTap& t = taps[i];
        auto& rows = gb.packed.rows;
        if (rows.empty() || rows.back().plane != t.plane || rows.back().dy != t.dy)
          rows.push_back({t.plane, t.dy, static_cast<int32_t>(i), 0});
        ++rows.back().tap_count;
        gb.packed.dx.push_back(t.dx);
        gb.weight_index.push_back(t.weight_index);
      }
      for (int64_t s = 0; s < count; ++s) {
        const int64_t co = group * out_per_group + first + s;
        gb.packed.keys.push_back({static_cast<int>(co), 0});
        Slot slot;
        slot.offset = co * grid_plane;
        slot.row_stride = gs.w();
        slot.height = static_cast<int32_t>(gs.h());
        slot.width = static_cast<int32_t>(gs.w());
        slot.live = true;
        gb.slots.push_back(slot);
      }
      gb.partial_offset = partial_size;
      partial_size += (gb.packed.tap_count() + (grid_sums ? 1 : 0)) * count * lanes;
      blocks.push_back(std::move(gb));
      first += count;
    }
  }
  return blocks;
}

}  // namespace

Epilogue make_epilogue(Activation act, const Tensor& prelu_weight, int64_t out_channels) {
  Epilogue out;
  out.act = act;
  if (act == Activation::PRelu) {
    prelu_output_shape(Shape{1, out_channels, 1, 1}, prelu_weight.shape());
    out.slopes.assign(prelu_weight.data(), prelu_weight.data() + prelu_weight.numel());
  }
  return out;
}

// ---- Public ---------------------------------------------------------------------------

PackedConv pack_conv(const Tensor& weight, const Tensor& bias, const ConvGeometry& g, Epilogue epilogue, Isa isa) {
  PackedConv p = packed_shell(weight, bias, g, std::move(epilogue), isa, /*transposed=*/false);
  const Shape& ws = weight.shape();
  const int64_t out_per_group = p.out_channels / g.groups, in_per_group = ws[1];
  const int64_t per_output = in_per_group * p.kernel_h * p.kernel_w;
  PackedJob job;
  for (int64_t group = 0; group < g.groups; ++group) {
    const std::vector<ConvTap> taps = conv_group_taps(group, in_per_group, p.kernel_h, p.kernel_w, g);
    std::vector<SlotTaps> family;
    for (int64_t co = group * out_per_group; co < (group + 1) * out_per_group; ++co) {
      SlotTaps slot{{static_cast<int>(co), 0}, {}};
      const float* w = weight.data() + co * per_output;
      for (const ConvTap& t : taps) slot.taps.push_back({t.plane, t.dy, t.dx, w[t.weight_index]});
      family.push_back(std::move(slot));
    }
    add_blocks(job.blocks, family, isa);
  }
  p.jobs.push_back(std::move(job));
  return p;
}

PackedConv pack_transposed(const Tensor& weight, const Tensor& bias, const ConvGeometry& g, Epilogue epilogue,
                           Isa isa) {
  PackedConv p = packed_shell(weight, bias, g, std::move(epilogue), isa, /*transposed=*/true);
  const Shape& ws = weight.shape();
  const int64_t in_per_group = p.in_channels / g.groups, out_per_group = ws[1];
  const int64_t kh_count = p.kernel_h, kw_count = p.kernel_w;
  // With few output channels a block takes all column phases of a channel (their taps are
  // offset by at most one column, so the union wastes little); with many, a block holds
  // one phase of several channels and wastes nothing.
  const bool merge_phases = out_per_group < 4 && g.stride_w > 1;
  for (int py = 0; py < g.stride_h; ++py) {
    PackedJob job;
    job.row_phase = py;
    for (int64_t group = 0; group < g.groups; ++group) {
      auto slot_taps = [&](int64_t co_local, int px) {
        SlotTaps slot{{static_cast<int>(group * out_per_group + co_local), px}, {}};
        for (int64_t ci = 0; ci < in_per_group; ++ci) {
          const int64_t channel = group * in_per_group + ci;
          for (int64_t kh = 0; kh < kh_count; ++kh) {
            // Output row stride·q + py takes input row q + dy through tap kh when
            // py + pad − kh·dilation = stride·dy.
            const int64_t m = py + g.pad_top - kh * g.dilation_h;
            if (floor_div(m, g.stride_h) * g.stride_h != m) continue;
            for (int64_t kw = 0; kw < kw_count; ++kw) {
              const int64_t mx = px + g.pad_left - kw * g.dilation_w;
              if (floor_div(mx, g.stride_w) * g.stride_w != mx) continue;
              const float w = weight.data()[((channel * out_per_group + co_local) * kh_count + kh) * kw_count + kw];
              slot.taps.push_back({static_cast<int32_t>(channel), static_cast<int32_t>(m / g.stride_h),
                                   static_cast<int32_t>(mx / g.stride_w), w});
            }
          }
        }
        return slot;
      };
      if (merge_phases) {
        std::vector<SlotTaps> family;
        for (int64_t co = 0; co < out_per_group; ++co)
          for (int px = 0; px < g.stride_w; ++px) family.push_back(slot_taps(co, px));
        add_blocks(job.blocks, family, isa);
      } else {
        for (int px = 0; px < g.stride_w; ++px) {
          std::vector<SlotTaps> family;
          for (int64_t co = 0; co < out_per_group; ++co) family.push_back(slot_taps(co, px));
          add_blocks(job.blocks, family, isa);
        }
      }
    }
    p.jobs.push_back(std::move(job));
  }
  return p;
}

int64_t kernel_chunk_columns(const PackedConv& packed) {
  const Kernels k = kernels_for(packed.isa);
  int vectors = k.max_vectors(1);
  for (const PackedJob& job : packed.jobs)
    for (const PackedBlock& block : job.blocks) vectors = std::min(vectors, k.max_vectors(static_cast<int>(block.keys.size())));
  return int64_t{vectors} * k.lanes();
}

Planes make_planes(const Tensor& input, int stride_h, int stride_w) {
  check_rank4(input, "fast conv: input");
  const Shape& s = input.shape();
  Planes p;
  if (stride_h == 1 && stride_w == 1) {
    p.storage = input;
    p.data = input.data();
    p.h = static_cast<int32_t>(s.h());
    p.w = static_cast<int32_t>(s.w());
    p.row_stride = s.w();
    p.plane_stride = s.h() * s.w();
    p.image_stride = s.c() * p.plane_stride;
    return p;
  }
  const int64_t hp = ceil_div(s.h(), stride_h), wp = ceil_div(s.w(), stride_w);
  const int64_t phases = int64_t{stride_h} * stride_w;
  p.storage = Tensor(Shape{s.n(), s.c() * phases, hp, wp});
  p.data = p.storage.data();
  p.h = static_cast<int32_t>(hp);
  p.w = static_cast<int32_t>(wp);
  p.row_stride = wp;
  p.plane_stride = hp * wp;
  p.image_stride = s.c() * phases * p.plane_stride;
  Tensor& out = p.storage;
  const int64_t planes = s.n() * s.c();
  for_each_thread_range(planes, [&](int64_t first, int64_t last, int) {
    for (int64_t nc = first; nc < last; ++nc) {
      const int64_t n = nc / s.c(), c = nc % s.c();
      // (each plane is one pass over its input: cheap, so only big tensors go parallel)
      for (int ph = 0; ph < stride_h; ++ph) {
        for (int pw = 0; pw < stride_w; ++pw) {
          float* dst = out.plane(n, c * phases + ph * stride_w + pw);
          for (int64_t yq = 0; yq < hp; ++yq) {
            const int64_t y = yq * stride_h + ph;
            if (y >= s.h()) break;  // the rest stays zero
            const float* src = input.row(n, c, y);
            for (int64_t xq = 0, x = pw; x < s.w(); ++xq, x += stride_w) dst[yq * wp + xq] = src[x];
          }
        }
      }
    }
  }, static_cast<double>(input.numel()));
  return p;
}

Planes window_planes(const float* data, int64_t channels, int64_t rows, int64_t columns) {
  Planes p;
  p.data = data;
  p.h = static_cast<int32_t>(rows);
  p.w = static_cast<int32_t>(columns);
  p.row_stride = columns;
  p.plane_stride = rows * columns;
  p.image_stride = channels * p.plane_stride;
  return p;
}

void run_packed(const PackedConv& packed, const Tensor& input, Tensor& output, int shuffle) {
  const Planes planes =
      make_planes(input, packed.transposed ? 1 : packed.geometry.stride_h, packed.transposed ? 1 : packed.geometry.stride_w);
  run_packed(packed, planes, output, shuffle);
}

void run_packed(const PackedConv& packed, const Planes& planes, Tensor& output, int shuffle) {
  const Kernels k = kernels_for(packed.isa);
  const Shape& os = output.shape();
  const int64_t batch = os.n();
  const int64_t out_h = os.h() / shuffle;
  const ConvGeometry& g = packed.geometry;
  const Epilogue& epi = packed.epilogue;
  const int lanes = k.lanes();
  // One run per job (a transposed conv's output row phase), each over its own grid rows.
  struct JobRun {
    std::vector<std::vector<Slot>> slots;
    std::vector<BlockView> views;
    TapConvRun run;
  };
  std::vector<JobRun> runs;
  runs.reserve(packed.jobs.size());  // views point into slots: no reallocation
  double work = 0;
  int64_t max_grid_h = 0;
  for (const PackedJob& job : packed.jobs) {
    const int sh = packed.transposed ? g.stride_h : 1;
    const int64_t grid_h = job.row_phase < out_h ? ceil_div(out_h - job.row_phase, sh) : 0;
    if (grid_h == 0) continue;
    JobRun jr;
    jr.slots.resize(job.blocks.size());
    jr.views.resize(job.blocks.size());
    // Slot placement for this output size.
    int64_t grid_w = 0;
    int vectors = 1 << 20;
    for (size_t bi = 0; bi < job.blocks.size(); ++bi) {
      const PackedBlock& b = job.blocks[bi];
      for (const SlotKey& key : b.keys) {
        Slot s;  // a padding slot (channel < 0) stays dead
        if (key.channel >= 0) {
          s = output_slot(packed, key, job, os, shuffle, grid_h);
          grid_w = std::max<int64_t>(grid_w, s.width);
        }
        jr.slots[bi].push_back(s);
      }
      jr.views[bi] = {static_cast<int32_t>(b.keys.size()), jr.slots[bi].data(),  b.rows.data(),
                      static_cast<int32_t>(b.rows.size()), b.dx.data(),         b.weights.data(),
                      b.tap_count(),                       b.dx_min,            b.dx_max};
      vectors = std::min(vectors, k.max_vectors(static_cast<int>(b.keys.size())));
    }
    if (grid_w == 0) continue;
    TapConvRun& run = jr.run;
    read_planes(run, planes);
    run.output = output.data();
    run.out_image_stride = os.c() * os.h() * os.w();
    run.grid_h = static_cast<int32_t>(grid_h);
    run.grid_w = static_cast<int32_t>(grid_w);
    run.block_count = static_cast<int32_t>(jr.views.size());
    run.act = epi.act;
    run.vectors = static_cast<int32_t>(std::min<int64_t>(vectors, ceil_div(grid_w, lanes)));
    run.dx_min = std::min_element(jr.views.begin(), jr.views.end(), [](const BlockView& a, const BlockView& b) {
                   return a.dx_min < b.dx_min;
                 })->dx_min;
    run.dx_max = std::max_element(jr.views.begin(), jr.views.end(), [](const BlockView& a, const BlockView& b) {
                   return a.dx_max < b.dx_max;
                 })->dx_max;
    double job_work = 0;
    for (const BlockView& v : jr.views) job_work += static_cast<double>(v.tap_count) * v.slot_count;
    work += job_work * static_cast<double>(batch * grid_h * grid_w);
    max_grid_h = std::max(max_grid_h, grid_h);
    runs.push_back(std::move(jr));
  }
  for (JobRun& jr : runs) jr.run.blocks = jr.views.data();
  if (runs.empty()) return;
  // Rows that fit one chunk (training patches) would take masked loads all along: read
  // from a copy padded with zeros as far as any chunk reads, they need none.
  Planes padded;
  const bool narrow = std::all_of(runs.begin(), runs.end(), [&](const JobRun& jr) {
    return ceil_div(jr.run.grid_w, lanes) <= jr.run.vectors;
  });
  if (narrow) {
    int left = 0, right = 0;
    for (const JobRun& jr : runs) {
      const int64_t reach = ceil_div(jr.run.grid_w, lanes) * lanes + jr.run.dx_max;  // one past the last column read
      left = std::max(left, -jr.run.dx_min);
      right = std::max<int>(right, static_cast<int>(reach - planes.w));
    }
    if (left > 0 || right > 0) padded = padded_rows(planes, batch, left, right);
    for (JobRun& jr : runs) {
      if (left > 0 || right > 0) read_planes(jr.run, padded);
      jr.run.padded_rows = true;
    }
  }
  // Grid row q of every phase reads the same few input rows: doing all phases of a row
  // before the next keeps those rows in cache, where phase after phase over the whole
  // image would stream the input from memory once per phase.
  for_each_thread_range(
      batch * max_grid_h,
      [&](int64_t first, int64_t last, int) {
        for (int64_t item = first; item < last; ++item) {
          const int64_t n = item / max_grid_h, q = item % max_grid_h;
          for (const JobRun& jr : runs) {
            if (q >= jr.run.grid_h) continue;
            const int64_t row = n * jr.run.grid_h + q;
            k.conv_rows(jr.run, row, row + 1);
          }
        }
      },
      work);
}

void conv_weight_grad(const Planes& input, int64_t in_channels, const Tensor& grid, const ConvGeometry& g,
                      Tensor& grad_weight, Isa isa, Tensor* grid_sums) {
  check_geometry(g);
  const Kernels k = kernels_for(isa);
  const Shape& ws = grad_weight.shape();
  const Shape& gs = grid.shape();
  const int64_t out_channels = ws[0], in_per_group = ws[1], kh_count = ws[2], kw_count = ws[3];
  if (in_per_group * g.groups != in_channels || gs.c() != out_channels)
    throw Error("fast conv weight gradient: channels do not match");
  const int lanes = k.lanes();
  const int max_slots = k.grad_slots();
  const int64_t grid_plane = gs.h() * gs.w();

  int64_t partial_size = 0;
  const bool sums = grid_sums != nullptr;
  const std::vector<GradBlock> blocks =
      weight_grad_blocks(g, in_per_group, kh_count, kw_count, gs, max_slots, lanes, sums, partial_size);
  std::vector<BlockView> views;
  for (const GradBlock& gb : blocks)
    views.push_back({static_cast<int32_t>(gb.slots.size()), gb.slots.data(), gb.packed.rows.data(),
                     static_cast<int32_t>(gb.packed.rows.size()), gb.packed.dx.data(), nullptr,
                     gb.packed.tap_count(), 0, 0});
  TapGradRun run;
  read_planes(run, input);
  // Narrow grids (training patches) have few vectors away from the row ends: reading the
  // input from a zero-padded copy, only a grid row's last partial vector needs masks.
  constexpr int64_t kPaddedGridVectors = 8;
  int dx_min = 0, dx_max = 0;
  for (const GradBlock& gb : blocks) {
    if (gb.packed.dx.empty()) continue;
    const auto [lo, hi] = std::minmax_element(gb.packed.dx.begin(), gb.packed.dx.end());
    dx_min = std::min(dx_min, *lo);
    dx_max = std::max(dx_max, *hi);
  }
  Planes padded;
  if (gs.w() <= kPaddedGridVectors * lanes) {
    const int left = -dx_min, right = std::max(0, static_cast<int>(gs.w() + dx_max - input.w));
    if (left > 0 || right > 0) {
      padded = padded_rows(input, gs.n(), left, right);
      read_planes(run, padded);
    }
    run.padded_rows = true;
  }
  const std::vector<float> zeros(static_cast<size_t>(-dx_min + gs.w() + dx_max + 2 * lanes), 0.0f);
  run.zero_row = zeros.data() - dx_min;
  run.grid = grid.data();
  run.grid_image_stride = gs.c() * grid_plane;
  run.grid_h = static_cast<int32_t>(gs.h());
  run.grid_w = static_cast<int32_t>(gs.w());
  run.blocks = views.data();
  run.block_count = static_cast<int32_t>(views.size());
  run.grid_sums = sums;

  // Per-thread partial sums, each zeroed by its own thread (in parallel, in its cache);
  // threads that get no rows are left out of the sum.
  const int threads = omp_get_max_threads();
  const auto partials = std::make_unique_for_overwrite<float[]>(static_cast<size_t>(partial_size) * static_cast<size_t>(threads));
  std::vector<uint8_t> used(static_cast<size_t>(threads), 0);
  auto partial_of = [&](int t) { return partials.get() + static_cast<size_t>(t) * static_cast<size_t>(partial_size); };
  const double work = static_cast<double>(partial_size / lanes) * static_cast<double>(gs.n() * grid_plane);
  for_each_thread_range(
      gs.n() * gs.h(),
      [&](int64_t first, int64_t last, int t) {
        std::fill_n(partial_of(t), partial_size, 0.0f);
        used[static_cast<size_t>(t)] = 1;
        k.grad_rows(run, first, last, partial_of(t));
      },
      work);
  // Lanes and threads summed in double, then scattered back to the weight layout; blocks
  // hold distinct output channels, so they are summed in parallel.
  float* gw = grad_weight.data();
  if (sums) *grid_sums = Tensor::uninitialized(Shape{out_channels});
  const int64_t per_output = in_per_group * kh_count * kw_count;
  for_each_thread_range(
      static_cast<int64_t>(blocks.size()),
      [&](int64_t first_block, int64_t last_block, int) {
        for (int64_t bi = first_block; bi < last_block; ++bi) {
          const GradBlock& gb = blocks[static_cast<size_t>(bi)];
          const int64_t R = static_cast<int64_t>(gb.slots.size());
          // Entry `tap` of every thread's partial sums, lanes and threads added up.
          auto total = [&](int64_t tap, int64_t r) {
            double sum = 0.0;
            for (int t = 0; t < threads; ++t) {
              if (!used[static_cast<size_t>(t)]) continue;
              const float* lane = partial_of(t) + gb.partial_offset + (tap * R + r) * lanes;
              for (int l = 0; l < lanes; ++l) sum += static_cast<double>(lane[l]);
            }
            return static_cast<float>(sum);
          };
          for (int64_t tap = 0; tap < gb.packed.tap_count(); ++tap)
            for (int64_t r = 0; r < R; ++r)
              gw[gb.packed.keys[static_cast<size_t>(r)].channel * per_output + gb.weight_index[static_cast<size_t>(tap)]] =
                  total(tap, r);
          if (sums)
            for (int64_t r = 0; r < R; ++r)
              grid_sums->data()[gb.packed.keys[static_cast<size_t>(r)].channel] = total(gb.packed.tap_count(), r);
        }
      },
      static_cast<double>(partial_size) * threads);
}

Tensor channel_sums(const Tensor& t) {
  check_rank4(t, "channel sums");
  const Shape& s = t.shape();
  Tensor sums(Shape{s.c()});
  const int64_t plane = s.h() * s.w();
  for_each_thread_range(s.c(), [&](int64_t first, int64_t last, int) {
    for (int64_t c = first; c < last; ++c) {
      double total = 0.0;
      for (int64_t n = 0; n < s.n(); ++n) {
        const float* p = t.plane(n, c);
        // Eight float partial sums vectorise; each one adds up a short stretch only.
        for (int64_t i = 0; i < plane; i += 4096) {
          float part[8] = {};
          const int64_t end = std::min(plane, i + 4096);
          int64_t j = i;
          for (; j + 8 <= end; j += 8)
            for (int l = 0; l < 8; ++l) part[l] += p[j + l];
          for (; j < end; ++j) part[0] += p[j];
          for (float v : part) total += static_cast<double>(v);
        }
      }
      sums.data()[c] = static_cast<float>(total);
    }
  }, static_cast<double>(t.numel()));
  return sums;
}

}  // namespace upsample::ops::x86
