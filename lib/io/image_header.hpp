#pragma once
// An image's size read from its file header, before anything is decoded: a file of a
// few bytes can declare a picture of billions of pixels, and the decoder would allocate
// all of it before failing. Known headers: PNG, JPEG, WebP, BMP, TIFF, PNM and GIF.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>

namespace upsample::io {

struct ImageHeader {
  int width = 0, height = 0;
  int channels = 0;          // as the image will be loaded: 1, 3 or 4 (grey + alpha is widened to 4)
  int bytes_per_sample = 1;  // 1 or 2
  std::uint64_t decoded_bytes() const {
    return static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height) * static_cast<std::uint64_t>(channels) *
           static_cast<std::uint64_t>(bytes_per_sample);
  }
};

// Told an image's size before its pixels are decoded; may refuse it by throwing Error.
using SizeCheck = std::function<void(const ImageHeader&)>;

// The most pixels an image may have, as OpenCV's decoders allow by default: a header that
// declares more is refused before anything is allocated.
inline constexpr std::uint64_t kMaxImagePixels = std::uint64_t{1} << 30;

// Refuses a declared size over kMaxImagePixels, then asks `check` (if any).
void check_declared_size(const ImageHeader& header, const SizeCheck& check);

// The header of a file of a known format, or nullopt if the format is not one of them or
// its header is cut short or makes no sense (the decoder then has the last word).
std::optional<ImageHeader> read_image_header(std::span<const std::byte> file_bytes);

}  // namespace upsample::io
