#include "io/webp_lossless.hpp"

#include <cstdint>
#include <cstring>

namespace upsample::io {

bool is_lossless_webp(std::span<const std::byte> bytes) {
  if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 || std::memcmp(bytes.data() + 8, "WEBP", 4) != 0)
    return false;
  size_t pos = 12;
  while (pos + 8 <= bytes.size()) {
    const std::byte* chunk = bytes.data() + pos;
    const uint32_t length = static_cast<uint32_t>(chunk[4]) | static_cast<uint32_t>(chunk[5]) << 8 |
                            static_cast<uint32_t>(chunk[6]) << 16 | static_cast<uint32_t>(chunk[7]) << 24;
    if (std::memcmp(chunk, "VP8L", 4) == 0) return true;
    if (std::memcmp(chunk, "VP8 ", 4) == 0 || std::memcmp(chunk, "ANMF", 4) == 0) return false;
    if (length > bytes.size() - pos - 8) return false;
    pos += 8 + length + (length & 1u);  // chunks are padded to an even size
  }
  return false;
}

}  // namespace upsample::io
