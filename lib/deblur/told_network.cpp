#include "deblur/told_network.hpp"

#include <utility>

#include "deblur/classical.hpp"
#include "imaging/colour.hpp"
#include "pipeline/learned_methods.hpp"
#include "pipeline/self_ensemble.hpp"
#include "tensor/error.hpp"
#include "deblur/blur_code_planes.hpp"

namespace upsample::deblur {

namespace {

// The network's condition planes, if it has them, all holding `code`.
pipeline::ConditionSource constant_planes(const models::Model& model, const imaging::BlurCode& code) {
  if (model.condition_planes() == 0) return {};
  return [code](const cv::Mat&) { return std::vector<float>(code.begin(), code.end()); };
}

struct ToldBlur {
  imaging::BlurCode code;
  cv::Mat kernel;
};
using ToldBlurSource = std::function<ToldBlur(const cv::Mat& y)>;

// A scale-1 restorer of the Y plane: colour images keep their Cb and Cr.
class LumaRestorer : public pipeline::Upscaler {
 public:
  int scale() const override { return 1; }
  cv::Mat upscale(const cv::Mat& image) const override {
    const auto on_y = [&](const cv::Mat& y) { return upscale_y(y); };
    return imaging::from_unit_float(imaging::map_luma(imaging::to_unit_float(image), on_y), image.depth());
  }
};

// Reads the blur off the whole Y plane, Wiener-deconvolves it with that kernel, then runs
// the network (tiled) on the result, told the blur's code.
class WienerPrefiltered final : public LumaRestorer {
 public:
  WienerPrefiltered(std::shared_ptr<const models::Model> model, int tile, ToldBlurSource blur, double nsr)
      : model_(std::move(model)), tile_(tile), blur_(std::move(blur)), nsr_(nsr) {}

  cv::Mat upscale_y(const cv::Mat& y) const override {
    const ToldBlur blur = blur_(y);
    const cv::Mat deconvolved = wiener_deconvolve(y, blur.kernel, nsr_);
    return pipeline::upscaler_for_model(model_, tile_, constant_planes(*model_, blur.code))->upscale_y(deconvolved);
  }

 private:
  std::shared_ptr<const models::Model> model_;
  int tile_;
  ToldBlurSource blur_;
  double nsr_;
};

}  // namespace

bool is_told_blur(const models::Model& model) {
  return model.condition_planes() > 0 || model.wiener_prefilter_nsr() > 0;
}

Tensor told_network_input(const models::Model& model, const Tensor& blurred, const std::vector<imaging::BlurCode>& codes) {
  const Shape& s = blurred.shape();
  if (s.c() != 1) throw Error("deblur: a network told the blur works on Y (one plane per patch)");
  if (s.n() != static_cast<int64_t>(codes.size()))
    throw Error("deblur: " + std::to_string(codes.size()) + " blur codes for a batch of " + std::to_string(s.n()));
  Tensor input = blurred;
  if (const double nsr = model.wiener_prefilter_nsr(); nsr > 0) {
    input = Tensor(s);
    for (int64_t b = 0; b < s.n(); ++b) {
      const cv::Mat patch(static_cast<int>(s.h()), static_cast<int>(s.w()), CV_32F, const_cast<float*>(blurred.plane(b, 0)));
      const cv::Mat kernel = imaging::kernel_from_blur_code(codes[static_cast<size_t>(b)]);
      wiener_deconvolve(patch, kernel, nsr).copyTo(cv::Mat(patch.size(), CV_32F, input.plane(b, 0)));
    }
  }
  return model.condition_planes() > 0 ? deblur::with_blur_code_planes(input, codes) : input;
}

namespace {

std::unique_ptr<pipeline::Upscaler> restorer_told(std::shared_ptr<const models::Model> model, int tile, ToldBlurSource blur) {
  if (const double nsr = model->wiener_prefilter_nsr(); nsr > 0)
    return std::make_unique<WienerPrefiltered>(std::move(model), tile, std::move(blur), nsr);
  pipeline::ConditionSource planes;
  if (model->condition_planes() > 0)
    planes = [blur](const cv::Mat& y) {
      const imaging::BlurCode c = blur(y).code;
      return std::vector<float>(c.begin(), c.end());
    };
  return pipeline::upscaler_for_model(std::move(model), tile, std::move(planes));
}

}  // namespace

std::unique_ptr<pipeline::Upscaler> told_network_restorer(std::shared_ptr<const models::Model> model, int tile,
                                                          BlurCodeSource code) {
  if (!code) throw Error("deblur: a network told the blur needs a source for it");
  const bool prefilter = model->wiener_prefilter_nsr() > 0;
  return restorer_told(std::move(model), tile, [code = std::move(code), prefilter](const cv::Mat& y) {
    const imaging::BlurCode c = code(y);
    return ToldBlur{c, prefilter ? imaging::kernel_from_blur_code(c) : cv::Mat()};
  });
}

std::unique_ptr<pipeline::Upscaler> kernel_told_restorer(std::shared_ptr<const models::Model> model, int tile,
                                                         BlurKernelSource kernel) {
  if (!kernel) throw Error("deblur: a network told the blur needs a source for it");
  return restorer_told(std::move(model), tile, [kernel = std::move(kernel)](const cv::Mat& y) {
    cv::Mat k = kernel(y);
    return ToldBlur{imaging::blur_code(k), k};
  });
}

namespace {

// Flipping or transposing a blurred image flips or transposes its kernel the same way.
class KernelToldEnsemble final : public LumaRestorer {
 public:
  KernelToldEnsemble(std::shared_ptr<const models::Model> model, int tile, BlurKernelSource kernel)
      : model_(std::move(model)), tile_(tile), kernel_(std::move(kernel)) {}

  cv::Mat upscale_y(const cv::Mat& y) const override {
    const cv::Mat kernel = kernel_(y);
    return pipeline::dihedral_average(y, [&](const cv::Mat& turned, int t) {
      const cv::Mat turned_kernel = pipeline::dihedral_transform(kernel, t);
      return kernel_told_restorer(model_, tile_, [turned_kernel](const cv::Mat&) { return turned_kernel; })
          ->upscale_y(turned);
    });
  }

 private:
  std::shared_ptr<const models::Model> model_;
  int tile_;
  BlurKernelSource kernel_;
};

}  // namespace

std::unique_ptr<pipeline::Upscaler> kernel_told_ensemble(std::shared_ptr<const models::Model> model, int tile,
                                                         BlurKernelSource kernel) {
  if (!kernel) throw Error("deblur: a network told the blur needs a source for it");
  return std::make_unique<KernelToldEnsemble>(std::move(model), tile, std::move(kernel));
}

}  // namespace upsample::deblur
