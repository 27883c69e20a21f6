#pragma once
// Photos with the tags a phone writes, made here with exiv2 and Little CMS, and their
// tags read back: for the tests of metadata kept through an upscale.
#include <filesystem>
#include <string>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <exiv2/exiv2.hpp>
#pragma GCC diagnostic pop

namespace upsample::testing {

// A Display P3 ICC profile (P3 primaries, D65 white, the sRGB curve) made with Little CMS.
std::vector<std::byte> display_p3_profile();

// Writes a phone's tags into an existing JPEG, PNG, TIFF or WebP file: camera make and
// model, date, GPS, copyright, orientation 6, 300 dpi, PixelX/YDimension of `width` x
// `height`, a thumbnail (JPEG only), XMP title and rating, IPTC keywords, `icc`.
void write_phone_tags(const std::filesystem::path& file, int width, int height, const std::vector<std::byte>& icc);

// The same tags as a metadata block for a HEIF file: {exif TIFF block, xmp packet}.
struct PhoneTagBlocks {
  std::vector<std::byte> exif;
  std::string xmp;
};
PhoneTagBlocks phone_tag_blocks(int width, int height);

struct PhotoTags {
  Exiv2::ExifData exif;
  Exiv2::XmpData xmp;
  Exiv2::IptcData iptc;
  std::string icc;  // the profile's bytes
};

// A file's tags, read with exiv2 (HEIF/AVIF: the blocks libheif finds, decoded by exiv2).
PhotoTags read_photo_tags(const std::filesystem::path& file);

}  // namespace upsample::testing
