#pragma once
// Image files in and out. Pixels come back as OpenCV loads them with IMREAD_UNCHANGED:
// 8- or 16-bit, 1 (grey), 3 (BGR) or 4 (BGRA) channels, so nothing is lost on the way
// in; EXIF orientation is applied so the picture stands as the camera meant. HEIF/AVIF,
// JPEG XL and GIF go through their own libraries (see formats.hpp for what is read and
// written); a file's format is told by its content, the path only names the output's.
// The metadata (metadata.hpp) can travel from a loaded file into a saved one.
// Paths may hold any UTF-8: bytes go through std::filesystem and imdecode/imencode.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "io/atomic_file.hpp"
#include "io/background_colour.hpp"
#include "io/image_header.hpp"
#include "io/formats.hpp"
#include "io/metadata.hpp"
#include "io/png_row_encoder.hpp"
#include "tensor/error.hpp"

namespace upsample::io {

// Lower-case extension without the dot ("png"), or "" if none.
std::string extension_of(const std::filesystem::path& path);
// True for extensions of formats this build reads (formats.hpp: png, jpg, tif, webp,
// heic, avif, jxl, gif, bmp, ppm, exr, ...).
bool is_image_extension(const std::string& ext);
// True for extensions of formats this build writes (all of the above but gif).
bool is_writable_extension(const std::string& ext);
// True if the format stores 16-bit samples (png, tif/tiff, ppm/pgm/pnm).
bool format_keeps_16bit(const std::string& ext);
// True if the format stores an alpha channel (png, tif/tiff, webp).
bool format_keeps_alpha(const std::string& ext);

// The image files directly inside `folder` (by extension), sorted by name; empty if the
// folder cannot be read.
std::vector<std::filesystem::path> image_files_in(const std::filesystem::path& folder);

// EXIF orientation tag (1..8) found in JPEG APP1, PNG eXIf or a WebP's EXIF chunk, or nullopt.
std::optional<int> exif_orientation(std::span<const std::byte> file_bytes);
// Rotates/flips `image` so that EXIF orientation `orientation` becomes 1.
cv::Mat apply_exif_orientation(const cv::Mat& image, int orientation);

// What is wrong with an image file's structure, or "" if nothing is seen: "truncated: ..."
// for a JPEG without its end-of-image marker or a PNG without its IEND chunk.
std::string damage_in(std::span<const std::byte> file_bytes);

// A file that load_image refuses for its damage_in (a decoder would fill the gap silently).
class DamagedImageError : public Error {
 public:
  using Error::Error;
};

struct LoadOptions {
  bool accept_damaged = false;  // decode a damaged file anyway: what is missing comes out as filler
  // Told the image's size before it is decoded (from its header; for a format whose
  // header is not read, right after decoding); may refuse it by throwing Error.
  std::function<void(const ImageHeader&)> check_size;
  // Receives a copy of the bytes read (standard input's too), for what a caller reads in
  // them besides the pixels (a JPEG's quantisation tables).
  std::vector<std::byte>* file_bytes = nullptr;
};

// Loads an image ("-" reads standard input); throws upsample::Error("<path>: <reason>")
// when it cannot, and DamagedImageError for a damaged file unless options.accept_damaged,
// which instead puts what is wrong into `damage` (if given). `metadata` (if given)
// receives the file's EXIF, XMP, IPTC and ICC profile; `notes` (if given) what a user
// should be told, each naming the file (an animated GIF's later frames left out).
cv::Mat load_image(const std::filesystem::path& path, const LoadOptions& options = {}, std::string* damage = nullptr,
                   PhotoMetadata* metadata = nullptr, std::vector<std::string>* notes = nullptr);

// The extension of the format save_image writes `path` in: `format` if given, PNG for
// standard output ("-"), else the path's own (lower case).
std::string output_extension(const std::filesystem::path& path, const std::string& format);

struct SaveOptions {
  std::string format;              // extension to encode as; empty = from the path
  std::optional<int> quality;      // JPEG/WebP/HEIF/AVIF/JPEG XL quality 1..100; empty = codec default
                                   // (OpenCV's JPEG 95, WebP lossless; HEIF/AVIF 90; JPEG XL distance 1)
  ExistingFile existing = ExistingFile::Refuse;
  const PhotoMetadata* metadata = nullptr;  // written into the file, fitted to its pixels (metadata.hpp)
  std::optional<int> png_level = std::nullopt;  // PNG zlib level 0..9; empty = OpenCV's fast default (level 1)
  BackgroundColour background = {};  // what alpha is flattened onto in a format without alpha
};

// What save_image had to change to fit the format, for the caller to report.
struct SaveReport {
  bool reduced_to_8bit = false;
  int reduced_to_bits = 0;  // 16-bit pixels written with fewer bits: how many (8, or 10 in HEIF/AVIF)
  bool dropped_alpha = false;  // flattened onto SaveOptions::background
  std::vector<std::string> metadata_lost;  // "IPTC", "ICC profile": what the format could not carry
  size_t bytes_written = 0;
};

// Encodes and writes atomically (temporary file + rename); "-" writes to standard output.
// Converts 16-bit to 8-bit and flattens alpha onto options.background only where the
// format cannot hold them, and says so in the report.
SaveReport save_image(const std::filesystem::path& path, const cv::Mat& image, const SaveOptions& options = {});

// The same for an image made band by band as it is written: as PNG (8 or 16 bits, grey or
// BGR) it is never whole in memory, only its encoded file is; any other format or type is
// made whole first and saved as above.
SaveReport save_image(const std::filesystem::path& path, const ImageInRows& image, const SaveOptions& options = {});

}  // namespace upsample::io
