#include "deblur/blur_code_planes.hpp"

#include <algorithm>
#include <string>

#include "tensor/error.hpp"

namespace upsample::deblur {

using imaging::BlurCode;
using imaging::kBlurCodeSize;

Tensor blur_code_planes(const std::vector<BlurCode>& codes, int64_t rows, int64_t cols) {
  Tensor out(Shape{static_cast<int64_t>(codes.size()), kBlurCodeSize, rows, cols});
  for (size_t b = 0; b < codes.size(); ++b)
    for (int k = 0; k < kBlurCodeSize; ++k)
      std::fill_n(out.plane(static_cast<int64_t>(b), k), rows * cols, codes[b][static_cast<size_t>(k)]);
  return out;
}

Tensor with_blur_code_planes(const Tensor& images, const std::vector<BlurCode>& codes) {
  const Shape& s = images.shape();
  if (s.n() != static_cast<int64_t>(codes.size()))
    throw Error("blur code planes: " + std::to_string(codes.size()) + " codes for a batch of " + std::to_string(s.n()));
  Tensor out(Shape{s.n(), s.c() + kBlurCodeSize, s.h(), s.w()});
  const int64_t area = s.h() * s.w();
  for (int64_t b = 0; b < s.n(); ++b) {
    for (int64_t c = 0; c < s.c(); ++c) std::copy_n(images.plane(b, c), area, out.plane(b, c));
    for (int k = 0; k < kBlurCodeSize; ++k)
      std::fill_n(out.plane(b, s.c() + k), area, codes[static_cast<size_t>(b)][static_cast<size_t>(k)]);
  }
  return out;
}

}  // namespace upsample::deblur
