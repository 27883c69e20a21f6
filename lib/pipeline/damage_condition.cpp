#include "pipeline/damage_condition.hpp"
#include "imaging/aliasing_level.hpp"
#include "imaging/colour.hpp"

#include <algorithm>
#include <cmath>

namespace upsample::pipeline {

std::vector<float> damage_condition(double jpeg_quality, double luma_noise_sigma, double aliasing, int planes) {
  const double jpeg = jpeg_quality > 0 ? (100.0 - std::clamp(jpeg_quality, 1.0, 100.0)) / 100.0 : 0.0;
  const double folded =
      std::clamp((aliasing - imaging::kAntialiasedAliasing) / (1.0 - imaging::kAntialiasedAliasing), 0.0, 1.0);
  std::vector<float> all = {static_cast<float>(jpeg), static_cast<float>(std::max(0.0, luma_noise_sigma) / 10.0),
                            static_cast<float>(folded)};
  all.resize(static_cast<size_t>(std::clamp(planes, 0, kDamageConditionPlanes)));
  return all;
}

double luma_noise_sigma(double rgb_sigma, bool grey) {
  constexpr double r = imaging::kLumaFromR / 255, g = imaging::kLumaFromG / 255, b = imaging::kLumaFromB / 255;
  return rgb_sigma * (grey ? r + g + b : std::sqrt(r * r + g * g + b * b));
}

}  // namespace upsample::pipeline
