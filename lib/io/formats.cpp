#include "io/formats.hpp"

#include <algorithm>
#include <cctype>

namespace upsample::io {

namespace {

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

const std::vector<ImageFormat>& image_formats() {
  // name, extensions, read, write, 16-bit, alpha, deep bits, EXIF, XMP, IPTC, ICC, note
  static const std::vector<ImageFormat> formats = {
      {"JPEG", {"jpg", "jpeg", "jpe", "jfif"}, true, true, false, false, 0, true, true, true, true, ""},
      {"PNG", {"png"}, true, true, true, true, 0, true, true, true, true, ""},
      {"TIFF", {"tif", "tiff"}, true, true, true, true, 0, true, true, true, true, ""},
      {"WebP", {"webp"}, true, true, false, true, 0, true, true, false, true, ""},
      {"HEIF", {"heic", "heif", "hif"}, true, true, false, true, 10, true, true, false, true, "HEVC; 16-bit written with 10"},
      // 8 bits: aom (Debian's 3.6) aborts on the 10-bit RGB libheif 1.15 hands it.
      {"AVIF", {"avif"}, true, true, false, true, 0, true, true, false, true, "AV1; 16-bit written with 8"},
      {"JPEG XL", {"jxl"}, true, true, true, true, 0, true, true, false, true, ""},
      {"GIF", {"gif"}, true, false, false, true, 0, false, false, false, false, "first frame only; read only"},
      {"BMP", {"bmp", "dib"}, true, true, false, false, 0, false, false, false, false, ""},
      {"PNM", {"ppm", "pgm", "pnm", "pbm"}, true, true, true, false, 0, false, false, false, false, ""},
      {"JPEG 2000", {"jp2"}, true, true, true, true, 0, false, false, false, false, ""},
      {"OpenEXR", {"exr"}, true, true, false, true, 0, false, false, false, false, "read as 8/16-bit only"},
      {"Radiance HDR", {"hdr"}, true, true, false, false, 0, false, false, false, false, "read as 8/16-bit only"},
  };
  return formats;
}

const ImageFormat* format_of_extension(const std::string& ext) {
  const std::string e = lowercase(ext);
  for (const ImageFormat& f : image_formats())
    if (std::find(f.extensions.begin(), f.extensions.end(), e) != f.extensions.end()) return &f;
  return nullptr;
}

std::string unreadable_image_kind(const std::string& ext) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kinds = {
      {"dng", "camera raw"}, {"cr2", "camera raw"}, {"cr3", "camera raw"}, {"nef", "camera raw"},
      {"arw", "camera raw"}, {"orf", "camera raw"}, {"rw2", "camera raw"}, {"raf", "camera raw"},
      {"psd", "Photoshop document"}, {"svg", "vector drawing"}, {"ico", "icon"}, {"jxr", "JPEG XR"},
  };
  const std::string e = lowercase(ext);
  for (const auto& [extension, kind] : kinds)
    if (e == extension) return std::string(kind);
  return "";
}

std::string writable_extensions_text() {
  std::string text;
  for (const ImageFormat& f : image_formats())
    if (f.write) text += (text.empty() ? "" : ", ") + std::string(f.extensions.front());
  return text;
}

}  // namespace upsample::io
