#pragma once
// GIF files, read with giflib (OpenCV 4.6 has no GIF reader): the first frame only, as
// BGRA where the frame uses its transparent colour, else BGR. Animations are not
// written back; the caller is told how many frames the file has.
#include <cstddef>
#include <span>

#include <opencv2/core.hpp>

namespace upsample::io {

// True if the bytes start with a GIF87a/GIF89a signature.
bool looks_like_gif(std::span<const std::byte> bytes);

// The first frame on the file's canvas; `frames` (if given) receives the frame count.
// Throws upsample::Error with the reason (no file name).
cv::Mat decode_gif(std::span<const std::byte> bytes, int* frames = nullptr);

}  // namespace upsample::io
