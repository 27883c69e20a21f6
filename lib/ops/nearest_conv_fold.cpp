#include "ops/nearest_conv_fold.hpp"

#include <string>

#include "tensor/error.hpp"

namespace upsample::ops {

namespace {

// Floor division for a negative numerator too.
int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

struct FoldGeometry {
  int64_t out_channels, in_channels;
  int kernel, pad, folded_pad, folded_kernel;
};

FoldGeometry geometry(const Shape& weight, int scale) {
  if (scale < 1) throw Error("nearest resize-conv fold: scale must be ≥ 1, not " + std::to_string(scale));
  FoldGeometry g;
  g.out_channels = weight[0];
  g.in_channels = weight[1];
  g.kernel = static_cast<int>(weight[2]);
  g.pad = (g.kernel - 1) / 2;
  g.folded_pad = (g.pad + scale - 1) / scale;
  g.folded_kernel = 2 * g.folded_pad + 1;
  return g;
}

// Folded tap (along one axis) that original tap t of output phase φ lands on.
int folded_tap(int phase, int t, const FoldGeometry& g, int scale) {
  return floor_div(phase - g.pad + t, scale) + g.folded_pad;
}

// Calls visit(weight index, folded weight index) for every pair the fold sums: fold and
// its adjoint walk the same map in opposite directions.
template <typename Visit>
void for_each_folded_tap(const FoldGeometry& g, int scale, Visit visit) {
  const int64_t k = g.kernel, kf = g.folded_kernel;
  for (int64_t c = 0; c < g.out_channels; ++c)
    for (int py = 0; py < scale; ++py)
      for (int px = 0; px < scale; ++px) {
        const int64_t folded_c = (c * scale + py) * scale + px;
        for (int64_t ci = 0; ci < g.in_channels; ++ci) {
          const int64_t from = (c * g.in_channels + ci) * k * k;
          const int64_t to = (folded_c * g.in_channels + ci) * kf * kf;
          for (int ty = 0; ty < k; ++ty)
            for (int tx = 0; tx < k; ++tx)
              visit(from + ty * k + tx, to + folded_tap(py, ty, g, scale) * kf + folded_tap(px, tx, g, scale));
        }
      }
}

}  // namespace

bool nearest_conv_foldable(const Shape& weight, const Conv2dParams& params) {
  if (weight.rank() != 4 || weight[2] != weight[3] || weight[2] % 2 == 0) return false;
  const int same = static_cast<int>((weight[2] - 1) / 2);
  const Conv2dParams& p = params;
  return p.groups == 1 && p.stride_h == 1 && p.stride_w == 1 && p.dilation_h == 1 && p.dilation_w == 1 &&
         p.pad_top == same && p.pad_bottom == same && p.pad_left == same && p.pad_right == same;
}

Shape folded_weight_shape(const Shape& weight, int scale) {
  const FoldGeometry g = geometry(weight, scale);
  return Shape{g.out_channels * scale * scale, g.in_channels, g.folded_kernel, g.folded_kernel};
}

int folded_padding(const Shape& weight, int scale) { return geometry(weight, scale).folded_pad; }

NearestConvFold fold_nearest_conv(const Tensor& weight, const Tensor& bias, int scale) {
  const Shape& ws = weight.shape();
  if (ws.rank() != 4 || ws[2] != ws[3] || ws[2] % 2 == 0)
    throw Error("nearest resize-conv fold: needs a square odd kernel, not " + ws.str());
  const FoldGeometry g = geometry(ws, scale);
  const int s2 = scale * scale, kf = g.folded_kernel;
  NearestConvFold f;
  f.padding = g.folded_pad;
  f.weight = Tensor(Shape{g.out_channels * s2, g.in_channels, kf, kf});
  const float* w = weight.data();
  float* fw = f.weight.data();
  for_each_folded_tap(g, scale, [&](int64_t from, int64_t to) { fw[to] += w[from]; });
  if (!bias.empty()) {
    f.bias = Tensor(Shape{g.out_channels * s2});
    for (int64_t c = 0; c < g.out_channels; ++c)
      for (int p = 0; p < s2; ++p) f.bias.data()[c * s2 + p] = bias.data()[c];
  }
  return f;
}

ConvGrads unfold_nearest_conv_grads(const Tensor& folded_weight_grad, const Tensor& folded_bias_grad,
                                    const Shape& weight_shape, int scale) {
  const FoldGeometry g = geometry(weight_shape, scale);
  const int s2 = scale * scale, kf = g.folded_kernel;
  if (!(folded_weight_grad.shape() == Shape{g.out_channels * s2, g.in_channels, kf, kf}))
    throw Error("nearest resize-conv fold: folded gradient " + folded_weight_grad.shape().str() +
                " does not match weight " + weight_shape.str() + " at ×" + std::to_string(scale));
  ConvGrads out;
  out.weight = Tensor(weight_shape);
  const float* fg = folded_weight_grad.data();
  float* wg = out.weight.data();
  for_each_folded_tap(g, scale, [&](int64_t from, int64_t to) { wg[from] += fg[to]; });
  if (!folded_bias_grad.empty()) {
    out.bias = Tensor(Shape{g.out_channels});
    for (int64_t c = 0; c < g.out_channels; ++c)
      for (int p = 0; p < s2; ++p) out.bias.data()[c] += folded_bias_grad.data()[c * s2 + p];
  }
  return out;
}

}  // namespace upsample::ops
