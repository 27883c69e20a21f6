#include "io/gif_decoder.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include <gif_lib.h>
#include <opencv2/imgproc.hpp>

#include "tensor/error.hpp"

namespace upsample::io {

namespace {

struct GifSource {
  std::span<const std::byte> bytes;
  size_t position = 0;
};

int read_gif_bytes(GifFileType* gif, GifByteType* out, int wanted) {
  auto* source = static_cast<GifSource*>(gif->UserData);
  const size_t count = std::min(static_cast<size_t>(std::max(wanted, 0)), source->bytes.size() - source->position);
  std::memcpy(out, source->bytes.data() + source->position, count);
  source->position += count;
  return static_cast<int>(count);
}

std::string gif_error_text(int code) {
  const char* text = GifErrorString(code);
  return text ? text : "unknown giflib error " + std::to_string(code);
}

}  // namespace

bool looks_like_gif(std::span<const std::byte> bytes) {
  return bytes.size() >= 6 && (std::memcmp(bytes.data(), "GIF87a", 6) == 0 || std::memcmp(bytes.data(), "GIF89a", 6) == 0);
}

cv::Mat decode_gif(std::span<const std::byte> bytes, int* frames) {
  GifSource source{bytes};
  int error = 0;
  GifFileType* gif = DGifOpen(&source, read_gif_bytes, &error);
  if (gif == nullptr) throw Error("not a readable GIF: " + gif_error_text(error));
  const auto close = [&] { DGifCloseFile(gif, &error); };
  if (DGifSlurp(gif) != GIF_OK || gif->ImageCount < 1) {
    const std::string reason = gif_error_text(gif->Error);
    // A cut-off animation still has its first frame: only that one is needed.
    if (gif->ImageCount < 1 || gif->SavedImages[0].RasterBits == nullptr) {
      close();
      throw Error("not a readable GIF: " + reason);
    }
  }
  const SavedImage& frame = gif->SavedImages[0];
  const GifImageDesc& desc = frame.ImageDesc;
  const ColorMapObject* colours = desc.ColorMap ? desc.ColorMap : gif->SColorMap;
  if (colours == nullptr || gif->SWidth <= 0 || gif->SHeight <= 0) {
    close();
    throw Error("not a readable GIF: no colour table");
  }
  GraphicsControlBlock control{};
  control.TransparentColor = NO_TRANSPARENT_COLOR;
  DGifSavedExtensionToGCB(gif, 0, &control);
  const int transparent = control.TransparentColor;
  // The canvas outside the first frame shows nothing: transparent.
  cv::Mat canvas(gif->SHeight, gif->SWidth, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  bool uses_transparency = desc.Left > 0 || desc.Top > 0 || desc.Width < gif->SWidth || desc.Height < gif->SHeight;
  for (int y = 0; y < desc.Height; ++y) {
    const int cy = desc.Top + y;
    if (cy < 0 || cy >= canvas.rows) continue;
    for (int x = 0; x < desc.Width; ++x) {
      const int cx = desc.Left + x;
      if (cx < 0 || cx >= canvas.cols) continue;
      const int index = frame.RasterBits[static_cast<size_t>(y) * desc.Width + x];
      if (index == transparent) {
        uses_transparency = true;
        continue;
      }
      if (index >= colours->ColorCount) continue;
      const GifColorType& c = colours->Colors[index];
      canvas.at<cv::Vec4b>(cy, cx) = cv::Vec4b(c.Blue, c.Green, c.Red, 255);
    }
  }
  if (frames) *frames = gif->ImageCount;
  close();
  if (uses_transparency) return canvas;
  cv::Mat bgr;
  cv::cvtColor(canvas, bgr, cv::COLOR_BGRA2BGR);
  return bgr;
}

}  // namespace upsample::io
