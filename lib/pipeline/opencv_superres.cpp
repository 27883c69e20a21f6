// OpenCV's dnn_superres models (.pb files of FSRCNN, ESPCN, LapSRN, EDSR) as methods, so
// users can compare the pretrained models they can download with ours: `-m opencv:PATH`.
#include <algorithm>
#include <mutex>
#include <cctype>

#include <opencv2/dnn_superres.hpp>
#include <opencv2/imgproc.hpp>

#include "imaging/colour.hpp"
#include "pipeline/opencv_superres.hpp"
#include "tensor/error.hpp"

namespace upsample::pipeline {

namespace {

class OpenCvSuperResUpscaler final : public Upscaler {
 public:
  OpenCvSuperResUpscaler(const std::filesystem::path& path, const std::string& algorithm, int scale) : scale_(scale) {
    try {
      model_.readModel(path.string());
      model_.setModel(algorithm, scale);
    } catch (const cv::Exception& e) {
      throw Error(path.string() + ": OpenCV cannot load this model: " + e.err);
    }
  }
  int scale() const override { return scale_; }

  cv::Mat upscale(const cv::Mat& image) const override {
    cv::Mat input = image, out;
    if (image.depth() != CV_8U) image.convertTo(input, CV_8U, 1.0 / 257.0);  // its models take 8-bit BGR
    const bool grey = input.channels() == 1;
    if (grey) cv::cvtColor(input, input, cv::COLOR_GRAY2BGR);
    {
      std::lock_guard lock(mutex_);  // DnnSuperResImpl::upsample is not const and not thread-safe
      model_.upsample(input, out);
    }
    if (grey) cv::cvtColor(out, out, cv::COLOR_BGR2GRAY);
    if (image.depth() != CV_8U) out.convertTo(out, image.depth(), 257.0);
    return out;
  }

  cv::Mat upscale_y(const cv::Mat& y) const override {
    cv::Mat y8, out;
    y.convertTo(y8, CV_8U, 255.0);
    upscale(y8).convertTo(out, CV_32F, 1.0 / 255.0);
    return out;
  }

 private:
  int scale_;
  mutable cv::dnn_superres::DnnSuperResImpl model_;
  mutable std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Upscaler> opencv_superres_upscaler(const std::filesystem::path& path, int scale) {
  // OpenCV needs the algorithm and scale the graph was made for; the published files are
  // named after both (FSRCNN_x2.pb, FSRCNN-small_x3.pb, ESPCN_x3.pb, LapSRN_x8.pb, EDSR_x4.pb).
  std::string name = path.filename().string();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string algorithm;
  for (const char* known : {"fsrcnn", "espcn", "lapsrn", "edsr"})
    if (name.rfind(known, 0) == 0) algorithm = known;
  const size_t x = name.find("_x");
  if (algorithm.empty() || x == std::string::npos || x + 2 >= name.size() || !std::isdigit(static_cast<unsigned char>(name[x + 2])))
    throw Error(path.string() + ": cannot tell the OpenCV model's algorithm and scale from its name "
                                "(expected e.g. FSRCNN_x2.pb, ESPCN_x3.pb, LapSRN_x4.pb)");
  const int file_scale = name[x + 2] - '0';
  if (file_scale != scale)
    throw Error(path.string() + ": this model upscales ×" + std::to_string(file_scale) + ", not ×" + std::to_string(scale));
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(path.string() + ": no such model file");
  return std::make_unique<OpenCvSuperResUpscaler>(path, algorithm, scale);
}

}  // namespace upsample::pipeline
