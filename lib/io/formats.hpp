#pragma once
// The image formats this build reads and writes, and what each one can hold: one table
// that loading, saving, folder walks and `upsample --formats` all answer from.
#include <string>
#include <string_view>
#include <vector>

namespace upsample::io {

struct ImageFormat {
  std::string_view name;                     // "JPEG"
  std::vector<std::string_view> extensions;  // lower case, without the dot; the first is the usual one
  bool read = false, write = false;
  bool keeps_16bit = false, keeps_alpha = false;
  int deep_bits = 0;  // bits per sample it writes 16-bit pixels with, where fewer than 16 but more than 8
  bool exif = false, xmp = false, iptc = false, icc = false;  // metadata it carries when written
  std::string_view note;                     // what a user should know ("first frame only")
};

// Every format, in the order `--formats` lists them.
const std::vector<ImageFormat>& image_formats();

// The format an extension (any case, no dot) names, or nullptr.
const ImageFormat* format_of_extension(const std::string& ext);

// Why files with this extension are images the tool cannot read ("camera raw"), or "" if
// it is not such an extension: these are failures, never skipped as "not an image".
std::string unreadable_image_kind(const std::string& ext);

// "png, jpg, tif, ..." for messages: the usual extension of every format that can be written.
std::string writable_extensions_text();

}  // namespace upsample::io
