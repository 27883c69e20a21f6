#pragma once
// The PNG chunks exiv2 does not handle: pHYs (the pixel density, "300 dpi"), and the name
// of the iCCP profile, which exiv2 0.27 writes empty: libpng then warns "iCCP: bad
// keyword" and drops the profile. And the chunks OpenCV's decoder is given.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace upsample::io {

struct PngDensity {
  uint32_t x = 0, y = 0;  // pixels per unit
  bool per_metre = false; // else the unit is unknown (only the aspect ratio is said)
  bool operator==(const PngDensity&) const = default;
};

// The pHYs chunk of a PNG file, or nullopt (not a PNG, or none before its image data).
std::optional<PngDensity> png_density(std::span<const std::byte> png);

// Rewrites the PNG in `png`: an iCCP chunk with an empty name gets one, and `density` (if
// given) is stored as its pHYs chunk. Does nothing to bytes that are not a PNG.
void finish_png_chunks(std::vector<unsigned char>& png, const std::optional<PngDensity>& density);

// The PNG in `png` with only the chunks that make its pixels: the critical ones and tRNS
// (transparency, which OpenCV turns into alpha). OpenCV reads no other chunk, but libpng
// checks them as it goes and its warnings ("iCCP: known incorrect sRGB profile", a text
// chunk's bad CRC) reach stderr through OpenCV's handlers. Colour profile and metadata
// are read from the file itself. Bytes after the last whole chunk are kept as they are,
// so damage is still found; bytes that are not a PNG come back unchanged.
std::vector<std::byte> png_pixel_chunks(std::span<const std::byte> png);

// Appends a whole chunk (length, type, data, CRC) to a PNG being made. `type` is 4 letters.
void append_png_chunk(std::vector<unsigned char>& png, const char* type, std::span<const unsigned char> data);

// The PNG's ancillary chunks (all but the critical ones), whole and in order: the
// metadata of a stand-in file, for a file written as it is encoded
// (io/png_row_encoder.hpp). Empty for bytes that are not a PNG.
std::vector<unsigned char> png_ancillary_chunks(std::span<const unsigned char> png);

}  // namespace upsample::io
