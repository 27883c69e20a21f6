#include "pipeline/self_ensemble.hpp"

#include <opencv2/core.hpp>

#include "tensor/error.hpp"

namespace upsample::pipeline {

bool is_self_ensemble(const std::string& method, std::string& base) {
  const bool plus = method.size() > 1 && method.back() == '+';
  base = plus ? method.substr(0, method.size() - 1) : method;
  return plus;
}

namespace {

// Each step writes a new matrix: cv::flip in place would turn the caller's image too.
cv::Mat transposed(const cv::Mat& m) {
  cv::Mat out;
  cv::transpose(m, out);
  return out;
}
cv::Mat flipped(const cv::Mat& m, int axis) {
  cv::Mat out;
  cv::flip(m, out, axis);
  return out;
}

}  // namespace

cv::Mat dihedral_transform(const cv::Mat& image, int t) {
  cv::Mat out = (t & 4) ? transposed(image) : image.clone();
  if (t & 1) out = flipped(out, 1);
  if (t & 2) out = flipped(out, 0);
  return out;
}

cv::Mat inverse_dihedral_transform(const cv::Mat& image, int t) {
  cv::Mat out = image.clone();
  if (t & 2) out = flipped(out, 0);
  if (t & 1) out = flipped(out, 1);
  if (t & 4) out = transposed(out);
  return out;
}

cv::Mat dihedral_average(const cv::Mat& image, const std::function<cv::Mat(const cv::Mat& turned, int t)>& run) {
  cv::Mat sum;
  for (int t = 0; t < kDihedralTransforms; ++t) {
    cv::Mat result;
    inverse_dihedral_transform(run(dihedral_transform(image, t), t), t).convertTo(result, CV_32F);
    if (sum.empty()) sum = result;
    else sum += result;
  }
  return sum / kDihedralTransforms;
}

namespace {

class SelfEnsemble final : public Upscaler {
 public:
  explicit SelfEnsemble(std::unique_ptr<Upscaler> method) : method_(std::move(method)) {}

  int scale() const override { return method_->scale(); }

  cv::Mat upscale_y(const cv::Mat& y) const override {
    return dihedral_average(y, [&](const cv::Mat& turned, int) { return method_->upscale_y(turned); });
  }

  cv::Mat upscale(const cv::Mat& image) const override {
    // 8-bit images go through the method as 16-bit, so the eight results are averaged
    // before they are rounded to 8 bits, not after.
    const bool narrow = image.depth() == CV_8U;
    cv::Mat wide = image;
    if (narrow) image.convertTo(wide, CV_16U, 257.0);
    const cv::Mat mean = dihedral_average(wide, [&](const cv::Mat& turned, int) { return method_->upscale(turned); });
    cv::Mat out;
    mean.convertTo(out, image.depth(), narrow ? 1.0 / 257.0 : 1.0);  // rounds and saturates
    return out;
  }

 private:
  std::unique_ptr<Upscaler> method_;
};

}  // namespace

std::unique_ptr<Upscaler> self_ensemble(std::unique_ptr<Upscaler> method) {
  if (method == nullptr) throw Error("self-ensemble of no method");
  return std::make_unique<SelfEnsemble>(std::move(method));
}

}  // namespace upsample::pipeline
