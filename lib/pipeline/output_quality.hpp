#pragma once
// The quality an output of a lossy format is written at when the user did not say: what
// fits its input, so an upscale neither bloats a small JPEG nor spoils a lossless WebP.
//   JPEG:               a JPEG input's own quality (from its quantisation tables), else 95
//   WebP:               lossless for a lossless WebP input, else quality 90
//   HEIC, AVIF, JPEG XL: quality 90
// --quality overrides all of them. Other formats have no quality setting.
#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "io/formats.hpp"

namespace upsample::pipeline {

inline constexpr int kDefaultJpegQuality = 95;  // OpenCV's own: high, for a picture looked at closely
inline constexpr int kDefaultWebpQuality = 90;  // lossy, as photos are shared; lossless is several times the bytes
inline constexpr int kDefaultHeifQuality = 90;  // HEIC and AVIF: the encoder's default here (io/heif_codec)
inline constexpr int kDefaultJxlQuality = 90;   // libjxl's default distance 1 is its quality 90

struct OutputQuality {
  std::optional<int> quality;  // for io::SaveOptions::quality; empty when lossless
  std::string reason;          // "the input's (read from its JPEG tables)", "--quality", ...
  // "quality 72, the input's (read from its JPEG tables)", "lossless, as the input WebP"
  std::string describe() const;
};

// The quality `output` is written at, from the input file's bytes and --quality
// (`asked`); nullopt for a format without a quality setting.
std::optional<OutputQuality> output_quality(const io::ImageFormat& output, std::span<const std::byte> input_bytes,
                                            std::optional<int> asked);

}  // namespace upsample::pipeline
