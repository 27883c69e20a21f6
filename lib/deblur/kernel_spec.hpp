#pragma once
// Blur kernels as users give them: every spec of imaging::parse_blur_kernel, and
// kernel:FILE, a kernel image (imaging/ reads no files, so the file is read here).
#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

namespace upsample::deblur {

// The largest kernel image accepted, per side.
constexpr int kMaxKernelImageSide = 201;

// kernel:FILE reads FILE (any format io::load_image reads; 8- or 16-bit or float, grey
// or colour, colour taken as its grey), pads an even side with a zero column on the
// right or a zero row at the bottom, pads the shorter side equally on both ends to a
// square, and normalises it to sum 1. Refused, with an Error naming the file and why:
// unreadable, empty, larger than 201×201, negative or non-finite taps, or all zero.
// Any other spec goes to imaging::parse_blur_kernel.
cv::Mat load_blur_kernel(const std::string& spec);

// Writes `kernel` as a 16-bit grey PNG scaled so that its largest tap is 65535, which
// kernel:FILE reads back (within 16-bit quantisation); an existing file is replaced.
void save_kernel_image(const std::filesystem::path& path, const cv::Mat& kernel);

}  // namespace upsample::deblur
