#include "ops/x86/fast_ops.hpp"

#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ops/ref/resize_ref.hpp"
#include "ops/x86/conv_driver.hpp"
#include "ops/x86/parallel.hpp"
#include "tensor/error.hpp"

namespace upsample::ops::x86 {

namespace {

ConvGeometry geometry(const Conv2dParams& p) {
  return {p.stride_h, p.stride_w, p.pad_top, p.pad_left, p.dilation_h, p.dilation_w, p.groups};
}
ConvGeometry geometry(const ConvTranspose2dParams& p) {
  return {p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w, p.groups};
}

struct ElementwiseKernels {
  void (*act_forward)(Activation, const float*, float*, int64_t, float);
  void (*relu_backward)(const float*, const float*, float*, int64_t);
  void (*tanh_backward)(const float*, const float*, float*, int64_t);
  void (*sigmoid_backward)(const float*, const float*, float*, int64_t);
  double (*prelu_backward)(const float*, const float*, float*, int64_t, float);
};

ElementwiseKernels elementwise(Isa isa) {
  if (isa == Isa::Avx512)
    return {avx512::act_forward, avx512::relu_backward, avx512::tanh_backward, avx512::sigmoid_backward,
            avx512::prelu_backward};
  if (isa == Isa::Avx2)
    return {avx2::act_forward, avx2::relu_backward, avx2::tanh_backward, avx2::sigmoid_backward,
            avx2::prelu_backward};
  throw Error("fast ops: no kernels for instruction set " + std::string(isa_name(isa)));
}

}  // namespace

void activate_span(Activation act, const float* x, float* y, int64_t n, float slope, Isa isa) {
  elementwise(isa).act_forward(act, x, y, n, slope);
}

float fma_peak(int64_t iterations, Isa isa) {
  float (*kernel)(int64_t) = isa == Isa::Avx512 ? avx512::fma_peak : isa == Isa::Avx2 ? avx2::fma_peak : nullptr;
  if (kernel == nullptr) throw Error("fma peak: no kernels for instruction set " + std::string(isa_name(isa)));
  float sum = 0.0f;
#pragma omp parallel reduction(+ : sum)
  sum += kernel(iterations / omp_get_num_threads());
  return sum;
}

double fma_peak_flops_per_iteration(Isa isa) { return 24.0 * 2.0 * (isa == Isa::Avx512 ? 16 : 8); }

namespace {

// body(first, last) over [0, n) in chunks that are large for OpenMP and small for caches.
template <typename Body>
void for_each_chunk(int64_t n, Body body) {
  constexpr int64_t kChunk = int64_t{1} << 15;
  for_each_thread_range(
      (n + kChunk - 1) / kChunk, [&](int64_t first, int64_t last, int) { body(first * kChunk, std::min(n, last * kChunk)); },
      static_cast<double>(n));
}

Tensor map_forward(const Tensor& x, Activation act, float slope, Isa isa, const char* op) {
  if (x.empty()) throw Error(std::string(op) + ": the input is empty");
  const ElementwiseKernels k = elementwise(isa);
  Tensor y = Tensor::uninitialized(x.shape());
  for_each_chunk(x.numel(), [&](int64_t first, int64_t last) {
    k.act_forward(act, x.data() + first, y.data() + first, last - first, slope);
  });
  return y;
}

using BackwardKernel = void (*)(const float*, const float*, float*, int64_t);
Tensor map_backward(const Tensor& g, const Tensor& saved, BackwardKernel kernel, const char* op) {
  if (saved.empty()) throw Error(std::string(op) + ": the input is empty");
  check_shape(g.shape(), saved.shape(), std::string(op) + " backward: grad_output");
  Tensor out = Tensor::uninitialized(saved.shape());
  for_each_chunk(saved.numel(), [&](int64_t first, int64_t last) {
    kernel(g.data() + first, saved.data() + first, out.data() + first, last - first);
  });
  return out;
}

// The input of PReLU as [outer, channels, inner], as the reference sees it.
struct ChannelLayout {
  int64_t outer = 1, channels = 1, inner = 1;
};
ChannelLayout channel_layout(const Shape& s) {
  ChannelLayout l;
  if (s.rank() >= 2) {
    l.outer = s[0];
    l.channels = s[1];
    for (int axis = 2; axis < s.rank(); ++axis) l.inner *= s[axis];
  } else {
    l.inner = s[0];
  }
  return l;
}

}  // namespace

// ---- Convolutions ---------------------------------------------------------------------

Tensor conv2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& params,
                      Isa isa) {
  const Shape out = conv2d_output_shape(input.shape(), weight.shape(), params);
  if (!bias.empty()) check_shape(bias.shape(), Shape{out.c()}, "conv2d: bias");
  const PackedConv packed = pack_conv(weight, bias, geometry(params), {}, isa);
  Tensor output = Tensor::uninitialized(out);
  run_packed(packed, input, output);
  return output;
}

ConvGrads conv2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight, bool has_bias,
                          const Conv2dParams& params, Isa isa, InputGradient input_gradient) {
  const Shape out = conv2d_output_shape(input.shape(), weight.shape(), params);
  check_shape(grad_output.shape(), out, "conv2d backward: grad_output");
  const ConvGeometry g = geometry(params);
  ConvGrads grads;
  // Backward-data of a conv is the transposed conv with the same weight and geometry.
  if (input_gradient == InputGradient::Wanted) {
    grads.input = Tensor::uninitialized(input.shape());
    run_packed(pack_transposed(weight, Tensor{}, g, {}, isa), grad_output, grads.input);
  }
  grads.weight = Tensor::uninitialized(weight.shape());
  conv_weight_grad(make_planes(input, g.stride_h, g.stride_w), input.shape().c(), grad_output, g, grads.weight, isa,
                   has_bias ? &grads.bias : nullptr);
  return grads;
}

Tensor conv_transpose2d_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                const ConvTranspose2dParams& params, Isa isa) {
  const Shape out = conv_transpose2d_output_shape(input.shape(), weight.shape(), params);
  if (!bias.empty()) check_shape(bias.shape(), Shape{out.c()}, "conv_transpose2d: bias");
  const PackedConv packed = pack_transposed(weight, bias, geometry(params), {}, isa);
  Tensor output = Tensor::uninitialized(out);
  run_packed(packed, input, output);
  return output;
}

ConvGrads conv_transpose2d_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight,
                                    bool has_bias, const ConvTranspose2dParams& params, Isa isa,
                                    InputGradient input_gradient) {
  const Shape out = conv_transpose2d_output_shape(input.shape(), weight.shape(), params);
  check_shape(grad_output.shape(), out, "conv_transpose2d backward: grad_output");
  const ConvGeometry g = geometry(params);
  // The transposed conv is the adjoint of the conv grad_output → input with the same
  // weight: its backward-data is that conv, its weight gradient that conv's.
  const Planes planes = make_planes(grad_output, g.stride_h, g.stride_w);
  ConvGrads grads;
  if (input_gradient == InputGradient::Wanted) {
    grads.input = Tensor::uninitialized(input.shape());
    run_packed(pack_conv(weight, Tensor{}, g, {}, isa), planes, grads.input);
  }
  grads.weight = Tensor::uninitialized(weight.shape());
  conv_weight_grad(planes, grad_output.shape().c(), input, g, grads.weight, isa);
  if (has_bias) grads.bias = channel_sums(grad_output);
  return grads;
}

// ---- Activations ----------------------------------------------------------------------

Tensor relu_forward(const Tensor& input, Isa isa) {
  return map_forward(input, Activation::Relu, 0.0f, isa, "relu");
}
Tensor relu_backward(const Tensor& grad_output, const Tensor& input, Isa isa) {
  return map_backward(grad_output, input, elementwise(isa).relu_backward, "relu");
}

Tensor leaky_relu_forward(const Tensor& input, float negative_slope, Isa isa) {
  return map_forward(input, Activation::PRelu, negative_slope, isa, "leaky_relu");
}
Tensor leaky_relu_backward(const Tensor& grad_output, const Tensor& input, float negative_slope, Isa isa) {
  if (input.empty()) throw Error("leaky_relu: the input is empty");
  check_shape(grad_output.shape(), input.shape(), "leaky_relu backward: grad_output");
  const ElementwiseKernels k = elementwise(isa);
  Tensor out = Tensor::uninitialized(input.shape());
  for_each_chunk(input.numel(), [&](int64_t first, int64_t last) {
    k.prelu_backward(grad_output.data() + first, input.data() + first, out.data() + first, last - first,
                     negative_slope);
  });
  return out;
}

Tensor tanh_forward(const Tensor& input, Isa isa) {
  return map_forward(input, Activation::Tanh, 0.0f, isa, "tanh");
}
Tensor tanh_backward(const Tensor& grad_output, const Tensor& output, Isa isa) {
  return map_backward(grad_output, output, elementwise(isa).tanh_backward, "tanh");
}

Tensor sigmoid_forward(const Tensor& input, Isa isa) {
  return map_forward(input, Activation::Sigmoid, 0.0f, isa, "sigmoid");
}
Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& output, Isa isa) {
  return map_backward(grad_output, output, elementwise(isa).sigmoid_backward, "sigmoid");
}

Tensor prelu_forward(const Tensor& input, const Tensor& weight, Isa isa) {
  prelu_output_shape(input.shape(), weight.shape());
  const ElementwiseKernels k = elementwise(isa);
  const ChannelLayout l = channel_layout(input.shape());
  const bool shared = weight.numel() == 1;
  Tensor output = Tensor::uninitialized(input.shape());
  for_each_thread_range(l.outer * l.channels, [&](int64_t first, int64_t last, int) {
    for (int64_t oc = first; oc < last; ++oc) {
      const float slope = weight.data()[shared ? 0 : oc % l.channels];
      k.act_forward(Activation::PRelu, input.data() + oc * l.inner, output.data() + oc * l.inner, l.inner, slope);
    }
  }, static_cast<double>(input.numel()));
  return output;
}

PReluGrads prelu_backward(const Tensor& grad_output, const Tensor& input, const Tensor& weight, Isa isa) {
  prelu_output_shape(input.shape(), weight.shape());
  check_shape(grad_output.shape(), input.shape(), "prelu backward: grad_output");
  const ElementwiseKernels k = elementwise(isa);
  const ChannelLayout l = channel_layout(input.shape());
  const bool shared = weight.numel() == 1;
  PReluGrads grads{Tensor::uninitialized(input.shape()), Tensor(weight.shape())};
  std::vector<double> sums(static_cast<size_t>(l.channels), 0.0);
  // Threads split the channels, so each slope's sum is one thread's, in a fixed order.
  for_each_thread_range(l.channels, [&](int64_t first, int64_t last, int) {
    for (int64_t c = first; c < last; ++c) {
      const float slope = weight.data()[shared ? 0 : c];
      for (int64_t o = 0; o < l.outer; ++o) {
        const int64_t base = (o * l.channels + c) * l.inner;
        sums[static_cast<size_t>(c)] += k.prelu_backward(grad_output.data() + base, input.data() + base,
                                                         grads.input.data() + base, l.inner, slope);
      }
    }
  }, static_cast<double>(input.numel()));
  if (shared) {
    double total = 0.0;
    for (double s : sums) total += s;
    grads.weight.data()[0] = static_cast<float>(total);
  } else {
    for (int64_t c = 0; c < l.channels; ++c) grads.weight.data()[c] = static_cast<float>(sums[static_cast<size_t>(c)]);
  }
  return grads;
}

// ---- Pixel shuffle --------------------------------------------------------------------

Tensor pixel_shuffle_forward(const Tensor& input, int factor) {
  const Shape out_shape = pixel_shuffle_output_shape(input.shape(), factor);
  Tensor output = Tensor::uninitialized(out_shape);
  const Shape& s = input.shape();
  const int64_t r = factor;
  // One output row (n, c, h·r + i) gathers row h of the r input planes c·r² + i·r + j.
  for_each_thread_range(out_shape.n() * out_shape.c() * out_shape.h(), [&](int64_t first, int64_t last, int) {
    for (int64_t item = first; item < last; ++item) {
      const int64_t oy = item % out_shape.h(), nc = item / out_shape.h();
      const int64_t n = nc / out_shape.c(), c = nc % out_shape.c();
      const int64_t h = oy / r, i = oy % r;
      float* dst = output.row(n, c, oy);
      for (int64_t j = 0; j < r; ++j) {
        const float* src = input.row(n, c * r * r + i * r + j, h);
        for (int64_t w = 0; w < s.w(); ++w) dst[w * r + j] = src[w];
      }
    }
  }, static_cast<double>(input.numel()));
  return output;
}

Tensor pixel_unshuffle_forward(const Tensor& input, int factor) {
  const Shape out_shape = pixel_unshuffle_output_shape(input.shape(), factor);
  Tensor output(out_shape);
  const int64_t r = factor;
  const int64_t channels = input.shape().c();
  for_each_thread_range(out_shape.n() * out_shape.c() * out_shape.h(), [&](int64_t first, int64_t last, int) {
    for (int64_t item = first; item < last; ++item) {
      const int64_t h = item % out_shape.h(), nc = item / out_shape.h();
      const int64_t n = nc / out_shape.c(), oc = nc % out_shape.c();
      const int64_t c = oc / (r * r), i = (oc % (r * r)) / r, j = oc % r;
      if (c >= channels) continue;
      const float* src = input.row(n, c, h * r + i);
      float* dst = output.row(n, oc, h);
      for (int64_t w = 0; w < out_shape.w(); ++w) dst[w] = src[w * r + j];
    }
  }, static_cast<double>(input.numel()));
  return output;
}

// ---- Resize ---------------------------------------------------------------------------

Tensor resize_forward(const Tensor& input, const ResizeParams& params) {
  const Shape out = resize_output_shape(input.shape(), params);
  const Shape& in = input.shape();
  const ref::ResizeTaps rows = ref::resize_axis_taps(params.mode, in.h(), out.h(), params.scale_h);
  const ref::ResizeTaps cols = ref::resize_axis_taps(params.mode, in.w(), out.w(), params.scale_w);
  const int ty = rows.taps_per_output, tx = cols.taps_per_output;
  Tensor output = Tensor::uninitialized(out);
  // Separable: blend the input rows of an output row (vectorised over the width), then
  // pick and blend columns.
  for_each_thread_range(out.n() * out.c() * out.h(), [&](int64_t first, int64_t last, int) {
    std::vector<float> blended(static_cast<size_t>(in.w()));
    for (int64_t item = first; item < last; ++item) {
      const int64_t oy = item % out.h(), nc = item / out.h();
      const int64_t n = nc / out.c(), c = nc % out.c();
      std::fill(blended.begin(), blended.end(), 0.0f);
      for (int i = 0; i < ty; ++i) {
        const size_t tap = static_cast<size_t>(oy * ty + i);
        const float wy = rows.weight[tap];
        const float* src = input.row(n, c, rows.index[tap]);
        for (int64_t x = 0; x < in.w(); ++x) blended[static_cast<size_t>(x)] += wy * src[x];
      }
      float* dst = output.row(n, c, oy);
      for (int64_t ox = 0; ox < out.w(); ++ox) {
        float sum = 0.0f;
        for (int j = 0; j < tx; ++j) {
          const size_t tap = static_cast<size_t>(ox * tx + j);
          sum += cols.weight[tap] * blended[static_cast<size_t>(cols.index[tap])];
        }
        dst[ox] = sum;
      }
    }
  }, static_cast<double>(out.numel()) * (ty + tx));
  return output;
}

Tensor resize_backward(const Tensor& grad_output, const Shape& input_shape, const ResizeParams& params) {
  const Shape out = resize_output_shape(input_shape, params);
  check_shape(grad_output.shape(), out, "resize backward: grad_output");
  const Shape& in = input_shape;
  const ref::ResizeTaps rows = ref::resize_axis_taps(params.mode, in.h(), out.h(), params.scale_h);
  const ref::ResizeTaps cols = ref::resize_axis_taps(params.mode, in.w(), out.w(), params.scale_w);
  const int ty = rows.taps_per_output, tx = cols.taps_per_output;
  Tensor grad_input(in);
  // The adjoint of the forward: scatter columns back into an input-width row, then add it
  // into the input rows with the row weights. Threads own whole planes.
  for_each_thread_range(in.n() * in.c(), [&](int64_t first, int64_t last, int) {
    std::vector<float> row(static_cast<size_t>(in.w()));
    for (int64_t nc = first; nc < last; ++nc) {
      const int64_t n = nc / in.c(), c = nc % in.c();
      for (int64_t oy = 0; oy < out.h(); ++oy) {
        std::fill(row.begin(), row.end(), 0.0f);
        const float* g = grad_output.row(n, c, oy);
        for (int64_t ox = 0; ox < out.w(); ++ox) {
          for (int j = 0; j < tx; ++j) {
            const size_t tap = static_cast<size_t>(ox * tx + j);
            row[static_cast<size_t>(cols.index[tap])] += cols.weight[tap] * g[ox];
          }
        }
        for (int i = 0; i < ty; ++i) {
          const size_t tap = static_cast<size_t>(oy * ty + i);
          const float wy = rows.weight[tap];
          float* dst = grad_input.row(n, c, rows.index[tap]);
          for (int64_t x = 0; x < in.w(); ++x) dst[x] += wy * row[static_cast<size_t>(x)];
        }
      }
    }
  }, static_cast<double>(out.numel()) * (ty + tx));
  return grad_input;
}

}  // namespace upsample::ops::x86
