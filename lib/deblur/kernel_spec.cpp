#include "deblur/kernel_spec.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include <opencv2/imgproc.hpp>

#include "imaging/blur_kernels.hpp"
#include "io/image_io.hpp"
#include "tensor/error.hpp"

namespace upsample::deblur {

namespace {

cv::Mat read_kernel_file(const std::filesystem::path& file) {
  const std::string name = file.string();
  io::LoadOptions options;
  // Refused from its header, before a huge image is decoded.
  options.check_size = [](const io::ImageHeader& header) {
    if (header.width > kMaxKernelImageSide || header.height > kMaxKernelImageSide)
      throw Error("a blur kernel image may be at most 201×201, not " + std::to_string(header.width) + "×" +
                  std::to_string(header.height));
  };
  cv::Mat image;
  try {
    image = io::load_image(file, options);
  } catch (const Error& e) {
    // load_image names the file, but not in what a decoder's own size check throws.
    if (std::string(e.what()).starts_with(name)) throw;
    throw Error(name + ": " + e.what());
  }
  if (image.empty()) throw Error(name + ": the blur kernel image is empty");
  if (image.cols > kMaxKernelImageSide || image.rows > kMaxKernelImageSide)
    throw Error(name + ": a blur kernel image may be at most 201×201, not " + std::to_string(image.cols) + "×" +
                std::to_string(image.rows));
  if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2GRAY);
  else if (image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2GRAY);
  else if (image.channels() != 1) throw Error(name + ": a blur kernel image must be grey or colour");
  cv::Mat kernel;
  image.convertTo(kernel, CV_32F);  // the scale does not matter: it is normalised
  double total = 0;
  for (int y = 0; y < kernel.rows; ++y)
    for (int x = 0; x < kernel.cols; ++x) {
      const float v = kernel.at<float>(y, x);
      if (!std::isfinite(v)) throw Error(name + ": the blur kernel has a tap that is not a number");
      if (v < 0) throw Error(name + ": the blur kernel has a negative tap");
      total += static_cast<double>(v);
    }
  if (!(total > 0)) throw Error(name + ": the blur kernel is all zero");
  // Odd sides first (a zero column or row after the last), then a square about the middle.
  cv::copyMakeBorder(kernel, kernel, 0, 1 - kernel.rows % 2, 0, 1 - kernel.cols % 2, cv::BORDER_CONSTANT, 0);
  const int side = std::max(kernel.rows, kernel.cols);
  const int pad_y = (side - kernel.rows) / 2, pad_x = (side - kernel.cols) / 2;
  cv::copyMakeBorder(kernel, kernel, pad_y, pad_y, pad_x, pad_x, cv::BORDER_CONSTANT, 0);
  kernel /= total;
  return kernel;
}

}  // namespace

cv::Mat load_blur_kernel(const std::string& spec) {
  constexpr std::string_view kPrefix = "kernel:";
  if (!spec.starts_with(kPrefix)) return imaging::parse_blur_kernel(spec);
  const std::string file = spec.substr(kPrefix.size());
  if (file.empty()) throw Error("blur kernel '" + spec + "': kernel:FILE needs a file");
  return read_kernel_file(file);
}

void save_kernel_image(const std::filesystem::path& path, const cv::Mat& kernel) {
  CV_Assert(kernel.type() == CV_32FC1 && !kernel.empty());
  double peak = 0;
  cv::minMaxLoc(kernel, nullptr, &peak);
  if (!(peak > 0)) throw Error(path.string() + ": the blur kernel is all zero");
  cv::Mat image;
  kernel.convertTo(image, CV_16U, 65535.0 / peak);  // rounds and saturates
  io::SaveOptions options;
  options.format = "png";
  options.existing = io::ExistingFile::Replace;
  io::save_image(path, image, options);
}

}  // namespace upsample::deblur
