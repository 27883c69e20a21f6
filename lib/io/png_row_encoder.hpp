#pragma once
// PNG encoding of an image that is never whole in memory: its rows are made band by band
// as the encoder takes them, and the file goes out as it is compressed. A 12-megapixel
// photo ×4 is 576 MB of 8-bit pixels; made this way only a few bands are held.
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include <opencv2/core.hpp>

namespace upsample::io {

// An image given as its size and type and a way to make any band of its rows: `fill`
// writes rows [first_row, first_row + rows.rows) into `rows` (allocated by the caller,
// `size.width` wide, of `type`). The bands are asked for in order.
struct ImageInRows {
  cv::Size size;
  int type = 0;
  std::function<void(int first_row, cv::Mat& rows)> fill;
  // How many rows `fill` makes in one go when one of them is first asked for (a row of
  // tiles): the encoder keeps that many queued, so the compression of one go runs while
  // the next is made.
  int rows_at_once = 1;
};

// Takes the file's bytes in order as they are made; may throw (a full disk).
using ByteSink = std::function<void(std::span<const unsigned char> bytes)>;

// True when encode_png_in_rows takes this type: 8 or 16 bits, grey or BGR.
bool png_takes_rows_of(int type);

// The PNG file of `image` into `sink`, as cv::imencode makes it with the same level: no
// level is OpenCV's fast default (zlib level 1, run-length strategy, the Sub filter), a
// level 0–9 is zlib's with the default filters. `chunks` (whole chunks: length, type,
// data, CRC) go right after the header, before the pixels. The bands are made on the
// calling thread (where the big allocations belong: its heap keeps what it frees) and
// compressed and sent on another while the next ones are made; `sink` is called there.
// Throws upsample::Error when the type is not one png_takes_rows_of takes or libpng
// fails, and what `fill` or `sink` throw.
void encode_png_in_rows(const ImageInRows& image, std::optional<int> zlib_level, std::span<const unsigned char> chunks,
                        const ByteSink& sink);

}  // namespace upsample::io
