#include "imaging/matlab_imresize.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <opencv2/core/utility.hpp>

#include "tensor/error.hpp"

namespace upsample::imaging {
namespace {

// Keys' cubic convolution kernel with a = -0.5, in the form imresize.m evaluates it.
double cubic_kernel(double x) {
  const double ax = std::abs(x);
  const double ax2 = ax * ax;
  const double ax3 = ax2 * ax;
  if (ax <= 1.0) return 1.5 * ax3 - 2.5 * ax2 + 1.0;
  if (ax <= 2.0) return -0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0;
  return 0.0;
}

// For every output pixel along one dimension: `taps` input indices (0-based, already
// mirrored into range) and their normalised weights, row-major [out_length × taps].
struct Contributions {
  int taps = 0;
  std::vector<int> indices;
  std::vector<double> weights;
};

// Those of output pixels [first, last) only (row 0 of the result is output pixel `first`);
// by default all `out_length` of them.
Contributions compute_contributions(int in_length, int out_length, double scale, int first = 0, int last = -1) {
  if (last < 0) last = out_length;
  const bool antialias = scale < 1.0;
  const double kernel_width = antialias ? 4.0 / scale : 4.0;
  Contributions c;
  c.taps = static_cast<int>(std::ceil(kernel_width)) + 2;
  c.indices.resize(static_cast<std::size_t>(last - first) * static_cast<std::size_t>(c.taps));
  c.weights.resize(c.indices.size());
  const long long period = 2LL * in_length;  // symmetric padding repeats every 2n
  for (int x = first + 1; x <= last; ++x) {
    const double u = x / scale + 0.5 * (1.0 - 1.0 / scale);
    const double left = std::floor(u - kernel_width / 2.0);
    const std::size_t row = static_cast<std::size_t>(x - 1 - first) * static_cast<std::size_t>(c.taps);
    double sum = 0.0;
    for (int k = 0; k < c.taps; ++k) {
      const double index_1based = left + k;
      const double distance = u - index_1based;
      const double w = antialias ? scale * cubic_kernel(scale * distance) : cubic_kernel(distance);
      c.weights[row + static_cast<std::size_t>(k)] = w;
      sum += w;
      // MATLAB: aux = [1:n, n:-1:1]; index = aux(mod(i - 1, 2n) + 1).
      long long m = (static_cast<long long>(index_1based) - 1) % period;
      if (m < 0) m += period;
      const long long mirrored = m < in_length ? m : period - 1 - m;
      c.indices[row + static_cast<std::size_t>(k)] = static_cast<int>(mirrored);
    }
    for (int k = 0; k < c.taps; ++k) c.weights[row + static_cast<std::size_t>(k)] /= sum;
  }
  return c;
}

// MATLAB's conversion of a double to uint8: round half away from zero, saturate.
double round_to_u8_range(double v) {
  if (!(v > 0.0)) return 0.0;  // also maps NaN to 0, as MATLAB does
  if (v >= 255.0) return 255.0;
  return std::round(v);
}

// One pass along the rows' direction (height changes). `image` is CV_64F, any channels.
cv::Mat resize_height(const cv::Mat& image, int out_rows, double scale, bool round_u8) {
  const Contributions c = compute_contributions(image.rows, out_rows, scale);
  const int row_len = image.cols * image.channels();
  cv::Mat out(out_rows, image.cols, image.type());
  for (int y = 0; y < out_rows; ++y) {
    double* dst = out.ptr<double>(y);
    for (int i = 0; i < row_len; ++i) dst[i] = 0.0;
    const std::size_t base = static_cast<std::size_t>(y) * static_cast<std::size_t>(c.taps);
    for (int k = 0; k < c.taps; ++k) {
      const double w = c.weights[base + static_cast<std::size_t>(k)];
      const double* src = image.ptr<double>(c.indices[base + static_cast<std::size_t>(k)]);
      for (int i = 0; i < row_len; ++i) dst[i] += w * src[i];
    }
    if (round_u8)
      for (int i = 0; i < row_len; ++i) dst[i] = round_to_u8_range(dst[i]);
  }
  return out;
}

// One pass along the columns' direction (width changes).
cv::Mat resize_width(const cv::Mat& image, int out_cols, double scale, bool round_u8) {
  const Contributions c = compute_contributions(image.cols, out_cols, scale);
  const int channels = image.channels();
  cv::Mat out(image.rows, out_cols, image.type());
  for (int y = 0; y < image.rows; ++y) {
    const double* src = image.ptr<double>(y);
    double* dst = out.ptr<double>(y);
    for (int x = 0; x < out_cols; ++x) {
      const std::size_t base = static_cast<std::size_t>(x) * static_cast<std::size_t>(c.taps);
      for (int ch = 0; ch < channels; ++ch) {
        double acc = 0.0;
        for (int k = 0; k < c.taps; ++k) {
          const int index = c.indices[base + static_cast<std::size_t>(k)];
          acc += c.weights[base + static_cast<std::size_t>(k)] * src[index * channels + ch];
        }
        dst[x * channels + ch] = round_u8 ? round_to_u8_range(acc) : acc;
      }
    }
  }
  return out;
}

// Both passes on a CV_64F image, in MATLAB's order (smaller scale first, height on ties).
cv::Mat resize_both(const cv::Mat& image64, int out_rows, int out_cols, double scale_rows,
                    double scale_cols, bool round_u8) {
  if (scale_rows <= scale_cols) {
    const cv::Mat tmp = resize_height(image64, out_rows, scale_rows, round_u8);
    return resize_width(tmp, out_cols, scale_cols, round_u8);
  }
  const cv::Mat tmp = resize_width(image64, out_cols, scale_cols, round_u8);
  return resize_height(tmp, out_rows, scale_rows, round_u8);
}

void require_nonempty(const cv::Mat& image, const char* what) {
  if (image.empty() || image.dims != 2) throw Error(std::string(what) + ": expected a non-empty 2-D image");
}

void require_float(const cv::Mat& image, const char* what) {
  require_nonempty(image, what);
  if (image.depth() != CV_32F && image.depth() != CV_64F)
    throw Error(std::string(what) + ": expected a CV_32F or CV_64F image, got depth " +
                std::to_string(image.depth()));
}

void require_u8(const cv::Mat& image, const char* what) {
  require_nonempty(image, what);
  if (image.depth() != CV_8U)
    throw Error(std::string(what) + ": expected an 8-bit image, got depth " + std::to_string(image.depth()));
}

// MATLAB: output size = ceil(scale · size), computed in double.
int scaled_length(int length, double scale, const char* what) {
  if (!(scale > 0.0) || !std::isfinite(scale)) throw Error(std::string(what) + ": scale must be positive and finite");
  const double out = std::ceil(scale * length);
  if (out > 1 << 30) throw Error(std::string(what) + ": output size too large");
  return static_cast<int>(out);
}

// Rounds a CV_64F image to integers in 0..255 the way MATLAB's uint8() does.
void round_in_place_to_u8_range(cv::Mat& image64) {
  for (int y = 0; y < image64.rows; ++y) {
    double* row = image64.ptr<double>(y);
    for (int i = 0; i < image64.cols * image64.channels(); ++i) row[i] = round_to_u8_range(row[i]);
  }
}

cv::Mat to_double(const cv::Mat& image) {
  cv::Mat out;
  image.convertTo(out, CV_MAKETYPE(CV_64F, image.channels()));
  return out;
}

}  // namespace

cv::Mat matlab_imresize(const cv::Mat& image, double scale) {
  require_float(image, "matlab_imresize");
  const int rows = scaled_length(image.rows, scale, "matlab_imresize");
  const int cols = scaled_length(image.cols, scale, "matlab_imresize");
  return resize_both(to_double(image), rows, cols, scale, scale, false);
}

namespace {

// Both passes, rows first, for any band of output rows: only the input rows the band
// reaches are ever in double. The arithmetic is resize_height's then resize_width's, in
// the same order, so a band equals the same rows of the whole image.
class BandResizer {
 public:
  BandResizer(const cv::Mat& image, int rows, int cols, double scale_rows, double scale_cols)
      : image_(image), rows_(rows), scale_rows_(scale_rows),
        across_(compute_contributions(image.cols, cols, scale_cols)) {}

  // Output rows [first, first + out.rows) into `out` (cols wide, the image's channels,
  // any depth: rounded and saturated).
  void fill(int first, cv::Mat& out) const {
    const int last = first + out.rows;
    const Contributions down = compute_contributions(image_.rows, rows_, scale_rows_, first, last);
    const auto [lowest, highest] = std::minmax_element(down.indices.begin(), down.indices.end());
    cv::Mat source;
    image_.rowRange(*lowest, *highest + 1).convertTo(source, CV_MAKETYPE(CV_64F, image_.channels()));
    const int channels = image_.channels();
    const int row_length = image_.cols * channels;
    cv::Mat heights(out.rows, image_.cols, CV_MAKETYPE(CV_64F, channels));
    for (int y = 0; y < out.rows; ++y) {
      double* dst = heights.ptr<double>(y);
      std::fill(dst, dst + row_length, 0.0);
      const std::size_t base = static_cast<std::size_t>(y) * static_cast<std::size_t>(down.taps);
      for (int k = 0; k < down.taps; ++k) {
        const double w = down.weights[base + static_cast<std::size_t>(k)];
        const double* src = source.ptr<double>(down.indices[base + static_cast<std::size_t>(k)] - *lowest);
        for (int i = 0; i < row_length; ++i) dst[i] += w * src[i];
      }
    }
    cv::Mat across(1, out.cols, CV_MAKETYPE(CV_64F, channels));
    for (int y = 0; y < out.rows; ++y) {
      const double* src = heights.ptr<double>(y);
      double* dst = across.ptr<double>();
      for (int x = 0; x < out.cols; ++x) {
        const std::size_t base = static_cast<std::size_t>(x) * static_cast<std::size_t>(across_.taps);
        for (int ch = 0; ch < channels; ++ch) {
          double acc = 0.0;
          for (int k = 0; k < across_.taps; ++k) {
            const int index = across_.indices[base + static_cast<std::size_t>(k)];
            acc += across_.weights[base + static_cast<std::size_t>(k)] * src[index * channels + ch];
          }
          dst[x * channels + ch] = acc;
        }
      }
      cv::Mat out_row = out.row(y);
      across.convertTo(out_row, out.type());
    }
  }

 private:
  const cv::Mat& image_;
  int rows_;
  double scale_rows_;
  Contributions across_;
};

// `out` holds output rows from `first` on; filled 32 rows at a time on OpenCV's threads.
void fill_in_bands(const BandResizer& resizer, int first, cv::Mat& out) {
  constexpr int kBandRows = 32;
  const int bands = (out.rows + kBandRows - 1) / kBandRows;
  cv::parallel_for_(cv::Range(0, bands), [&](const cv::Range& range) {
    for (int band = range.start; band < range.end; ++band) {
      cv::Mat part = out.rowRange(band * kBandRows, std::min(out.rows, (band + 1) * kBandRows));
      resizer.fill(first + band * kBandRows, part);
    }
  });
}

cv::Mat resize_in_bands(const cv::Mat& image, int rows, int cols, double scale_rows, double scale_cols, int out_depth) {
  cv::Mat out(rows, cols, CV_MAKETYPE(out_depth, image.channels()));
  fill_in_bands(BandResizer(image, rows, cols, scale_rows, scale_cols), 0, out);
  return out;
}

}  // namespace

cv::Mat matlab_upscale(const cv::Mat& image, int scale, int out_depth) {
  require_nonempty(image, "matlab_upscale");
  if (scale < 1) throw Error("matlab_upscale: scale must be at least 1, got " + std::to_string(scale));
  const int rows = scaled_length(image.rows, scale, "matlab_upscale");
  const int cols = scaled_length(image.cols, scale, "matlab_upscale");
  // Equal scales: MATLAB resizes the height first, then the width; so does each band.
  return resize_in_bands(image, rows, cols, scale, scale, out_depth);
}

void matlab_upscale_rows(const cv::Mat& image, int scale, int first_row, cv::Mat& rows) {
  require_nonempty(image, "matlab_upscale_rows");
  if (scale < 1) throw Error("matlab_upscale_rows: scale must be at least 1, got " + std::to_string(scale));
  const int height = scaled_length(image.rows, scale, "matlab_upscale_rows");
  const int width = scaled_length(image.cols, scale, "matlab_upscale_rows");
  if (rows.cols != width || rows.channels() != image.channels() || first_row < 0 || first_row + rows.rows > height)
    throw Error("matlab_upscale_rows: rows " + std::to_string(first_row) + "+" + std::to_string(rows.rows) +
                " of width " + std::to_string(rows.cols) + " are not within the " + std::to_string(width) + "x" +
                std::to_string(height) + " result");
  if (rows.rows == 0) return;
  fill_in_bands(BandResizer(image, height, width, scale, scale), first_row, rows);
}

cv::Mat matlab_resize_to(const cv::Mat& image, int rows, int cols, int out_depth) {
  require_nonempty(image, "matlab_resize_to");
  if (rows <= 0 || cols <= 0) throw Error("matlab_resize_to: output size must be positive");
  return resize_in_bands(image, rows, cols, static_cast<double>(rows) / image.rows,
                         static_cast<double>(cols) / image.cols, out_depth);
}

cv::Mat matlab_imresize_to(const cv::Mat& image, int rows, int cols) {
  require_float(image, "matlab_imresize_to");
  if (rows <= 0 || cols <= 0) throw Error("matlab_imresize_to: output size must be positive");
  const double scale_rows = static_cast<double>(rows) / image.rows;
  const double scale_cols = static_cast<double>(cols) / image.cols;
  return resize_both(to_double(image), rows, cols, scale_rows, scale_cols, false);
}

cv::Mat matlab_imresize_u8(const cv::Mat& image_u8, double scale) {
  require_u8(image_u8, "matlab_imresize_u8");
  const int rows = scaled_length(image_u8.rows, scale, "matlab_imresize_u8");
  const int cols = scaled_length(image_u8.cols, scale, "matlab_imresize_u8");
  const cv::Mat resized = resize_both(to_double(image_u8), rows, cols, scale, scale, true);
  cv::Mat out;
  resized.convertTo(out, CV_MAKETYPE(CV_8U, image_u8.channels()));  // exact: already integers
  return out;
}

cv::Mat crop_to_multiple_of(const cv::Mat& image, int scale) {
  if (scale < 1) throw Error("crop_to_multiple_of: scale must be at least 1, got " + std::to_string(scale));
  require_nonempty(image, "crop_to_multiple_of");
  const int rows = image.rows - image.rows % scale;
  const int cols = image.cols - image.cols % scale;
  if (rows == 0 || cols == 0)
    throw Error("image of " + std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                " is smaller than the scale " + std::to_string(scale));
  return image(cv::Rect(0, 0, cols, rows));
}

cv::Mat matlab_bicubic_downscale_u8(const cv::Mat& hr_u8, int scale) {
  require_u8(hr_u8, "matlab_bicubic_downscale_u8");
  return matlab_imresize_u8(crop_to_multiple_of(hr_u8, scale), 1.0 / scale);
}

cv::Mat matlab_bicubic_downscale(const cv::Mat& hr, int scale) {
  if (hr.depth() != CV_8U) require_float(hr, "matlab_bicubic_downscale");
  const cv::Mat cropped = crop_to_multiple_of(hr, scale);
  return matlab_imresize(hr.depth() == CV_8U ? to_double(cropped) : cropped, 1.0 / scale);
}

cv::Mat matlab_bicubic_upscale(const cv::Mat& lr, int scale) {
  if (lr.depth() != CV_8U) require_float(lr, "matlab_bicubic_upscale");
  if (scale < 1) throw Error("matlab_bicubic_upscale: scale must be at least 1, got " + std::to_string(scale));
  if (lr.depth() == CV_8U) return matlab_imresize_u8(lr, static_cast<double>(scale));
  cv::Mat resized = matlab_imresize(lr, static_cast<double>(scale));
  round_in_place_to_u8_range(resized);
  cv::Mat out;
  resized.convertTo(out, CV_MAKETYPE(CV_8U, lr.channels()));  // exact: already integers
  return out;
}

}  // namespace upsample::imaging
