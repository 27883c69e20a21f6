#include "pipeline/target_size.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "tensor/error.hpp"

namespace upsample::pipeline {

double parse_scale_factor(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value) || value < 1 || value > kMaxScaleFactor)
    throw Error("-s " + text + ": the scale is a number from 1 to 16 (e.g. 2 or 1.5)");
  return value;
}

std::optional<int> whole_scale(const TargetSize& target) {
  if (target.factor > 0 && target.factor == std::floor(target.factor)) return static_cast<int>(target.factor);
  return std::nullopt;
}

std::string scale_text(const TargetSize& target) {
  if (target.factor > 0) {
    char text[32];
    const auto [end, ec] = std::to_chars(text, text + sizeof text, target.factor);
    return ec == std::errc() ? std::string(text, end) : std::to_string(target.factor);
  }
  if (target.width > 0 && target.height > 0) return std::to_string(target.width) + "x" + std::to_string(target.height);
  if (target.width > 0) return "w" + std::to_string(target.width);
  return "h" + std::to_string(target.height);
}

namespace {

// round(side × asked / reference), half up, exactly in integers.
int proportional_side(int side, int asked, int reference) {
  const std::int64_t numerator = 2 * static_cast<std::int64_t>(side) * asked + reference;
  const std::int64_t side_out = numerator / (2 * static_cast<std::int64_t>(reference));
  return static_cast<int>(std::min<std::int64_t>(side_out, kMaxSide + 1LL));
}

}  // namespace

cv::Size target_output_size(cv::Size input, const TargetSize& target) {
  if (input.width <= 0 || input.height <= 0) throw Error("cannot size an empty image");
  cv::Size out;
  if (target.factor > 0) {
    const double w = std::floor(input.width * target.factor + 0.5), h = std::floor(input.height * target.factor + 0.5);
    out = {static_cast<int>(std::min(w, kMaxSide + 1.0)), static_cast<int>(std::min(h, kMaxSide + 1.0))};
  } else if (target.width > 0 && target.height > 0) {
    out = {target.width, target.height};
  } else if (target.width > 0) {
    out = {target.width, proportional_side(input.height, target.width, input.width)};
  } else if (target.height > 0) {
    out = {proportional_side(input.width, target.height, input.height), target.height};
  } else {
    throw Error("no target size: give a scale, a width or a height");
  }
  out.width = std::max(out.width, 1);
  out.height = std::max(out.height, 1);
  if (out.width > kMaxSide || out.height > kMaxSide)
    throw Error("the output would be " + std::to_string(out.width) + "x" + std::to_string(out.height) + ", over " +
                std::to_string(kMaxSide) + " pixels on a side");
  return out;
}

}  // namespace upsample::pipeline
