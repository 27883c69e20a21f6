#pragma once
// HEIF (.heic, HEVC-coded, as phones write them) and AVIF (AV1-coded) files, through
// libheif. Reading applies the file's rotation and mirroring (HEIF stores them as boxes;
// its EXIF orientation is only a note) and keeps alpha and up to 16-bit depth; writing
// keeps alpha, and 10 of 16 bits in HEVC. The ICC profile, EXIF and XMP travel both ways; HEIF has no IPTC.
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include <opencv2/core.hpp>

#include "io/image_header.hpp"
#include "io/metadata.hpp"

namespace upsample::io {

// True if the bytes start with an ISO-BMFF 'ftyp' box naming a HEIF or AVIF brand.
bool looks_like_heif(std::span<const std::byte> bytes);

// The primary image as BGR/BGRA (8-bit, or 16-bit for deeper files, scaled to the full
// 16-bit range), its metadata into `metadata` if given. Throws upsample::Error with the
// reason (no file name).
cv::Mat decode_heif(std::span<const std::byte> bytes, PhotoMetadata* metadata, const SizeCheck& check_size = {});

enum class HeifCodec { Hevc, Av1 };

// Bits per sample that 16-bit pixels are written with (HEVC Main 10).
constexpr int kDeepHeifBits = 10;

// Encodes 8- or 16-bit (written with kDeepHeifBits; HEVC only) grey, BGR or BGRA pixels; `quality`
// 1..100 (default 90); `metadata` (already fitted to the pixels) written with them.
// Throws upsample::Error.
std::vector<unsigned char> encode_heif(const cv::Mat& image, HeifCodec codec, std::optional<int> quality,
                                       const PhotoMetadata* metadata);

}  // namespace upsample::io
