// The geometric self-ensemble (pipeline/self_ensemble.hpp): the eight transforms undo
// exactly, an equivariant method is unchanged by it, and a method's orientation-bound
// bias is averaged out as the arithmetic says.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "pipeline/method_registry.hpp"
#include "pipeline/self_ensemble.hpp"
#include "tensor/error.hpp"

namespace pl = upsample::pipeline;

namespace {

cv::Mat ramp_image(int rows, int cols, int type) {
  cv::Mat image(rows, cols, type);
  cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(255));
  return image;
}

// Nearest ×2 plus a ramp along the columns, slope `slope` per output column: a method
// that knows left from right.
class RampedNearest final : public pl::Upscaler {
 public:
  explicit RampedNearest(float slope) : slope_(slope) {}
  int scale() const override { return 2; }
  cv::Mat upscale_y(const cv::Mat& y) const override {
    cv::Mat out;
    cv::resize(y, out, y.size() * 2, 0, 0, cv::INTER_NEAREST);
    for (int r = 0; r < out.rows; ++r)
      for (int c = 0; c < out.cols; ++c) out.at<float>(r, c) += slope_ * static_cast<float>(c);
    return out;
  }
  cv::Mat upscale(const cv::Mat& image) const override {
    cv::Mat f, out;
    image.convertTo(f, CV_32F);
    upscale_y(f).convertTo(out, image.depth());
    return out;
  }

 private:
  float slope_;
};

}  // namespace

TEST_SUITE("self-ensemble") {

TEST_CASE("each of the eight transforms is undone by its inverse, and they are all different") {
  const cv::Mat image = ramp_image(5, 7, CV_8UC3);
  std::vector<cv::Mat> seen;
  for (int t = 0; t < 8; ++t) {
    CAPTURE(t);
    const cv::Mat turned = pl::dihedral_transform(image, t);
    CHECK(turned.size() == ((t & 4) ? cv::Size(5, 7) : cv::Size(7, 5)));
    const cv::Mat back = pl::inverse_dihedral_transform(turned, t);
    CHECK(cv::norm(back, image, cv::NORM_INF) == 0);
    for (const cv::Mat& other : seen)
      if (other.size() == turned.size()) CHECK(cv::norm(other, turned, cv::NORM_INF) > 0);
    seen.push_back(turned);
  }
}

TEST_CASE("an equivariant method comes out unchanged, a biased one has its bias averaged") {
  const cv::Mat image = ramp_image(6, 9, CV_8UC1);
  const auto nearest = pl::create_upscaler("nearest", 2);
  const auto ensemble = pl::self_ensemble(pl::create_upscaler("nearest", 2));
  const cv::Mat out = ensemble->upscale(image);  // 8-bit goes through the method as 16-bit
  CHECK(out.type() == CV_8UC1);
  CHECK(cv::norm(out, nearest->upscale(image), cv::NORM_INF) == 0);

  // The ramp c·x turns into c·(W−1−x) when flipped and into a ramp along the rows when
  // transposed: averaged over the eight, c·((W−1)/2 + (H−1)/2)/2 everywhere.
  const float slope = 0.5f;
  cv::Mat y;
  image.convertTo(y, CV_32F);
  const cv::Mat averaged = pl::self_ensemble(std::make_unique<RampedNearest>(slope))->upscale_y(y);
  cv::Mat plain;
  cv::resize(y, plain, y.size() * 2, 0, 0, cv::INTER_NEAREST);
  const double expected = static_cast<double>(slope) * ((plain.cols - 1) / 2.0 + (plain.rows - 1) / 2.0) / 2.0;
  cv::Mat difference = averaged - plain;
  double low = 0, high = 0;
  cv::minMaxLoc(difference, &low, &high);
  CHECK(low == doctest::Approx(expected).epsilon(1e-5));
  CHECK(high == doctest::Approx(expected).epsilon(1e-5));
}

TEST_CASE("'+' names the self-ensemble of learned methods only") {
  std::string base;
  CHECK(pl::is_self_ensemble("fsrcnn+", base));
  CHECK(base == "fsrcnn");
  CHECK_FALSE(pl::is_self_ensemble("fsrcnn", base));
  CHECK_FALSE(pl::is_self_ensemble("+", base));
  CHECK_THROWS_WITH_AS(pl::create_upscaler("bicubic+", 2), doctest::Contains("for learned methods"), upsample::Error);
  CHECK_THROWS_WITH_AS(pl::create_upscaler("nosuch+", 2), doctest::Contains("unknown method 'nosuch'"), upsample::Error);
}

TEST_CASE("tables and file names label a method by its name, a model file by its stem, '+' kept") {
  CHECK(pl::method_label("fsrcnn") == "fsrcnn");
  CHECK(pl::method_label("fsrcnn+") == "fsrcnn+");
  CHECK(pl::method_label("runs/deblur_x1.safetensors") == "deblur_x1");
  CHECK(pl::method_label("runs/deblur_x1.safetensors+") == "deblur_x1+");
  CHECK(pl::method_label("opencv:models/FSRCNN_x3.pb") == "opencv-FSRCNN_x3");
}

}  // TEST_SUITE
