#include "pipeline/output_quality.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "imaging/jpeg_quality.hpp"
#include "io/webp_lossless.hpp"
#include "tensor/error.hpp"

namespace upsample::pipeline {

namespace {

// The IJG quality a JPEG input was saved at, or nullopt when it is no JPEG or its tables
// cannot be read (the pixels were read: the default will do).
std::optional<int> quality_of_jpeg_input(std::span<const std::byte> bytes) {
  try {
    const auto tables = imaging::read_jpeg_quant_tables(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    if (!tables) return std::nullopt;
    const auto estimate = imaging::estimate_jpeg_quality(*tables);
    if (!estimate) return std::nullopt;
    return static_cast<int>(std::lround(std::clamp(estimate->quality, 1.0, 100.0)));
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace

std::string OutputQuality::describe() const {
  return (quality ? "quality " + std::to_string(*quality) : std::string("lossless")) + ", " + reason;
}

std::optional<OutputQuality> output_quality(const io::ImageFormat& output, std::span<const std::byte> input_bytes,
                                            std::optional<int> asked) {
  const std::string_view name = output.name;
  const bool has_quality = name == "JPEG" || name == "WebP" || name == "HEIF" || name == "AVIF" || name == "JPEG XL";
  if (!has_quality) return std::nullopt;
  if (asked) return OutputQuality{asked, "from --quality"};
  if (name == "JPEG") {
    if (const auto own = quality_of_jpeg_input(input_bytes)) return OutputQuality{own, "the input's (read from its JPEG tables)"};
    return OutputQuality{kDefaultJpegQuality, "the default for JPEG"};
  }
  if (name == "WebP") {
    if (io::is_lossless_webp(input_bytes)) return OutputQuality{std::nullopt, "as the input WebP"};
    return OutputQuality{kDefaultWebpQuality, "the default for WebP"};
  }
  if (name == "JPEG XL") return OutputQuality{kDefaultJxlQuality, "the default for JPEG XL"};
  return OutputQuality{kDefaultHeifQuality, "the default for " + std::string(name)};
}

}  // namespace upsample::pipeline
