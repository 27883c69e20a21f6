#include "deblur/deblurrer.hpp"

#include <cstdio>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "deblur/blur_estimate.hpp"
#include "deblur/blur_reading.hpp"
#include "deblur/classical.hpp"
#include "deblur/kernel_spec.hpp"
#include "deblur/told_network.hpp"
#include "models/model.hpp"
#include "imaging/colour.hpp"
#include "pipeline/closest_name.hpp"
#include "pipeline/learned_methods.hpp"
#include "pipeline/self_ensemble.hpp"
#include "pipeline/upscale_image.hpp"
#include "tensor/error.hpp"
#include "imaging/blur_kernels.hpp"

namespace upsample::deblur {

namespace {

// A classical restoration as a scale-1 "upscaler": every colour channel is restored
// (the blur smeared them all), in floating point, then rounded back to the input's depth.
class ClassicalDeblurrer final : public pipeline::Upscaler {
 public:
  using Restore = std::function<cv::Mat(const cv::Mat&)>;
  explicit ClassicalDeblurrer(Restore restore) : restore_(std::move(restore)) {}
  int scale() const override { return 1; }
  cv::Mat upscale_y(const cv::Mat& y) const override { return restore_(y); }
  cv::Mat upscale(const cv::Mat& image) const override {
    const cv::Mat restored = restore_(imaging::to_unit_float(image));
    return imaging::from_unit_float(restored, image.depth());
  }

 private:
  Restore restore_;
};

// A model file whose metadata names `task`, at scale 1; UsageError naming the file if not.
std::shared_ptr<const models::Model> load_deblurring_model(const std::filesystem::path& file, const std::string& task) {
  std::shared_ptr<const models::Model> model;
  try {
    model = models::load_model(file);
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  const auto found = model->metadata().find("task");
  if (found == model->metadata().end() || found->second != task || model->scale() != 1)
    throw UsageError(file.string() + ": not a " + (task == "deblur" ? "deblurring model" : "blur estimator") +
                     " (its metadata says arch '" + model->arch() + "')");
  return model;
}

// True for a network method (deblur or PATH.safetensors, not a self-ensemble) told the blur.
bool told_network(const std::string& method) {
  if (method != "deblur" && !method.ends_with(".safetensors")) return false;
  return is_told_blur(*load_deblurring_model(
      method == "deblur" ? pipeline::find_weights("deblur", 1) : std::filesystem::path(method), "deblur"));
}

std::string format_nsr(double nsr) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", nsr);
  return text;
}

// The weights file of a network method: deblur, or a PATH.safetensors.
std::filesystem::path network_file(const std::string& method) {
  if (method == "deblur") return pipeline::find_weights("deblur", 1);
  if (method.ends_with(".safetensors")) return method;
  throw UsageError("unknown deblurring method '" + method + "' (known: " + deblur_method_names() + ")." +
                   pipeline::did_you_mean(method, {"deblur", "wiener", "richardson-lucy", "none"}));
}

// Reads the blur off an image's Y plane with the blur estimator (and the blind search).
BlurKernelSource blur_reader(const std::string& estimator_file) {
  std::shared_ptr<const models::Model> estimator = load_blur_estimator(estimator_file);
  return [estimator](const cv::Mat& y) {
    const BlurReading reading = read_blur(*estimator, y);
    const imaging::BlurShape shape = imaging::blur_shape(imaging::blur_code(reading.kernel));
    spdlog::debug("blur read from the {}: {} ({}×{} kernel; shape match {:.2f}, agreement {:.2f})",
                  source_name(reading.source), imaging::describe_blur(shape), reading.kernel.cols, reading.kernel.rows,
                  reading.shape_match, reading.agreement);
    return reading.kernel;
  };
}

}  // namespace

std::string deblur_method_names() {
  return "deblur, wiener, richardson-lucy, none (or PATH.safetensors; deblur+ for the self-ensemble)";
}

bool needs_psf(const std::string& method) { return method == "wiener" || method == "richardson-lucy"; }

std::unique_ptr<pipeline::Upscaler> create_deblurrer(const std::string& method, const DeblurOptions& o) {
  std::string base;
  if (pipeline::is_self_ensemble(method, base)) {
    if (base != "deblur" && !base.ends_with(".safetensors"))
      throw UsageError("'" + method + "': the self-ensemble (+) is for the network (deblur+ or PATH.safetensors+)");
    // It flips and turns the image, and with it the blur: one --psf cannot describe them all.
    if (!o.psf.empty()) throw UsageError("'" + method + "': the self-ensemble cannot be told the blur (--psf); it estimates it");
    std::shared_ptr<const models::Model> model = load_deblurring_model(network_file(base), "deblur");
    if (!is_told_blur(*model)) return pipeline::self_ensemble(pipeline::upscaler_for_model(std::move(model), o.tile));
    return kernel_told_ensemble(std::move(model), o.tile, blur_reader(o.estimator));
  }
  if (needs_psf(method) && o.psf.empty())
    throw UsageError(method + " needs the blur it should undo: --psf " + imaging::blur_spec_forms());
  cv::Mat psf;
  if (needs_psf(method)) {
    try {
      psf = load_blur_kernel(o.psf);
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
  }
  if (method == "wiener") {
    if (!(o.nsr > 0)) throw UsageError("--nsr must be > 0");
    const double nsr = o.nsr;
    return std::make_unique<ClassicalDeblurrer>([psf, nsr](const cv::Mat& x) { return wiener_deconvolve(x, psf, nsr); });
  }
  if (method == "richardson-lucy") {
    if (o.iterations < 1) throw UsageError("--iterations must be ≥ 1");
    const int iterations = o.iterations;
    return std::make_unique<ClassicalDeblurrer>(
        [psf, iterations](const cv::Mat& x) { return richardson_lucy(x, psf, iterations); });
  }
  if (method == "none") return std::make_unique<ClassicalDeblurrer>([](const cv::Mat& x) { return x.clone(); });
  const std::filesystem::path model_file = network_file(method);
  std::shared_ptr<const models::Model> model = load_deblurring_model(model_file, "deblur");
  if (!is_told_blur(*model)) {
    if (!o.psf.empty())
      throw UsageError(model_file.string() + " is a blind network: it is not told the blur, so --psf does not apply");
    return pipeline::upscaler_for_model(std::move(model), o.tile);
  }
  if (!o.psf.empty()) {  // the user knows the blur
    cv::Mat told;
    try {
      told = load_blur_kernel(o.psf);
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
    return kernel_told_restorer(std::move(model), o.tile, [told](const cv::Mat&) { return told; });
  }
  return kernel_told_restorer(std::move(model), o.tile, blur_reader(o.estimator));
}

std::shared_ptr<const models::Model> load_blur_estimator(const std::string& file) {
  return load_deblurring_model(file.empty() ? pipeline::find_weights("blur-estimator", 1) : std::filesystem::path(file),
                               "blur-estimate");
}

std::unique_ptr<pipeline::Upscaler> deblurring_network(int tile) {
  DeblurOptions options;
  options.tile = tile;
  return create_deblurrer("deblur", options);
}

cv::Mat deblur_then_upscale(const cv::Mat& image, const pipeline::Upscaler& deblurrer, const pipeline::Upscaler& upscaler,
                            const pipeline::ImageFacts& facts, pipeline::UpscaleNotes* notes) {
  if (image.depth() != CV_8U) {
    return pipeline::upscale_image(pipeline::upscale_image(image, deblurrer), upscaler, facts, notes);
  }
  cv::Mat wide;
  image.convertTo(wide, CV_16U, 257.0);  // 0..255 → 0..65535 exactly
  cv::Mat result = pipeline::upscale_image(pipeline::upscale_image(wide, deblurrer), upscaler, facts, notes);
  result.convertTo(result, CV_8U, 1.0 / 257.0);
  return result;
}

std::vector<std::pair<std::string, std::unique_ptr<pipeline::Upscaler>>> create_deblurrers(
    const std::vector<std::string>& methods, const std::string& psf, const std::vector<double>& nsrs,
    const std::vector<int>& iterations, int tile, const std::string& estimator, bool tell) {
  std::vector<std::pair<std::string, std::unique_ptr<pipeline::Upscaler>>> out;
  for (const auto& method : methods) {
    DeblurOptions o;
    if (needs_psf(method)) o.psf = psf;  // the networks stay blind: they are what is being tested
    o.tile = tile;
    if (method == "wiener") {
      for (double nsr : nsrs) {
        o.nsr = nsr;
        out.emplace_back("wiener nsr=" + format_nsr(nsr), create_deblurrer(method, o));
      }
    } else if (method == "richardson-lucy") {
      for (int n : iterations) {
        o.iterations = n;
        out.emplace_back("richardson-lucy " + std::to_string(n) + " it", create_deblurrer(method, o));
      }
    } else {
      o.estimator = estimator;
      out.emplace_back(pipeline::method_label(method), create_deblurrer(method, o));
      if (tell && told_network(method)) {
        o.psf = psf;
        out.emplace_back(pipeline::method_label(method) + " told", create_deblurrer(method, o));
      }
    }
  }
  return out;
}

}  // namespace upsample::deblur
