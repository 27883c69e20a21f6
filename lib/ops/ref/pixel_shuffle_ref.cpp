#include "ops/ref/pixel_shuffle_ref.hpp"

#include <cstdint>

namespace upsample::ops::ref {

namespace {

// Calls visit(n, c, h, w, i, j) once for every pair of positions that the shuffle maps onto
// each other: low-resolution [n][c·r² + i·r + j][h][w] ↔ high-resolution [n][c][h·r + i][w·r + j],
// where the high-resolution tensor has shape `high`.
template <typename Visit>
void for_each_pair(const Shape& high, int r, Visit visit) {
  for (int64_t n = 0; n < high.n(); ++n)
    for (int64_t c = 0; c < high.c(); ++c)
      for (int64_t i = 0; i < r; ++i)
        for (int64_t j = 0; j < r; ++j)
          for (int64_t h = 0; h < high.h() / r; ++h)
            for (int64_t w = 0; w < high.w() / r; ++w) visit(n, c, h, w, i, j);
}

// [N, C·r², H, W] → [N, C, H·r, W·r]
Tensor shuffle(const Tensor& low, int r, const Shape& high_shape) {
  Tensor high(high_shape);
  const int64_t rr = int64_t{r} * r;
  for_each_pair(high_shape, r, [&](int64_t n, int64_t c, int64_t h, int64_t w, int64_t i, int64_t j) {
    high.at(n, c, h * r + i, w * r + j) = low.at(n, c * rr + i * r + j, h, w);
  });
  return high;
}

// [N, C, H·r, W·r] → [N, C·r², H, W]
Tensor unshuffle(const Tensor& high, int r, const Shape& low_shape) {
  Tensor low(low_shape);
  const int64_t rr = int64_t{r} * r;
  for_each_pair(high.shape(), r, [&](int64_t n, int64_t c, int64_t h, int64_t w, int64_t i, int64_t j) {
    low.at(n, c * rr + i * r + j, h, w) = high.at(n, c, h * r + i, w * r + j);
  });
  return low;
}

}  // namespace

Tensor pixel_shuffle_forward(const Tensor& input, int factor) {
  return shuffle(input, factor, pixel_shuffle_output_shape(input.shape(), factor));
}

Tensor pixel_shuffle_backward(const Tensor& grad_output, int factor) {
  return unshuffle(grad_output, factor, pixel_unshuffle_output_shape(grad_output.shape(), factor));
}

Tensor pixel_unshuffle_forward(const Tensor& input, int factor) {
  return unshuffle(input, factor, pixel_unshuffle_output_shape(input.shape(), factor));
}

Tensor pixel_unshuffle_backward(const Tensor& grad_output, int factor) {
  return shuffle(grad_output, factor, pixel_shuffle_output_shape(grad_output.shape(), factor));
}

}  // namespace upsample::ops::ref
