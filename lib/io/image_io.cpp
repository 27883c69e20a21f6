#include "io/image_io.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "io/flatten_alpha.hpp"
#include "io/gif_decoder.hpp"
#include "io/heif_codec.hpp"
#include "io/jxl_codec.hpp"
#include "io/png_chunks.hpp"
#include "io/png_parallel_encoder.hpp"
#include "io/stream_check.hpp"
#include "io/webp_metadata.hpp"
#include "tensor/error.hpp"

namespace upsample::io {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

uint16_t read_u16(const std::byte* p, bool little) {
  const auto b0 = static_cast<uint16_t>(p[0]), b1 = static_cast<uint16_t>(p[1]);
  return little ? static_cast<uint16_t>(b0 | (b1 << 8)) : static_cast<uint16_t>((b0 << 8) | b1);
}

uint32_t read_u32(const std::byte* p, bool little) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const auto b = static_cast<uint32_t>(p[little ? 3 - i : i]);
    v = (v << 8) | b;
  }
  return v;
}

// Orientation from a TIFF-structured EXIF block ("II*\0" or "MM\0*" ...).
std::optional<int> orientation_from_tiff(std::span<const std::byte> tiff) {
  if (tiff.size() < 8) return std::nullopt;
  const bool little = tiff[0] == std::byte{'I'} && tiff[1] == std::byte{'I'};
  const bool big = tiff[0] == std::byte{'M'} && tiff[1] == std::byte{'M'};
  if (!little && !big) return std::nullopt;
  const uint32_t ifd = read_u32(tiff.data() + 4, little);
  if (ifd > tiff.size() || tiff.size() - ifd < 2) return std::nullopt;
  const uint16_t entries = read_u16(tiff.data() + ifd, little);
  for (uint32_t i = 0; i < entries; ++i) {
    const size_t at = ifd + 2 + static_cast<size_t>(i) * 12;
    if (at + 12 > tiff.size()) return std::nullopt;
    if (read_u16(tiff.data() + at, little) == 0x0112) {  // Orientation, SHORT
      const int value = read_u16(tiff.data() + at + 8, little);
      if (value >= 1 && value <= 8) return value;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<int> jpeg_orientation(std::span<const std::byte> bytes) {
  size_t pos = 2;  // after SOI
  while (pos + 4 <= bytes.size()) {
    if (bytes[pos] != std::byte{0xFF}) return std::nullopt;
    const auto marker = static_cast<uint8_t>(bytes[pos + 1]);
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      pos += 2;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return std::nullopt;  // image data starts: no EXIF before it
    const size_t length = read_u16(bytes.data() + pos + 2, false);
    if (length < 2 || pos + 2 + length > bytes.size()) return std::nullopt;
    const std::byte* payload = bytes.data() + pos + 4;
    if (marker == 0xE1 && length >= 8 && std::memcmp(payload, "Exif\0\0", 6) == 0)
      return orientation_from_tiff(std::span<const std::byte>(payload + 6, length - 8));
    pos += 2 + length;
  }
  return std::nullopt;
}

std::optional<int> png_orientation(std::span<const std::byte> bytes) {
  size_t pos = 8;  // after the signature
  while (pos + 12 <= bytes.size()) {
    const uint32_t length = read_u32(bytes.data() + pos, false);
    if (length > bytes.size() - pos - 12) return std::nullopt;
    const std::byte* type = bytes.data() + pos + 4;
    if (std::memcmp(type, "eXIf", 4) == 0) return orientation_from_tiff(std::span<const std::byte>(type + 4, length));
    if (std::memcmp(type, "IDAT", 4) == 0) return std::nullopt;
    pos += 12 + length;
  }
  return std::nullopt;
}

// A WebP's EXIF chunk, found by walking its RIFF chunks; the block may start with the
// "Exif\0\0" header some writers put before the TIFF structure.
std::optional<int> webp_orientation(std::span<const std::byte> bytes) {
  size_t pos = 12;  // after "RIFF", the size and "WEBP"
  while (pos + 8 <= bytes.size()) {
    const uint32_t length = read_u32(bytes.data() + pos + 4, true);
    if (length > bytes.size() - pos - 8) return std::nullopt;
    const std::byte* payload = bytes.data() + pos + 8;
    if (std::memcmp(bytes.data() + pos, "EXIF", 4) == 0) {
      const bool has_header = length >= 6 && std::memcmp(payload, "Exif\0\0", 6) == 0;
      const size_t skip = has_header ? 6 : 0;
      return orientation_from_tiff(std::span<const std::byte>(payload + skip, length - skip));
    }
    pos += 8 + length + (length & 1u);  // chunks are padded to an even size
  }
  return std::nullopt;
}

// True if the JPEG's markers run to its end-of-image marker (FFD9). Segments are skipped
// by their lengths (an EXIF thumbnail holds a whole JPEG, FFD9 included) and entropy-coded
// data up to the next marker that is not a stuffed FF00 or a restart; bytes after the EOI
// (camera trailers, a second picture) are allowed.
bool jpeg_reaches_its_end(std::span<const std::byte> bytes) {
  const auto at = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  size_t pos = 2;  // after SOI
  while (true) {
    while (pos < bytes.size() && at(pos) != 0xFF) ++pos;  // stray bytes before a marker: libjpeg skips them too
    while (pos + 1 < bytes.size() && at(pos + 1) == 0xFF) ++pos;  // fill bytes
    if (pos + 1 >= bytes.size()) return false;
    const uint8_t marker = at(pos + 1);
    if (marker == 0xD9) return true;
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x00) {
      pos += 2;
      continue;
    }
    if (pos + 4 > bytes.size()) return false;
    const size_t length = read_u16(bytes.data() + pos + 2, false);
    if (length < 2 || pos + 2 + length > bytes.size()) return false;
    pos += 2 + length;
    if (marker != 0xDA) continue;
    // Scan data: it ends at the first FF that starts a marker (not FF00, not RSTn).
    while (true) {
      const void* ff = std::memchr(bytes.data() + pos, 0xFF, bytes.size() - pos);
      if (ff == nullptr) return false;
      pos = static_cast<size_t>(static_cast<const std::byte*>(ff) - bytes.data());
      if (pos + 1 >= bytes.size()) return false;
      const uint8_t next = at(pos + 1);
      if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) pos += 2;
      else if (next == 0xFF) pos += 1;
      else break;
    }
  }
}

// True if the PNG's chunks, walked by their lengths, reach IEND.
bool png_reaches_its_end(std::span<const std::byte> bytes) {
  size_t pos = 8;  // after the signature
  while (pos + 12 <= bytes.size()) {
    const uint32_t length = read_u32(bytes.data() + pos, false);
    if (length > bytes.size() - pos - 12) return false;
    if (std::memcmp(bytes.data() + pos + 4, "IEND", 4) == 0) return true;
    pos += 12 + length;
  }
  return false;
}

}  // namespace

std::string extension_of(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  if (!ext.empty() && ext.front() == '.') ext.erase(0, 1);
  return lower(ext);
}

bool is_image_extension(const std::string& ext) {
  const ImageFormat* format = format_of_extension(ext);
  return format != nullptr && format->read;
}

bool is_writable_extension(const std::string& ext) {
  const ImageFormat* format = format_of_extension(ext);
  return format != nullptr && format->write;
}

bool format_keeps_16bit(const std::string& ext) {
  const ImageFormat* format = format_of_extension(ext);
  return format != nullptr && format->keeps_16bit;
}

bool format_keeps_alpha(const std::string& ext) {
  const ImageFormat* format = format_of_extension(ext);
  return format != nullptr && format->keeps_alpha;
}

std::vector<std::filesystem::path> image_files_in(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && is_image_extension(extension_of(it->path()))) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  return files;
}

std::optional<int> exif_orientation(std::span<const std::byte> bytes) {
  if (bytes.size() >= 4 && bytes[0] == std::byte{0xFF} && bytes[1] == std::byte{0xD8}) return jpeg_orientation(bytes);
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8) == 0) return png_orientation(bytes);
  if (bytes.size() >= 12 && std::memcmp(bytes.data(), "RIFF", 4) == 0 && std::memcmp(bytes.data() + 8, "WEBP", 4) == 0)
    return webp_orientation(bytes);
  return std::nullopt;
}

cv::Mat apply_exif_orientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2: cv::flip(image, out, 1); break;                                // mirror horizontally
    case 3: cv::rotate(image, out, cv::ROTATE_180); break;
    case 4: cv::flip(image, out, 0); break;                                // mirror vertically
    case 5: cv::transpose(image, out); break;                              // mirror along the main diagonal
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); break;
    case 7: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); cv::flip(out, out, 1); break;  // anti-diagonal
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: out = image; break;
  }
  return out;
}

std::string damage_in(std::span<const std::byte> bytes) {
  if (bytes.size() >= 2 && bytes[0] == std::byte{0xFF} && bytes[1] == std::byte{0xD8} && !jpeg_reaches_its_end(bytes))
    return "truncated: the JPEG data ends before its end-of-image marker";
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8) == 0 && !png_reaches_its_end(bytes))
    return "truncated: the PNG data ends before its IEND chunk";
  return "";
}

namespace {

constexpr const char* kStandardStream = "-";

std::vector<std::byte> read_standard_input() {
  std::vector<std::byte> bytes;
  std::array<std::byte, 1 << 16> chunk;
  while (true) {
    const size_t got = std::fread(chunk.data(), 1, chunk.size(), stdin);
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
    if (got < chunk.size()) break;
  }
  if (std::ferror(stdin)) throw Error(std::string("-: cannot read standard input: ") + std::strerror(errno));
  return bytes;
}

void write_standard_output(std::span<const std::byte> bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0)
    throw Error(std::string("-: cannot write to standard output: ") + std::strerror(errno));
}

bool is_tiff(std::span<const std::byte> bytes) {
  return bytes.size() >= 4 && (std::memcmp(bytes.data(), "II*\0", 4) == 0 || std::memcmp(bytes.data(), "MM\0*", 4) == 0);
}

bool is_jpeg(std::span<const std::byte> bytes) {
  return bytes.size() >= 2 && bytes[0] == std::byte{0xFF} && bytes[1] == std::byte{0xD8};
}

cv::Mat decode_with_opencv(std::span<const std::byte> bytes, const std::string& name) {
  // OpenCV would let libpng warn on stderr about chunks it does not even read.
  std::vector<std::byte> pixel_chunks;
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8) == 0) {
    pixel_chunks = png_pixel_chunks(bytes);
    bytes = pixel_chunks;
  }
  const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<std::byte*>(bytes.data()));
  cv::Mat image;
  try {
    image = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw Error(name + ": cannot decode the image: " + e.err);
  }
  if (image.empty()) throw Error(name + ": not a readable image (unknown format or corrupt data)");
  return image;
}

}  // namespace

cv::Mat load_image(const std::filesystem::path& path, const LoadOptions& options, std::string* damage,
                   PhotoMetadata* metadata, std::vector<std::string>* notes) {
  const bool from_stdin = path == kStandardStream;
  const std::vector<std::byte> bytes = from_stdin ? read_standard_input() : read_file_bytes(path);
  if (bytes.empty()) throw Error(path.string() + (from_stdin ? ": standard input is empty" : ": the file is empty"));
  const auto check_size = [&](const ImageHeader& header) {
    if (!options.check_size) return;
    try {
      options.check_size(header);
    } catch (const Error& e) {
      throw Error(path.string() + ": " + e.what());
    }
  };
  // First: an image too large for memory is refused before its bytes are copied or scanned.
  const std::optional<ImageHeader> header = read_image_header(bytes);
  if (header) check_size(*header);
  if (options.file_bytes) *options.file_bytes = bytes;
  // Checked before decoding: libjpeg decodes a truncated file with a warning nobody sees
  // and fills the missing rows, so the result would pass for a whole picture.
  std::string truncation = damage_in(bytes);
  if (!truncation.empty()) {
    if (!options.accept_damaged) throw DamagedImageError(path.string() + ": " + truncation);
    if (damage) *damage = truncation;
  }
  // After the size check (it decodes every row), and only where truncation said nothing.
  if (header && truncation.empty())
    if (std::string found = corruption_in(bytes); !found.empty()) {
      if (!options.accept_damaged) throw DamagedImageError(path.string() + ": " + found);
      if (damage) *damage = std::move(found);
    }
  bool size_checked = header.has_value();
  // For a decoder that reads the size itself: its errors get the path where it is called.
  const SizeCheck check_in_decoder = [&](const ImageHeader& declared) {
    size_checked = true;
    if (options.check_size) options.check_size(declared);
  };
  PhotoMetadata found;
  cv::Mat image;
  // HEIF and JPEG XL turn their pixels as their headers say, which their libraries have
  // done; an EXIF orientation in them is only a note.
  const bool turned_by_decoder = looks_like_heif(bytes) || looks_like_jxl(bytes);
  if (turned_by_decoder || looks_like_gif(bytes)) {
    try {
      if (looks_like_heif(bytes)) {
        image = decode_heif(bytes, metadata ? &found : nullptr, check_in_decoder);
      } else if (looks_like_jxl(bytes)) {
        image = decode_jxl(bytes, metadata ? &found : nullptr, check_in_decoder);
      } else {
        int frames = 1;
        image = decode_gif(bytes, &frames);
        if (frames > 1 && notes)
          notes->push_back(path.string() + ": an animated GIF of " + std::to_string(frames) +
                           " frames; only the first is read");
      }
    } catch (const Error& e) {
      throw Error(path.string() + ": " + e.what());
    }
  } else {
    image = decode_with_opencv(bytes, path.string());
    // The orientation may sit where only exiv2 looks: a PNG's "Raw profile type exif" text
    // chunk.
    if (metadata != nullptr || (!exif_orientation(bytes) && !is_jpeg(bytes))) found = read_metadata(bytes);
  }
  if (image.depth() != CV_8U && image.depth() != CV_16U)
    throw Error(path.string() + ": unsupported sample type (only 8- and 16-bit images are supported)");
  if (image.channels() == 2) {  // grey + alpha is not something OpenCV writes back; widen it
    std::vector<cv::Mat> planes;
    cv::split(image, planes);
    cv::merge(std::vector<cv::Mat>{planes[0], planes[0], planes[0], planes[1]}, image);
  }
  if (!size_checked) check_size({image.cols, image.rows, image.channels(), static_cast<int>(image.elemSize1())});
  // OpenCV's TIFF reader turns TIFF pixels itself, even with IMREAD_UNCHANGED.
  std::optional<int> orientation = exif_orientation(bytes);  // JPEG, PNG, WebP: without exiv2
  if (!orientation && !turned_by_decoder && !is_tiff(bytes)) orientation = orientation_in_exif(found.exif);
  if (orientation && *orientation != 1) image = apply_exif_orientation(image, *orientation);
  if (metadata) *metadata = std::move(found);
  return image;
}

std::string output_extension(const std::filesystem::path& path, const std::string& format) {
  return !format.empty() ? lower(format) : path == kStandardStream ? "png" : extension_of(path);
}

namespace {

// The input's metadata into an encoded PNG, JPEG, TIFF or WebP file, fitted to its size;
// what cannot go in is reported, never fatal.
void embed_and_report(std::vector<uchar>& encoded, const ImageFormat& format, const PhotoMetadata& metadata,
                      cv::Size size, SaveReport& report) {
  try {
    if (format.name == "WebP")
      embed_webp_metadata(encoded, {exif_for_output(metadata.exif, size), xmp_for_output(metadata.xmp, size), {},
                                    metadata.icc, std::nullopt});
    else
      embed_metadata(encoded, format, metadata, size);
    if (format.name == "PNG") finish_png_chunks(encoded, metadata.density);
  } catch (const Error& e) {
    report.metadata_lost = {std::string("all metadata (") + e.what() + ")"};
  }
}

// What a file written as it is encoded is gathered into before each write.
constexpr size_t kWriteBytes = size_t{1} << 20;

void write_encoded(const std::filesystem::path& path, const std::vector<uchar>& encoded, const SaveOptions& options,
                   SaveReport& report) {
  if (path == kStandardStream) write_standard_output(std::as_bytes(std::span(encoded)));
  else write_file_atomically(path, std::as_bytes(std::span(encoded)), options.existing);
  report.bytes_written = encoded.size();
}

}  // namespace

SaveReport save_image(const std::filesystem::path& path, const cv::Mat& image, const SaveOptions& options) {
  const std::string ext = output_extension(path, options.format);
  const ImageFormat* format = format_of_extension(ext);
  if (format == nullptr)
    throw Error(path.string() + ": unknown image format '" + ext + "' (use " + writable_extensions_text() + ")");
  if (!format->write) throw Error(path.string() + ": " + std::string(format->name) + " is read, not written, here");
  SaveReport report;
  cv::Mat pixels = image;
  if (pixels.channels() == 4 && !format->keeps_alpha) {
    pixels = flatten_alpha(pixels, options.background);
    report.dropped_alpha = true;
  }
  if (pixels.depth() == CV_16U && !format->keeps_16bit) {
    if (format->deep_bits > 0) {  // its encoder takes the 16-bit pixels
      report.reduced_to_bits = format->deep_bits;
    } else {
      pixels.convertTo(pixels, CV_8U, 1.0 / 257.0);
      report.reduced_to_8bit = true;
      report.reduced_to_bits = 8;
    }
  }
  std::vector<int> params;
  if (options.quality) {
    if (*options.quality < 1 || *options.quality > 100)
      throw Error(path.string() + ": quality must be between 1 and 100");
    if (format->name == "JPEG") params = {cv::IMWRITE_JPEG_QUALITY, *options.quality};
    if (format->name == "WebP") params = {cv::IMWRITE_WEBP_QUALITY, *options.quality};
  }
  if (options.png_level && format->name == "PNG") {
    if (*options.png_level < 0 || *options.png_level > 9)
      throw Error(path.string() + ": PNG compression level must be between 0 and 9");
    params = {cv::IMWRITE_PNG_COMPRESSION, *options.png_level};
  }
  // Encoded in memory and written by write_file_atomically, which checks every write and
  // the flush: OpenCV's BMP, PPM/PGM and WebP encoders ignore failed fwrite()s, so writing
  // through imwrite left truncated files on a full disk and called them written. The cost
  // is the encoded copy in memory while it is written.
  const PhotoMetadata* metadata = options.metadata != nullptr && !options.metadata->empty() ? options.metadata : nullptr;
  if (metadata && format->name == "TIFF")
    if (const auto resolution = resolution_in_exif(metadata->exif))
      params.insert(params.end(), {cv::IMWRITE_TIFF_RESUNIT, resolution->unit, cv::IMWRITE_TIFF_XDPI, resolution->x,
                                   cv::IMWRITE_TIFF_YDPI, resolution->y});
  if (metadata) report.metadata_lost = metadata_the_format_loses(*metadata, *format);
  std::vector<uchar> encoded;
  if (format->name == "HEIF" || format->name == "AVIF" || format->name == "JPEG XL") {
    PhotoMetadata fitted;
    if (metadata) {
      fitted = {exif_for_output(metadata->exif, pixels.size()), xmp_for_output(metadata->xmp, pixels.size()), {},
                metadata->icc, std::nullopt};
    }
    try {
      if (format->name == "JPEG XL")
        encoded = encode_jxl(pixels, options.quality, metadata ? &fitted : nullptr);
      else
        encoded = encode_heif(pixels, format->name == "AVIF" ? HeifCodec::Av1 : HeifCodec::Hevc, options.quality,
                              metadata ? &fitted : nullptr);
    } catch (const Error& e) {
      throw Error(path.string() + ": cannot encode as " + ext + ": " + e.what());
    }
  } else {
    // OpenCV's encoders append to the buffer as they go, and each time it grows its old
    // and new copies are both held: reserved for the raw pixels (address space, not memory,
    // until written), the buffer never moves and the peak is the file's size.
    encoded.reserve(pixels.total() * pixels.elemSize() + static_cast<size_t>(pixels.rows) * 8 + (1 << 16));
    bool ok = false;
    try {
      // PNG at the default level on every core; an asked level keeps libpng's adaptive filters.
      if (format->name == "PNG" && !options.png_level && png_in_parallel_takes(pixels.type())) {
        encoded = encode_png_in_parallel(pixels);
        ok = true;
      } else {
        ok = cv::imencode("." + std::string(format->extensions.front()), pixels, encoded, params);
      }
    } catch (const cv::Exception& e) {
      throw Error(path.string() + ": cannot encode as " + ext + ": " + e.err);
    } catch (const Error& e) {
      throw Error(path.string() + ": " + e.what());
    }
    if (!ok) throw Error(path.string() + ": cannot encode as " + ext);
    if (metadata) embed_and_report(encoded, *format, *metadata, pixels.size(), report);
  }
  write_encoded(path, encoded, options, report);
  return report;
}

SaveReport save_image(const std::filesystem::path& path, const ImageInRows& image, const SaveOptions& options) {
  const std::string ext = output_extension(path, options.format);
  const ImageFormat* format = format_of_extension(ext);
  if (format == nullptr || format->name != "PNG" || !png_takes_rows_of(image.type)) {
    cv::Mat whole(image.size, image.type);
    image.fill(0, whole);
    return save_image(path, whole, options);
  }
  if (options.png_level && (*options.png_level < 0 || *options.png_level > 9))
    throw Error(path.string() + ": PNG compression level must be between 0 and 9");
  SaveReport report;
  // The metadata chunks are made on a one-pixel stand-in, as save_image above makes them
  // on the whole file, and go out before the pixels.
  std::vector<uchar> chunks;
  if (options.metadata != nullptr && !options.metadata->empty()) {
    report.metadata_lost = metadata_the_format_loses(*options.metadata, *format);
    std::vector<uchar> stand_in;
    cv::imencode(".png", cv::Mat(1, 1, image.type, cv::Scalar::all(0)), stand_in);
    embed_and_report(stand_in, *format, *options.metadata, image.size, report);
    chunks = png_ancillary_chunks(stand_in);
  }
  auto encode = [&](const ByteSink& sink) {
    try {
      encode_png_in_rows(image, options.png_level, chunks, sink);
    } catch (const Error& e) {
      const std::string what = e.what();
      // A write's error names the file already.
      throw Error(what.rfind(path.string(), 0) == 0 ? what : path.string() + ": " + what);
    }
  };
  if (path == kStandardStream) {
    std::vector<uchar> encoded;
    encode([&](std::span<const unsigned char> bytes) { encoded.insert(encoded.end(), bytes.begin(), bytes.end()); });
    write_encoded(path, encoded, options, report);
    return report;
  }
  write_file_atomically_with(
      path,
      [&](int fd, const std::filesystem::path&) {
        // Gathered into large writes: libpng hands over a few kilobytes at a time.
        std::vector<uchar> pending;
        pending.reserve(kWriteBytes);
        auto flush = [&] {
          write_whole(fd, std::as_bytes(std::span(pending)), path);
          report.bytes_written += pending.size();
          pending.clear();
        };
        encode([&](std::span<const unsigned char> bytes) {
          if (pending.size() + bytes.size() > kWriteBytes) flush();
          if (bytes.size() >= kWriteBytes) {
            write_whole(fd, std::as_bytes(bytes), path);
            report.bytes_written += bytes.size();
          } else {
            pending.insert(pending.end(), bytes.begin(), bytes.end());
          }
        });
        flush();
      },
      options.existing);
  return report;
}

}  // namespace upsample::io
