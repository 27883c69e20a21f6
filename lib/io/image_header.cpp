#include "io/image_header.hpp"

#include <cctype>
#include <cstring>
#include <string>
#include <string_view>

#include "tensor/error.hpp"

namespace upsample::io {
namespace {

using Bytes = std::span<const std::byte>;

std::uint32_t byte_at(Bytes b, std::size_t i) { return static_cast<std::uint32_t>(b[i]); }
std::uint32_t big_endian(Bytes b, std::size_t at, int count) {
  std::uint32_t v = 0;
  for (int i = 0; i < count; ++i) v = v << 8 | byte_at(b, at + static_cast<std::size_t>(i));
  return v;
}
std::uint32_t little_endian(Bytes b, std::size_t at, int count) {
  std::uint32_t v = 0;
  for (int i = count - 1; i >= 0; --i) v = v << 8 | byte_at(b, at + static_cast<std::size_t>(i));
  return v;
}
bool starts_with(Bytes b, std::size_t at, std::string_view text) {
  return b.size() >= at + text.size() && std::memcmp(b.data() + at, text.data(), text.size()) == 0;
}

std::optional<ImageHeader> checked(std::uint64_t width, std::uint64_t height, int channels, int bytes_per_sample) {
  constexpr std::uint64_t kLargestSide = 1u << 30;
  if (width == 0 || height == 0 || width > kLargestSide || height > kLargestSide) return std::nullopt;
  return ImageHeader{static_cast<int>(width), static_cast<int>(height), channels, bytes_per_sample};
}

std::optional<ImageHeader> png_header(Bytes b) {
  if (b.size() < 26 || !starts_with(b, 12, "IHDR")) return std::nullopt;
  const int bit_depth = static_cast<int>(byte_at(b, 24));
  const std::uint32_t colour_type = byte_at(b, 25);
  // Grey, RGB, palette (its transparency may add alpha), grey + alpha (widened), RGBA.
  const int channels = colour_type == 0 ? 1 : colour_type == 2 ? 3 : 4;
  return checked(big_endian(b, 16, 4), big_endian(b, 20, 4), channels, bit_depth == 16 ? 2 : 1);
}

std::optional<ImageHeader> jpeg_header(Bytes b) {
  std::size_t at = 2;
  while (at + 4 <= b.size()) {
    if (byte_at(b, at) != 0xFF) return std::nullopt;
    const std::uint32_t marker = byte_at(b, at + 1);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // markers without a length
      at += 2;
      continue;
    }
    const std::size_t length = big_endian(b, at + 2, 2);
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (at + 10 > b.size()) return std::nullopt;
      const int precision = static_cast<int>(byte_at(b, at + 4));
      const int components = static_cast<int>(byte_at(b, at + 9));
      return checked(big_endian(b, at + 7, 2), big_endian(b, at + 5, 2), components == 1 ? 1 : 3, precision > 8 ? 2 : 1);
    }
    if (marker == 0xDA || length < 2) return std::nullopt;  // image data before any frame header
    at += 2 + length;
  }
  return std::nullopt;
}

std::optional<ImageHeader> webp_header(Bytes b) {
  if (b.size() < 30) return std::nullopt;
  if (starts_with(b, 12, "VP8X")) {
    const bool alpha = (byte_at(b, 20) & 0x10) != 0;
    return checked(little_endian(b, 24, 3) + 1u, little_endian(b, 27, 3) + 1u, alpha ? 4 : 3, 1);
  }
  if (starts_with(b, 12, "VP8L")) {
    if (byte_at(b, 20) != 0x2F) return std::nullopt;
    const std::uint32_t bits = little_endian(b, 21, 4);
    const bool alpha = (bits >> 28 & 1u) != 0;
    return checked((bits & 0x3FFFu) + 1u, (bits >> 14 & 0x3FFFu) + 1u, alpha ? 4 : 3, 1);
  }
  if (starts_with(b, 12, "VP8 ")) {
    if (byte_at(b, 23) != 0x9D || byte_at(b, 24) != 0x01 || byte_at(b, 25) != 0x2A) return std::nullopt;
    return checked(little_endian(b, 26, 2) & 0x3FFFu, little_endian(b, 28, 2) & 0x3FFFu, 3, 1);
  }
  return std::nullopt;
}

std::optional<ImageHeader> bmp_header(Bytes b) {
  if (b.size() < 30) return std::nullopt;
  const auto width = static_cast<std::int32_t>(little_endian(b, 18, 4));
  const auto height = static_cast<std::int32_t>(little_endian(b, 22, 4));  // negative: stored top-down
  const std::uint32_t bits = little_endian(b, 28, 2);
  if (width <= 0 || height == INT32_MIN) return std::nullopt;
  return checked(static_cast<std::uint64_t>(width), static_cast<std::uint64_t>(height < 0 ? -height : height),
                 bits == 32 ? 4 : 3, 1);
}

std::optional<ImageHeader> tiff_header(Bytes b) {
  const bool little = starts_with(b, 0, "II");
  auto read = [&](std::size_t at, int count) { return little ? little_endian(b, at, count) : big_endian(b, at, count); };
  if (b.size() < 8) return std::nullopt;
  const std::size_t ifd = read(4, 4);
  if (ifd + 2 > b.size()) return std::nullopt;
  const std::size_t entries = read(ifd, 2);
  std::uint64_t width = 0, height = 0;
  int bits = 8, samples = 1;
  for (std::size_t i = 0; i < entries; ++i) {
    const std::size_t entry = ifd + 2 + 12 * i;
    if (entry + 12 > b.size()) return std::nullopt;
    const std::uint32_t tag = read(entry, 2), type = read(entry + 2, 2);
    const std::uint32_t value = type == 3 ? read(entry + 8, 2) : read(entry + 8, 4);  // SHORT or LONG
    if (tag == 256) width = value;
    if (tag == 257) height = value;
    if (tag == 258) {  // one value per sample: inline when they fit in 4 bytes, else at an offset
      const std::size_t count = read(entry + 4, 4), at = count * 2 <= 4 ? entry + 8 : read(entry + 8, 4);
      if (at + 2 > b.size()) return std::nullopt;
      bits = static_cast<int>(read(at, 2));
    }
    if (tag == 277) samples = static_cast<int>(value);
  }
  return checked(width, height, samples <= 1 ? 1 : samples == 3 ? 3 : 4, bits > 8 ? 2 : 1);
}

std::optional<ImageHeader> pnm_header(Bytes b) {
  const char kind = static_cast<char>(b[1]);
  std::size_t at = 2;
  auto next_number = [&]() -> std::optional<std::uint64_t> {
    while (at < b.size()) {
      const char c = static_cast<char>(b[at]);
      if (c == '#') {
        while (at < b.size() && static_cast<char>(b[at]) != '\n') ++at;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++at;
      } else {
        break;
      }
    }
    std::uint64_t v = 0;
    const std::size_t first = at;
    while (at < b.size() && std::isdigit(static_cast<unsigned char>(static_cast<char>(b[at]))) && at - first < 12)
      v = v * 10 + static_cast<std::uint64_t>(static_cast<char>(b[at++]) - '0');
    if (at == first) return std::nullopt;
    return v;
  };
  const auto width = next_number();
  const auto height = next_number();
  if (!width || !height) return std::nullopt;
  const bool bitmap = kind == '1' || kind == '4';
  const auto max_value = bitmap ? std::optional<std::uint64_t>(1) : next_number();
  if (!max_value) return std::nullopt;
  const bool colour = kind == '3' || kind == '6';
  return checked(*width, *height, colour ? 3 : 1, *max_value > 255 ? 2 : 1);
}

// The logical screen: the canvas every frame is drawn on.
std::optional<ImageHeader> gif_header(Bytes b) {
  if (b.size() < 10) return std::nullopt;
  return checked(little_endian(b, 6, 2), little_endian(b, 8, 2), 4, 1);
}

}  // namespace

void check_declared_size(const ImageHeader& header, const SizeCheck& check) {
  const std::uint64_t pixels = static_cast<std::uint64_t>(header.width) * static_cast<std::uint64_t>(header.height);
  if (header.width <= 0 || header.height <= 0 || pixels > kMaxImagePixels)
    throw Error("its header declares " + std::to_string(header.width) + "x" + std::to_string(header.height) +
                " pixels, not 1 to 2^30 of them");
  if (check) check(header);
}

std::optional<ImageHeader> read_image_header(std::span<const std::byte> b) {
  if (starts_with(b, 0, "\x89PNG\r\n\x1a\n")) return png_header(b);
  if (b.size() >= 3 && byte_at(b, 0) == 0xFF && byte_at(b, 1) == 0xD8 && byte_at(b, 2) == 0xFF) return jpeg_header(b);
  if (starts_with(b, 0, "RIFF") && starts_with(b, 8, "WEBP")) return webp_header(b);
  if (starts_with(b, 0, "BM")) return bmp_header(b);
  if (starts_with(b, 0, "GIF87a") || starts_with(b, 0, "GIF89a")) return gif_header(b);
  if (starts_with(b, 0, "II*") || starts_with(b, 0, std::string_view("MM\0*", 4))) return tiff_header(b);
  if (b.size() >= 3 && static_cast<char>(b[0]) == 'P' && b[1] >= std::byte{'1'} && b[1] <= std::byte{'6'}) return pnm_header(b);
  return std::nullopt;
}

}  // namespace upsample::io
