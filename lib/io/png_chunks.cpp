#include "io/png_chunks.hpp"

#include <zlib.h>

#include <cstring>
#include <string>

namespace upsample::io {

namespace {

constexpr size_t kSignatureBytes = 8;
constexpr size_t kChunkOverhead = 12;  // length, type, CRC

uint32_t big_endian_u32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void append_u32(std::vector<unsigned char>& out, uint32_t v) {
  out.insert(out.end(), {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                         static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)});
}


bool is_png(std::span<const unsigned char> bytes) {
  return bytes.size() >= kSignatureBytes && std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", kSignatureBytes) == 0;
}

}  // namespace

void append_png_chunk(std::vector<unsigned char>& png, const char* type, std::span<const unsigned char> data) {
  append_u32(png, static_cast<uint32_t>(data.size()));
  const size_t type_at = png.size();
  png.insert(png.end(), type, type + 4);
  png.insert(png.end(), data.begin(), data.end());
  // The CRC-32 of the PNG specification (ISO 3309, zlib's), over the type and the data.
  append_u32(png, static_cast<uint32_t>(crc32(0L, png.data() + type_at, static_cast<uInt>(4 + data.size()))));
}

std::optional<PngDensity> png_density(std::span<const std::byte> png) {
  const std::span<const unsigned char> bytes(reinterpret_cast<const unsigned char*>(png.data()), png.size());
  if (!is_png(bytes)) return std::nullopt;
  for (size_t pos = kSignatureBytes; pos + kChunkOverhead <= bytes.size();) {
    const uint32_t length = big_endian_u32(bytes.data() + pos);
    if (length > bytes.size() - pos - kChunkOverhead) return std::nullopt;
    const unsigned char* type = bytes.data() + pos + 4;
    if (std::memcmp(type, "IDAT", 4) == 0) return std::nullopt;
    if (std::memcmp(type, "pHYs", 4) == 0 && length == 9)
      return PngDensity{big_endian_u32(type + 4), big_endian_u32(type + 8), type[12] == 1};
    pos += kChunkOverhead + length;
  }
  return std::nullopt;
}

void finish_png_chunks(std::vector<unsigned char>& png, const std::optional<PngDensity>& density) {
  if (!is_png(png)) return;
  std::vector<unsigned char> out(png.begin(), png.begin() + kSignatureBytes);
  out.reserve(png.size() + 64);
  for (size_t pos = kSignatureBytes; pos + kChunkOverhead <= png.size();) {
    const uint32_t length = big_endian_u32(png.data() + pos);
    if (length > png.size() - pos - kChunkOverhead) return;  // not a PNG we made: leave it
    const char* type = reinterpret_cast<const char*>(png.data() + pos + 4);
    const unsigned char* data = png.data() + pos + 8;
    const std::string name(type, 4);
    if (name == "iCCP" && length > 0 && data[0] == 0) {
      std::vector<unsigned char> named = {'I', 'C', 'C', ' ', 'p', 'r', 'o', 'f', 'i', 'l', 'e'};
      named.insert(named.end(), data, data + length);
      append_png_chunk(out, "iCCP", named);
    } else if (name != "pHYs" || !density) {
      out.insert(out.end(), png.begin() + static_cast<std::ptrdiff_t>(pos),
                 png.begin() + static_cast<std::ptrdiff_t>(pos + kChunkOverhead + length));
    }
    if (name == "IHDR" && density) {
      std::vector<unsigned char> phys;
      append_u32(phys, density->x);
      append_u32(phys, density->y);
      phys.push_back(density->per_metre ? 1 : 0);
      append_png_chunk(out, "pHYs", phys);
    }
    pos += kChunkOverhead + length;
  }
  png = std::move(out);
}

std::vector<unsigned char> png_ancillary_chunks(std::span<const unsigned char> png) {
  std::vector<unsigned char> out;
  if (!is_png(png)) return out;
  for (size_t pos = kSignatureBytes; pos + kChunkOverhead <= png.size();) {
    const uint32_t length = big_endian_u32(png.data() + pos);
    if (length > png.size() - pos - kChunkOverhead) break;
    const auto chunk = png.subspan(pos, kChunkOverhead + length);
    if ((chunk[4] & 0x20) != 0) out.insert(out.end(), chunk.begin(), chunk.end());
    pos += chunk.size();
  }
  return out;
}

std::vector<std::byte> png_pixel_chunks(std::span<const std::byte> png) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(png.data());
  if (!is_png({bytes, png.size()})) return {png.begin(), png.end()};
  std::vector<std::byte> out;
  out.reserve(png.size());
  const auto signature = png.first(kSignatureBytes);
  out.insert(out.end(), signature.begin(), signature.end());
  size_t pos = kSignatureBytes;
  while (pos + kChunkOverhead <= png.size()) {
    const uint32_t length = big_endian_u32(bytes + pos);
    if (length > png.size() - pos - kChunkOverhead) break;
    const unsigned char* type = bytes + pos + 4;
    const bool critical = (type[0] & 0x20) == 0;  // upper-case first letter
    const auto chunk = png.subspan(pos, kChunkOverhead + length);
    if (critical || std::memcmp(type, "tRNS", 4) == 0) out.insert(out.end(), chunk.begin(), chunk.end());
    pos += chunk.size();
  }
  const auto rest = png.subspan(pos);
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

}  // namespace upsample::io
