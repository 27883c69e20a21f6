#include "io/png_row_encoder.hpp"

#include <malloc.h>

#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <future>
#include <string>

#include "tensor/error.hpp"

namespace upsample::io {
namespace {

// Rows made per call of `fill`: enough for the filler's threads to share, few enough
// that two bands of a 16000-pixel-wide result stay small.
constexpr int kBandRows = 64;

// What the C callbacks reach: the sink, and the first failure, kept to be rethrown once
// libpng has let go (its callbacks may only leave by longjmp).
struct PngOutput {
  const ByteSink* sink = nullptr;
  std::exception_ptr failure;
  char message[256] = {};
};

void send(png_structp png, std::span<const unsigned char> bytes) {
  auto* out = static_cast<PngOutput*>(png_get_io_ptr(png));
  try {
    (*out->sink)(bytes);
  } catch (...) {
    out->failure = std::current_exception();
  }
  if (out->failure) png_error(png, "");  // outside the handler: it longjmps
}

void send_from_libpng(png_structp png, png_bytep data, png_size_t length) { send(png, {data, length}); }

void flush_nothing(png_structp) {}

[[noreturn]] void png_write_fails(png_structp png, png_const_charp message) {
  auto* out = static_cast<PngOutput*>(png_get_error_ptr(png));
  if (out->message[0] == '\0') std::snprintf(out->message, sizeof out->message, "%s", message);
  png_longjmp(png, 1);
}

void png_write_warns(png_structp, png_const_charp) {}

// The libpng part, kept free of C++ objects with destructors: longjmp skips them.
// `band_of` returns null when the band could not be made (the failure is in `out`).
// Returns false when anything failed.
bool write_png(PngOutput& out, const ImageInRows& image, std::optional<int> zlib_level,
               std::span<const unsigned char> chunks, const std::function<const cv::Mat*(int band)>& band_of) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &out, png_write_fails, png_write_warns);
  if (png == nullptr) return false;
  png_infop info = png_create_info_struct(png);
  volatile bool ok = false;
  if (info != nullptr && setjmp(png_jmpbuf(png)) == 0) {
    png_set_write_fn(png, &out, send_from_libpng, flush_nothing);
    if (zlib_level) {
      png_set_compression_level(png, *zlib_level);
    } else {
      png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
      png_set_compression_level(png, Z_BEST_SPEED);
      png_set_compression_strategy(png, Z_RLE);
    }
    const int channels = CV_MAT_CN(image.type);
    const int bits = CV_MAT_DEPTH(image.type) == CV_16U ? 16 : 8;
    png_set_IHDR(png, info, static_cast<png_uint_32>(image.size.width), static_cast<png_uint_32>(image.size.height),
                 bits, channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);  // the signature and IHDR, already sent
    if (!chunks.empty()) send(png, chunks);
    if (channels == 3) png_set_bgr(png);
    if (bits == 16) png_set_swap(png);  // PNG's samples are big-endian
    const int bands = (image.size.height + kBandRows - 1) / kBandRows;
    for (int band = 0; band < bands; ++band) {
      const cv::Mat* rows = band_of(band);
      if (rows == nullptr) png_error(png, "");
      for (int y = 0; y < rows->rows; ++y) png_write_row(png, rows->ptr<png_byte>(y));
    }
    png_write_end(png, nullptr);
    ok = true;
  }
  png_destroy_write_struct(&png, info != nullptr ? &info : nullptr);
  return ok;
}

}  // namespace

bool png_takes_rows_of(int type) {
  const int depth = CV_MAT_DEPTH(type), channels = CV_MAT_CN(type);
  return (depth == CV_8U || depth == CV_16U) && (channels == 1 || channels == 3);
}

void encode_png_in_rows(const ImageInRows& image, std::optional<int> zlib_level, std::span<const unsigned char> chunks,
                        const ByteSink& sink) {
  if (!png_takes_rows_of(image.type)) throw Error("PNG rows must be 8 or 16 bits, grey or BGR");
  if (image.size.width <= 0 || image.size.height <= 0) throw Error("cannot encode an empty image");
  if (zlib_level && (*zlib_level < 0 || *zlib_level > 9)) throw Error("PNG compression level must be between 0 and 9");
  const int height = image.size.height;
  auto make_band = [&image, height](int band) {
    const int first = band * kBandRows;
    cv::Mat rows(std::min(kBandRows, height - first), image.size.width, image.type);
    image.fill(first, rows);
    return rows;
  };
  PngOutput out;
  out.sink = &sink;
  // The bands are made on another thread, whose allocations come from another of glibc's
  // arenas: what this one has freed (the tool keeps freed memory, app/main.cpp) is handed
  // back first, not held beside the bands' working memory.
  malloc_trim(0);
  // Band k is compressed while band k + 1 is made.
  cv::Mat current;
  std::future<cv::Mat> next = std::async(std::launch::async, make_band, 0);
  const int bands = (height + kBandRows - 1) / kBandRows;
  auto band_of = [&](int band) -> const cv::Mat* {
    try {
      current = next.get();
      if (band + 1 < bands) next = std::async(std::launch::async, make_band, band + 1);
      return &current;
    } catch (...) {
      out.failure = std::current_exception();
      return nullptr;
    }
  };
  const bool ok = write_png(out, image, zlib_level, chunks, band_of);
  if (next.valid()) next.wait();  // a band in flight when something failed
  if (out.failure) std::rethrow_exception(out.failure);
  if (!ok) throw Error(std::string("cannot encode as PNG: ") + (out.message[0] ? out.message : "libpng failed"));
}

}  // namespace upsample::io
