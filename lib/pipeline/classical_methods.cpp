// The interpolation methods every image tool has, from OpenCV's cv::resize: the baselines
// the learned methods are compared with.
#include <opencv2/imgproc.hpp>

#include "imaging/matlab_imresize.hpp"
#include "pipeline/method_registry.hpp"

namespace upsample::pipeline {

namespace {

class InterpolationUpscaler final : public Upscaler {
 public:
  InterpolationUpscaler(int scale, int interpolation) : scale_(scale), interpolation_(interpolation) {}
  cv::Mat upscale(const cv::Mat& image) const override {
    cv::Mat out;
    cv::resize(image, out, cv::Size(image.cols * scale_, image.rows * scale_), 0, 0, interpolation_);
    return out;
  }
  cv::Mat upscale_y(const cv::Mat& y) const override { return upscale(y); }
  int scale() const override { return scale_; }

 private:
  int scale_;
  int interpolation_;
};

// MATLAB's imresize bicubic (a = -0.5): the baseline every SR paper reports, so `eval`
// reproduces the published bicubic numbers with the method users run.
class MatlabBicubicUpscaler final : public Upscaler {
 public:
  explicit MatlabBicubicUpscaler(int scale) : scale_(scale) {}
  cv::Mat upscale(const cv::Mat& image) const override { return imaging::matlab_upscale(image, scale_, image.depth()); }
  cv::Mat upscale_y(const cv::Mat& y) const override { return imaging::matlab_upscale(y, scale_, CV_32F); }
  int scale() const override { return scale_; }
  bool gives_rows() const override { return true; }
  std::optional<io::ImageInRows> upscale_in_rows(const cv::Mat& image, const ImageFacts&, UpscaleNotes*) const override {
    return io::ImageInRows{{image.cols * scale_, image.rows * scale_}, image.type(),
                           [&image, scale = scale_](int first_row, cv::Mat& rows) {
                             imaging::matlab_upscale_rows(image, scale, first_row, rows);
                           }};
  }

 private:
  int scale_;
};

MethodInfo interpolation_method(std::string name, std::string summary, int interpolation) {
  return {std::move(name), std::move(summary), {}, false,
          [interpolation](int scale, const UpscalerOptions&) {
            return std::make_unique<InterpolationUpscaler>(scale, interpolation);
          },
          [interpolation](const cv::Mat& image, cv::Size size) {
            cv::Mat out;
            cv::resize(image, out, size, 0, 0, interpolation);
            return out;
          }};
}

}  // namespace

void register_classical_methods(MethodRegistry& registry) {
  registry.add(interpolation_method("nearest", "nearest neighbour: each pixel becomes an s×s block", cv::INTER_NEAREST_EXACT));
  registry.add(interpolation_method("bilinear", "bilinear interpolation (OpenCV INTER_LINEAR)", cv::INTER_LINEAR));
  registry.add({"bicubic", "bicubic interpolation as MATLAB's imresize (a = -0.5): the SR papers' baseline", {}, false,
                [](int scale, const UpscalerOptions&) { return std::make_unique<MatlabBicubicUpscaler>(scale); },
                [](const cv::Mat& image, cv::Size size) {
                  return imaging::matlab_resize_to(image, size.height, size.width, image.depth());
                }});
  registry.add(interpolation_method("lanczos", "Lanczos-4 interpolation (8×8 window)", cv::INTER_LANCZOS4));
  registry.add(interpolation_method("area", "pixel-area resampling (OpenCV INTER_AREA)", cv::INTER_AREA));
}

}  // namespace upsample::pipeline
