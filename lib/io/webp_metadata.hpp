#pragma once
// EXIF, XMP and the ICC profile in a WebP file, written with libwebpmux: exiv2 0.27 writes a
// broken canvas size into a WebP it adds a profile to.
#include <vector>

#include "io/metadata.hpp"

namespace upsample::io {

// Adds `metadata`'s ICCP, EXIF and "XMP " chunks (already fitted to the pixels) to the WebP
// file in `encoded`. WebP has no IPTC. Throws upsample::Error.
void embed_webp_metadata(std::vector<unsigned char>& encoded, const PhotoMetadata& metadata);

}  // namespace upsample::io
