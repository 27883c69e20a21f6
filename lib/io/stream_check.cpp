#include "io/stream_check.hpp"

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include <jpeglib.h>
#include <png.h>

namespace upsample::io {

namespace {

bool starts_with(std::span<const std::byte> bytes, const char* magic, size_t length) {
  return bytes.size() >= length && std::memcmp(bytes.data(), magic, length) == 0;
}

// ---- JPEG ----

struct JpegErrors {
  jpeg_error_mgr library;
  std::jmp_buf escape;
  char first[JMSG_LENGTH_MAX] = {};
};

void remember_jpeg_message(j_common_ptr info) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  if (errors->first[0] == '\0') info->err->format_message(info, errors->first);
}

[[noreturn]] void jpeg_fails(j_common_ptr info) {
  remember_jpeg_message(info);
  std::longjmp(reinterpret_cast<JpegErrors*>(info->err)->escape, 1);
}

// Level −1 is a warning about the data (corrupt, or a premature end); higher levels are
// trace messages.
void jpeg_warns(j_common_ptr info, int level) {
  if (level < 0) remember_jpeg_message(info);
}

std::string jpeg_corruption(std::span<const std::byte> bytes) {
  jpeg_decompress_struct info{};
  JpegErrors errors;
  info.err = jpeg_std_error(&errors.library);
  errors.library.error_exit = jpeg_fails;
  errors.library.emit_message = jpeg_warns;
  if (setjmp(errors.escape) == 0) {
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
    jpeg_read_header(&info, TRUE);
    jpeg_read_coefficients(&info);  // every scan's entropy-coded data, without the IDCT
    jpeg_finish_decompress(&info);
  }
  jpeg_destroy_decompress(&info);
  if (errors.first[0] == '\0') return "";
  // Some of libjpeg's texts start with what this one says.
  std::string text = errors.first;
  const std::string prefix = "Corrupt JPEG data: ";
  if (text.compare(0, prefix.size(), prefix) == 0) text.erase(0, prefix.size());
  return "corrupt JPEG data: " + text;
}

// ---- PNG ----

struct PngReader {
  std::span<const std::byte> bytes;
  size_t at = 0;
  char first[256] = {};
};

void png_read_from_memory(png_structp png, png_bytep out, png_size_t length) {
  auto* reader = static_cast<PngReader*>(png_get_io_ptr(png));
  if (length > reader->bytes.size() - reader->at) png_error(png, "the data ends early");
  std::memcpy(out, reader->bytes.data() + reader->at, length);
  reader->at += length;
}

[[noreturn]] void png_fails(png_structp png, png_const_charp message) {
  auto* reader = static_cast<PngReader*>(png_get_error_ptr(png));
  if (reader->first[0] == '\0') std::snprintf(reader->first, sizeof reader->first, "%s", message);
  png_longjmp(png, 1);
}

void png_warns(png_structp, png_const_charp) {}

std::string png_corruption(std::span<const std::byte> bytes) {
  PngReader reader{bytes};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, png_fails, png_warns);
  if (png == nullptr) return "";
  png_infop info = png_create_info_struct(png);
  std::vector<png_byte> row;
  if (info != nullptr && setjmp(png_jmpbuf(png)) == 0) {
    png_set_read_fn(png, &reader, png_read_from_memory);
    // libpng's default limit (a million pixels a side), which OpenCV's decoder has too.
    png_set_user_limits(png, PNG_USER_WIDTH_MAX, PNG_USER_HEIGHT_MAX);
    png_read_info(png, info);
    const int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    row.resize(png_get_rowbytes(png, info));
    const png_uint_32 height = png_get_image_height(png, info);
    for (int pass = 0; pass < passes; ++pass)
      for (png_uint_32 y = 0; y < height; ++y) png_read_row(png, row.data(), nullptr);
    png_read_end(png, nullptr);
  }
  png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr);
  return reader.first[0] ? std::string("corrupt PNG data: ") + reader.first : std::string();
}

}  // namespace

std::string corruption_in(std::span<const std::byte> bytes) {
  if (starts_with(bytes, "\xFF\xD8", 2)) return jpeg_corruption(bytes);
  if (starts_with(bytes, "\x89PNG\r\n\x1a\n", 8)) return png_corruption(bytes);
  return "";
}

}  // namespace upsample::io
