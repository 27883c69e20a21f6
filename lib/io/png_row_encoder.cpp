#include "io/png_row_encoder.hpp"

#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

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

// Bands on their way from the thread that makes them to the one that compresses them.
class BandQueue {
 public:
  explicit BandQueue(size_t most) : most_(most) {}

  // Waits for room; false when the taker has stopped.
  bool push(cv::Mat band) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return bands_.size() < most_ || !taking_; });
    if (!taking_) return false;
    bands_.push_back(std::move(band));
    changed_.notify_all();
    return true;
  }

  // The next band, or an empty one when the giver has stopped before giving it.
  cv::Mat pop() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !bands_.empty() || !giving_; });
    if (bands_.empty()) return {};
    cv::Mat band = std::move(bands_.front());
    bands_.pop_front();
    changed_.notify_all();
    return band;
  }

  void stop_taking() { stop(taking_); }
  void stop_giving() { stop(giving_); }

 private:
  void stop(bool& flag) {
    const std::lock_guard lock(mutex_);
    flag = false;
    changed_.notify_all();
  }

  const size_t most_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<cv::Mat> bands_;
  bool taking_ = true, giving_ = true;
};

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
  const int bands = (height + kBandRows - 1) / kBandRows;
  // One go of the filler and one band more may wait: the filler is never held up by the
  // compression of less than what it made last.
  const size_t most_queued = static_cast<size_t>((std::max(image.rows_at_once, 1) + kBandRows - 1) / kBandRows + 1);
  BandQueue queue(most_queued);
  PngOutput out;
  out.sink = &sink;
  bool ok = false;
  std::thread writer([&] {
    cv::Mat current;  // the band libpng is reading
    ok = write_png(out, image, zlib_level, chunks, [&](int) -> const cv::Mat* {
      current = queue.pop();
      return current.empty() ? nullptr : &current;
    });
    queue.stop_taking();
  });
  std::exception_ptr fill_failure;
  try {
    for (int band = 0; band < bands; ++band) {
      const int first = band * kBandRows;
      cv::Mat rows(std::min(kBandRows, height - first), image.size.width, image.type);
      image.fill(first, rows);
      if (!queue.push(std::move(rows))) break;  // the writer failed: its failure is the one to report
    }
  } catch (...) {
    fill_failure = std::current_exception();
    queue.stop_giving();
  }
  writer.join();
  if (fill_failure) std::rethrow_exception(fill_failure);
  if (out.failure) std::rethrow_exception(out.failure);
  if (!ok) throw Error(std::string("cannot encode as PNG: ") + (out.message[0] ? out.message : "libpng failed"));
}

}  // namespace upsample::io
