#pragma once
// Corrupt PNG and JPEG data found before OpenCV decodes it. OpenCV's decoders let libpng
// print "libpng error: …" and libjpeg "Corrupt JPEG data: …" on stderr, and libjpeg goes
// on with filler where its data is bad, so a damaged photo passes for a whole one. Here
// the file is decoded once with the libraries' own error handlers, the pixels thrown
// away row by row (JPEG: entropy decoding only), and the library's first complaint kept.
#include <cstddef>
#include <span>
#include <string>

namespace upsample::io {

// The first error or warning libjpeg raises while reading every coefficient of a JPEG, or
// libpng's first error while reading every row of a PNG (its warnings, about ancillary
// chunks, do not make the pixels wrong); "" for clean data or another format.
// E.g. "corrupt JPEG data: premature end of data segment", "corrupt PNG data: bad
// adaptive filter value".
std::string corruption_in(std::span<const std::byte> bytes);

}  // namespace upsample::io
