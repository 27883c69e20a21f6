#pragma once
// JPEG XL files through libjxl. Reading applies the file's orientation and keeps alpha
// and 16-bit depth; the colour profile of the decoded pixels, EXIF and XMP come with them.
// Writing keeps the pixels in their own colour space (no XYB), so the ICC profile is
// stored as given; EXIF and XMP go into "Exif" and "xml " boxes. JPEG XL has no IPTC.
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include <opencv2/core.hpp>

#include "io/image_header.hpp"
#include "io/metadata.hpp"

namespace upsample::io {

// True for a bare JPEG XL codestream or the JPEG XL container.
bool looks_like_jxl(std::span<const std::byte> bytes);

// Grey, BGR or BGRA pixels (8- or 16-bit); `metadata` (if given) receives the profile,
// EXIF and XMP. Throws upsample::Error with the reason (no file name).
cv::Mat decode_jxl(std::span<const std::byte> bytes, PhotoMetadata* metadata, const SizeCheck& check_size = {});

// Encodes 8- or 16-bit grey, BGR or BGRA pixels; `quality` 100 is lossless, lower is
// lossy (default: visually lossless, distance 1); `metadata` already fitted to the pixels.
std::vector<unsigned char> encode_jxl(const cv::Mat& image, std::optional<int> quality, const PhotoMetadata* metadata);

}  // namespace upsample::io
