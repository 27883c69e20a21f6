#pragma once
// Whether a WebP file holds a lossless picture (a VP8L bitstream) or a lossy one (VP8):
// what a WebP output keeps by default.
#include <cstddef>
#include <span>

namespace upsample::io {

// True for a WebP whose first image chunk is VP8L; false for a lossy WebP, for anything
// that is not a WebP, and for an animation (its frames may differ).
bool is_lossless_webp(std::span<const std::byte> file_bytes);

}  // namespace upsample::io
