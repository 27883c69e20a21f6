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
#include <opencv2/core.hpp>

namespace upsample::testing {

// A Display P3 ICC profile (P3 primaries, D65 white, the sRGB curve) made with Little CMS.
std::vector<std::byte> display_p3_profile();

// Writes only `icc` into an existing PNG, JPEG or TIFF file.
void write_icc_profile(const std::filesystem::path& file, const std::vector<std::byte>& icc);

// An 8-bit BGR image whose values are in the colour space `icc` describes, as sRGB
// values (Little CMS, relative colorimetric): what a colour-managed viewer shows.
cv::Mat rendered_as_srgb(const cv::Mat& bgr, const std::string& icc);

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
