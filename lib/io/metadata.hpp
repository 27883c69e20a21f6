#pragma once
// What a photo carries besides its pixels: EXIF, XMP, IPTC and its ICC colour profile.
// Read from an input file's bytes, and written into an output's encoded bytes with the
// facts the upscale changed put right: pixel dimensions, orientation 1 (the loader has
// already turned the pixels upright), no embedded thumbnail (it shows the old picture).
// The pixels keep the input's colour space, so its profile goes with them unchanged.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "io/formats.hpp"
#include "io/png_chunks.hpp"

namespace upsample::io {

struct PhotoMetadata {
  std::vector<std::byte> exif;  // TIFF-structured EXIF block ("II*\0..." or "MM\0*...")
  std::string xmp;              // XMP packet
  std::vector<std::byte> iptc;  // IPTC-IIM records
  std::vector<std::byte> icc;   // ICC profile
  std::optional<PngDensity> density;  // a PNG's pHYs, for a PNG output
  bool empty() const { return exif.empty() && xmp.empty() && iptc.empty() && icc.empty() && !density; }
};

// What exiv2 finds in a JPEG, PNG, TIFF or WebP file. A file it cannot parse gives an
// empty result: the pixels matter more than their notes.
PhotoMetadata read_metadata(std::span<const std::byte> file_bytes);

// The EXIF orientation (1..8) in an EXIF block, or nullopt.
std::optional<int> orientation_in_exif(std::span<const std::byte> exif);

// The EXIF XResolution, YResolution and ResolutionUnit (2 inch, 3 cm), rounded to whole
// numbers, or nullopt: a TIFF writer has to be given them itself (exiv2 leaves a TIFF's
// layout tags as its writer set them).
struct PrintResolution {
  int x = 0, y = 0, unit = 2;
};
std::optional<PrintResolution> resolution_in_exif(std::span<const std::byte> exif);

// `exif` made true for upright pixels of `size`: PixelX/YDimension set (ImageWidth/Length
// where present), Orientation 1, thumbnail and the input file's own structure tags
// (strips, tiles, sample layout) removed. Empty in, empty out.
std::vector<std::byte> exif_for_output(std::span<const std::byte> exif, cv::Size size);
// The same for an XMP packet's tiff:/exif: dimensions and orientation; a packet without
// them comes back byte for byte.
std::string xmp_for_output(const std::string& xmp, cv::Size size);

// The kinds ("EXIF", "XMP", "IPTC", "ICC profile") `metadata` holds that `format` cannot carry.
std::vector<std::string> metadata_the_format_loses(const PhotoMetadata& metadata, const ImageFormat& format);

// "IPTC", "IPTC and ICC profile", "EXIF, XMP and IPTC": kinds for a message.
std::string join_kinds(const std::vector<std::string>& kinds);

// Writes `metadata` (fitted with exif_for_output/xmp_for_output) into `encoded`, a JPEG,
// PNG, TIFF or WebP file of upright pixels of `size`; what the format cannot carry is left
// out (see metadata_the_format_loses). Throws upsample::Error if exiv2 cannot write it.
void embed_metadata(std::vector<unsigned char>& encoded, const ImageFormat& format, const PhotoMetadata& metadata,
                    cv::Size size);

}  // namespace upsample::io
