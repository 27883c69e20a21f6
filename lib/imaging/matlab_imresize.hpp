#pragma once
// MATLAB's imresize(A, scale, 'bicubic'), reproduced exactly, because the super-resolution
// papers make their LR images and their bicubic baseline with it (DESIGN §4). OpenCV's
// INTER_CUBIC differs: a = -0.75, no antialiasing when shrinking, other border handling.
//
// The algorithm (MATLAB R2006b and later, imresize.m / contributions()):
// - cubic kernel with a = -0.5 (Keys); when shrinking, antialiased: h(x) = s·k(s·x), so the
//   kernel is stretched by 1/s and its support grows from 4 to 4/s taps;
// - output pixel x (1-based) samples the input at u = x/s + 0.5·(1 − 1/s);
// - taps outside [1, n] are mirrored with the edge repeated ("symmetric" padding);
// - each output pixel's weights are normalised to sum 1;
// - output size ceil(n·s) per dimension; one dimension at a time, the one with the smaller
//   scale first, rows (height) first when the scales are equal (MATLAB sorts the scales
//   stably).
// For a uint8 input MATLAB returns uint8 after *each* one-dimensional pass (rounded half
// away from zero, saturated), so the 8-bit functions below round after both passes too.
#include <opencv2/core.hpp>

namespace upsample::imaging {

// imresize(image, scale, 'bicubic') on a CV_32F or CV_64F image with any number of
// channels, computed in double. Returns CV_64F with the input's channel count.
cv::Mat matlab_imresize(const cv::Mat& image, double scale);

// imresize(image, scale, 'bicubic') for an enlargement (scale ≥ 1) of an image of any
// depth and channel count, converted to `out_depth` (rounded and saturated) — the same
// values as matlab_imresize, computed in bands of output rows so that only a few rows
// are ever in double: the memory is the input's and the output's.
cv::Mat matlab_upscale(const cv::Mat& image, int scale, int out_depth);

// Rows [first_row, first_row + rows.rows) of matlab_upscale(image, scale, rows.depth()),
// written into `rows` (allocated by the caller: the result's width, the image's channels):
// the same values, for an upscale made band by band as it is encoded, never whole in
// memory (io/png_row_encoder.hpp).
void matlab_upscale_rows(const cv::Mat& image, int scale, int first_row, cv::Mat& rows);

// imresize(image, [rows cols], 'bicubic') of an image of any depth and channel count,
// converted to `out_depth` (rounded and saturated), in bands as matlab_upscale: the
// antialiased shrink of a learned method's result to an asked size (pipeline/
// sized_upscaler.hpp). Rows are always resized first; MATLAB takes the smaller scale
// first, which differs only by floating-point rounding, as nothing is rounded between.
cv::Mat matlab_resize_to(const cv::Mat& image, int rows, int cols, int out_depth);

// imresize(image, [rows cols], 'bicubic'): the scale of each dimension is out/in, as in
// MATLAB. Same types as above.
cv::Mat matlab_imresize_to(const cv::Mat& image, int rows, int cols);

// imresize(image, scale, 'bicubic') on a CV_8U image (any channel count) with MATLAB's
// uint8 semantics: each one-dimensional pass is rounded to 8 bits. Returns CV_8U.
cv::Mat matlab_imresize_u8(const cv::Mat& image_u8, double scale);

// The top-left part of the image whose height and width are multiples of scale (MATLAB's
// modcrop in the SR evaluation scripts). Shares data with the input.
cv::Mat crop_to_multiple_of(const cv::Mat& image, int scale);

// An LR image file as the SR datasets make it: HR (CV_8U, any channel count) cropped to a
// multiple of scale, then imresize(HR, 1/scale, 'bicubic') on uint8. Returns CV_8U.
cv::Mat matlab_bicubic_downscale_u8(const cv::Mat& hr_u8, int scale);

// The LR of the published evaluation scripts (SRCNN/FSRCNN test code): HR (CV_8U or
// float, values 0..255) cropped to a multiple of scale and shrunk in floating point,
// *not* rounded. Returns CV_64F of size HR/scale.
cv::Mat matlab_bicubic_downscale(const cv::Mat& hr, int scale);

// The bicubic upscale of an LR image, rounded to 8 bits. A CV_8U input follows MATLAB's
// uint8 imresize (rounded after each pass); a CV_32F/CV_64F input (values 0..255) is
// resized in double and rounded once at the end, as uint8(imresize(single(LR), s)) is.
// Returns CV_8U.
cv::Mat matlab_bicubic_upscale(const cv::Mat& lr, int scale);

}  // namespace upsample::imaging
