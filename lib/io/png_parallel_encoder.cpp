#include "io/png_parallel_encoder.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>

#include <omp.h>

#include "io/png_chunks.hpp"
#include "tensor/error.hpp"

namespace upsample::io {
namespace {

void append_big_endian(std::vector<unsigned char>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>(v >> shift));
}

// One row as PNG stores it with the Sub filter: the filter byte, then each byte minus the
// byte one pixel to its left, in PNG's sample order (RGB(A), 16-bit big-endian).
void sub_filtered_row(const cv::Mat& image, int y, unsigned char* out) {
  const int channels = image.channels();
  const int bytes_per_sample = static_cast<int>(image.elemSize1());
  const int pixel_bytes = channels * bytes_per_sample;
  unsigned char* raw = out + 1;
  const unsigned char* row = image.ptr<unsigned char>(y);
  for (int x = 0; x < image.cols; ++x)
    for (int c = 0; c < channels; ++c) {
      // BGR(A) → RGB(A).
      const int from = channels >= 3 && c < 3 ? 2 - c : c;
      const unsigned char* sample = row + (static_cast<size_t>(x) * channels + from) * bytes_per_sample;
      unsigned char* to = raw + (static_cast<size_t>(x) * channels + c) * bytes_per_sample;
      if (bytes_per_sample == 2) {  // little-endian in memory, big-endian in PNG
        to[0] = sample[1];
        to[1] = sample[0];
      } else {
        to[0] = sample[0];
      }
    }
  const size_t row_bytes = static_cast<size_t>(image.cols) * pixel_bytes;
  for (size_t i = row_bytes; i-- > static_cast<size_t>(pixel_bytes);) raw[i] = static_cast<unsigned char>(raw[i] - raw[i - pixel_bytes]);
  out[0] = 1;  // Sub
}

struct Part {
  std::vector<unsigned char> deflated;
  uLong adler = 0;
  size_t filtered_bytes = 0;
  std::string error;
};

// Rows [first, last) filtered and compressed into raw deflate blocks; the last part ends
// the stream, the others end with a sync flush on a byte boundary.
void compress_part(const cv::Mat& image, int first, int last, bool final_part, Part& part) {
  const size_t row_bytes = 1 + image.cols * image.elemSize();
  std::vector<unsigned char> filtered(row_bytes * static_cast<size_t>(last - first));
  for (int y = first; y < last; ++y) sub_filtered_row(image, y, filtered.data() + row_bytes * static_cast<size_t>(y - first));
  part.filtered_bytes = filtered.size();
  part.adler = adler32(adler32(0L, Z_NULL, 0), filtered.data(), static_cast<uInt>(filtered.size()));
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, -15, 8, Z_RLE) != Z_OK) {
    part.error = "zlib cannot start";
    return;
  }
  part.deflated.resize(deflateBound(&stream, filtered.size()) + 16);
  stream.next_in = filtered.data();
  stream.avail_in = static_cast<uInt>(filtered.size());
  stream.next_out = part.deflated.data();
  stream.avail_out = static_cast<uInt>(part.deflated.size());
  const int result = deflate(&stream, final_part ? Z_FINISH : Z_SYNC_FLUSH);
  if ((final_part && result != Z_STREAM_END) || (!final_part && result != Z_OK) || stream.avail_in != 0)
    part.error = "zlib failed";
  part.deflated.resize(part.deflated.size() - stream.avail_out);
  deflateEnd(&stream);
}

}  // namespace

bool png_in_parallel_takes(int type) {
  const int depth = CV_MAT_DEPTH(type), channels = CV_MAT_CN(type);
  return (depth == CV_8U || depth == CV_16U) && (channels == 1 || channels == 3 || channels == 4);
}

// The default part: few enough bytes that the parts in flight stay small beside the image,
// many enough that a flush (a few bytes) per part costs nothing.
std::vector<unsigned char> encode_png_in_parallel(const cv::Mat& image, size_t part_bytes) {
  if (!png_in_parallel_takes(image.type())) throw Error("PNG pixels must be 8 or 16 bits, grey, BGR or BGRA");
  if (image.empty()) throw Error("cannot encode an empty image");
  const size_t row_bytes = 1 + image.cols * image.elemSize();
  const int part_rows = static_cast<int>(std::clamp<size_t>(part_bytes / row_bytes, 1, static_cast<size_t>(image.rows)));
  const int parts_count = (image.rows + part_rows - 1) / part_rows;
  std::vector<unsigned char> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  // Reserved for the raw pixels (address space, not memory, until written): the buffer
  // never moves, so the peak is the file's size.
  png.reserve(image.total() * image.elemSize() + static_cast<size_t>(image.rows) * 8 + (1 << 16));
  std::vector<unsigned char> header;
  append_big_endian(header, static_cast<std::uint32_t>(image.cols));
  append_big_endian(header, static_cast<std::uint32_t>(image.rows));
  const int channels = image.channels();
  header.push_back(image.depth() == CV_16U ? 16 : 8);
  header.push_back(channels == 1 ? 0 : channels == 3 ? 2 : 6);  // grey, RGB, RGBA
  header.insert(header.end(), {0, 0, 0});                       // deflate, adaptive filters, no interlace
  append_png_chunk(png, "IHDR", header);
  // The zlib stream: its header (deflate, 32 KB window, fastest), the parts, the Adler-32.
  const unsigned char zlib_header[2] = {0x78, 0x01};
  append_png_chunk(png, "IDAT", zlib_header);
  uLong adler = adler32(0L, Z_NULL, 0);
  // A round of parts at a time, one per thread, so that only they are held besides the file.
  const int threads = std::max(1, omp_get_max_threads());
  for (int round = 0; round < parts_count; round += threads) {
    const int round_end = std::min(parts_count, round + threads);
    std::vector<Part> parts(static_cast<size_t>(round_end - round));
#pragma omp parallel for schedule(static, 1)
    for (int p = round; p < round_end; ++p) {
      Part& part = parts[static_cast<size_t>(p - round)];
      try {
        compress_part(image, p * part_rows, std::min(image.rows, (p + 1) * part_rows), p == parts_count - 1, part);
      } catch (const std::exception& e) {  // out of memory: it must not leave the parallel region
        part.error = e.what();
      }
    }
    for (const Part& part : parts) {
      if (!part.error.empty()) throw Error("cannot encode as PNG: " + part.error);
      append_png_chunk(png, "IDAT", part.deflated);
      adler = adler32_combine(adler, part.adler, static_cast<z_off_t>(part.filtered_bytes));
    }
  }
  std::vector<unsigned char> trailer;
  append_big_endian(trailer, static_cast<std::uint32_t>(adler));
  append_png_chunk(png, "IDAT", trailer);
  append_png_chunk(png, "IEND", {});
  return png;
}

}  // namespace upsample::io
