#include "imaging/colour.hpp"

#include <opencv2/imgproc.hpp>

#include "imaging/cubic_upscale.hpp"
#include "tensor/error.hpp"

namespace upsample::imaging {

namespace {
// MATLAB rgb2ycbcr on [0, 1] RGB: offset + matrix · (R, G, B), all divided by 255.
constexpr double kOffset[3] = {kLumaOffset, 128.0, 128.0};
constexpr double kForward[3][3] = {
    {kLumaFromR, kLumaFromG, kLumaFromB}, {-37.797, -74.203, 112.0}, {112.0, -93.786, -18.214}};

const cv::Matx33d& inverse_matrix() {
  static const cv::Matx33d inv = cv::Matx33d(&kForward[0][0]).inv();
  return inv;
}
}  // namespace

cv::Mat to_unit_float(const cv::Mat& image) {
  if (image.depth() != CV_8U && image.depth() != CV_16U) throw Error("expected an 8- or 16-bit image");
  cv::Mat out;
  image.convertTo(out, CV_32F, image.depth() == CV_8U ? 1.0 / 255.0 : 1.0 / 65535.0);
  return out;
}

cv::Mat from_unit_float(const cv::Mat& image, int depth) {
  cv::Mat out;
  image.convertTo(out, depth, depth == CV_8U ? 255.0 : 65535.0);  // convertTo rounds and saturates
  return out;
}

void bgr_to_ycbcr(const cv::Mat& bgr, cv::Mat& y, cv::Mat& cb, cv::Mat& cr) {
  CV_Assert(bgr.type() == CV_32FC3);
  y.create(bgr.size(), CV_32FC1);
  cb.create(bgr.size(), CV_32FC1);
  cr.create(bgr.size(), CV_32FC1);
  for (int r = 0; r < bgr.rows; ++r) {
    const auto* px = bgr.ptr<cv::Vec3f>(r);
    float* out[3] = {y.ptr<float>(r), cb.ptr<float>(r), cr.ptr<float>(r)};
    for (int c = 0; c < bgr.cols; ++c) {
      const double rgb[3] = {static_cast<double>(px[c][2]), static_cast<double>(px[c][1]), static_cast<double>(px[c][0])};
      for (int k = 0; k < 3; ++k)
        out[k][c] = static_cast<float>(
            (kOffset[k] + kForward[k][0] * rgb[0] + kForward[k][1] * rgb[1] + kForward[k][2] * rgb[2]) / 255.0);
    }
  }
}

cv::Mat ycbcr_to_bgr(const cv::Mat& y, const cv::Mat& cb, const cv::Mat& cr) {
  CV_Assert(y.type() == CV_32FC1 && cb.size() == y.size() && cr.size() == y.size());
  const cv::Matx33d& inv = inverse_matrix();
  cv::Mat bgr(y.size(), CV_32FC3);
  for (int r = 0; r < y.rows; ++r) {
    const float* in[3] = {y.ptr<float>(r), cb.ptr<float>(r), cr.ptr<float>(r)};
    auto* px = bgr.ptr<cv::Vec3f>(r);
    for (int c = 0; c < y.cols; ++c) {
      double v[3];
      for (int k = 0; k < 3; ++k) v[k] = static_cast<double>(in[k][c]) * 255.0 - kOffset[k];
      for (int k = 0; k < 3; ++k) {
        const double rgb = inv(k, 0) * v[0] + inv(k, 1) * v[1] + inv(k, 2) * v[2];
        px[c][2 - k] = static_cast<float>(rgb);
      }
    }
  }
  return bgr;
}

cv::Mat grey_to_y(const cv::Mat& grey) {
  // R = G = B = g gives Y = (16 + 219·g) / 255: the three weights sum to 219.
  cv::Mat y;
  grey.convertTo(y, CV_32F, 219.0 / 255.0, 16.0 / 255.0);
  return y;
}

cv::Mat y_to_grey(const cv::Mat& y) {
  cv::Mat grey;
  y.convertTo(grey, CV_32F, 255.0 / 219.0, -16.0 / 219.0);
  return grey;
}

cv::Mat luma_of(const cv::Mat& image) {
  const cv::Mat unit = image.depth() == CV_32F ? image : to_unit_float(image);
  if (unit.channels() == 1) return grey_to_y(unit);
  cv::Mat y, cb, cr;
  bgr_to_ycbcr(unit, y, cb, cr);
  return y;
}

cv::Mat map_luma(const cv::Mat& unit, const std::function<cv::Mat(const cv::Mat&)>& on_y) {
  if (unit.channels() == 1) return y_to_grey(on_y(grey_to_y(unit)));
  cv::Mat y, cb, cr;
  bgr_to_ycbcr(unit, y, cb, cr);
  const cv::Mat new_y = on_y(y);
  const int factor = y.cols > 0 ? new_y.cols / y.cols : 1;
  if (new_y.size() == y.size() * factor) {
    if (factor > 1) {
      cb = cubic_upscale(cb, factor);
      cr = cubic_upscale(cr, factor);
    }
  } else {
    cv::resize(cb, cb, new_y.size(), 0, 0, cv::INTER_CUBIC);
    cv::resize(cr, cr, new_y.size(), 0, 0, cv::INTER_CUBIC);
  }
  return ycbcr_to_bgr(new_y, cb, cr);
}

}  // namespace upsample::imaging
