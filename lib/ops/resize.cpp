#include "ops/resize.hpp"

#include <cmath>
#include <string>

#include "ops/ref/resize_ref.hpp"
#include "ops/x86/fast_ops.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

namespace {
std::string decimal(double v) {
  std::string s = std::to_string(v);
  while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();  // 1.500000 → 1.5
  return s;
}

// F.interpolate's output size for a scale factor: the product in double, truncated.
int64_t scaled_size(int64_t input_size, double factor) {
  return static_cast<int64_t>(static_cast<double>(input_size) * factor);
}
}  // namespace

const char* resize_mode_name(ResizeMode mode) {
  switch (mode) {
    case ResizeMode::Nearest: return "nearest";
    case ResizeMode::Bilinear: return "bilinear";
    case ResizeMode::Bicubic: return "bicubic";
  }
  return "unknown";
}

Shape resize_output_shape(const Shape& input, const ResizeParams& p) {
  require("resize", input.rank() == 4, "input must be N×C×H×W, got shape " + input.str());
  require("resize", input.c() >= 1 && input.h() >= 1 && input.w() >= 1, "input has an empty dimension: " + input.str());
  require("resize", p.mode == ResizeMode::Nearest || p.mode == ResizeMode::Bilinear || p.mode == ResizeMode::Bicubic,
          "unknown mode " + std::to_string(static_cast<int64_t>(p.mode)));
  const bool by_scale = p.scale_h != 0.0 || p.scale_w != 0.0;
  const bool by_size = p.out_h != 0 || p.out_w != 0;
  require("resize", by_scale != by_size,
          by_scale ? "give either scale factors or an output size, not both"
                   : "give either scale factors or an output size");
  if (by_size) {
    require("resize", p.out_h >= 1 && p.out_w >= 1,
            "the output size must be positive, got " + std::to_string(p.out_h) + "×" + std::to_string(p.out_w));
    return Shape{input.n(), input.c(), p.out_h, p.out_w};
  }
  require("resize", std::isfinite(p.scale_h) && std::isfinite(p.scale_w) && p.scale_h > 0.0 && p.scale_w > 0.0,
          "scale factors must be positive and finite, got " + decimal(p.scale_h) + "×" + decimal(p.scale_w));
  const int64_t out_h = scaled_size(input.h(), p.scale_h);
  const int64_t out_w = scaled_size(input.w(), p.scale_w);
  require("resize", out_h >= 1 && out_w >= 1,
          "scale factors " + decimal(p.scale_h) + "×" + decimal(p.scale_w) + " turn " + std::to_string(input.h()) +
              "×" + std::to_string(input.w()) + " into an empty " + std::to_string(out_h) + "×" +
              std::to_string(out_w) + " output");
  return Shape{input.n(), input.c(), out_h, out_w};
}

Tensor resize_forward(const Tensor& input, const ResizeParams& params) {
  if (x86::active_isa() == x86::Isa::Ref) return ref::resize_forward(input, params);
  return x86::resize_forward(input, params);
}

Tensor resize_backward(const Tensor& grad_output, const Shape& input_shape, const ResizeParams& params) {
  if (x86::active_isa() == x86::Isa::Ref) return ref::resize_backward(grad_output, input_shape, params);
  return x86::resize_backward(grad_output, input_shape, params);
}

}  // namespace upsample::ops
