// libFuzzer target: any text as a blur spec (PSF), a damage spec and a random-damage
// option, as users type them. Each is parsed or refused with an upsample::Error; a kernel
// that parses keeps its promises (odd, centred, non-negative, sums to 1), and a damage
// spec's text() parses back to the same spec.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "imaging/blur_kernels.hpp"
#include "imaging/degradations.hpp"
#include "tensor/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace upsample;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const cv::Mat kernel = imaging::parse_blur_kernel(text);
    if (kernel.type() != CV_32FC1 || kernel.rows % 2 == 0 || kernel.cols % 2 == 0) __builtin_trap();
    double sum = 0, lowest = 0;
    for (int y = 0; y < kernel.rows; ++y)
      for (int x = 0; x < kernel.cols; ++x) {
        sum += kernel.at<float>(y, x);
        lowest = std::min(lowest, static_cast<double>(kernel.at<float>(y, x)));
      }
    if (lowest < 0 || std::abs(sum - 1) > 1e-3) __builtin_trap();
  } catch (const Error&) {
  }
  try {
    const imaging::DamageSpec spec = imaging::parse_damage_specs({text});
    const imaging::DamageSpec again = imaging::parse_damage_specs({spec.text()});
    if (again.text() != spec.text()) __builtin_trap();
  } catch (const Error&) {
  }
  try {
    const imaging::RandomDamageOptions options = imaging::parse_random_damage({text});
    (void)imaging::random_damage_text(options);
  } catch (const Error&) {
  }
  return 0;
}
