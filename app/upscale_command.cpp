// The main job: upscale image files and folders with one method.
#include <memory>

#include "batch_options.hpp"
#include "commands.hpp"
#include "pipeline/method_registry.hpp"
#include "pipeline/upscale_image.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

namespace {
struct UpscaleOptions {
  BatchCliOptions batch;
  int scale = 2;
  std::string method = "bicubic";
  int tile = 0;
};
}  // namespace

Command add_upscale_command(CLI::App& app) {
  auto o = std::make_shared<UpscaleOptions>();
  app.add_option("-s,--scale", o->scale, "Upscaling factor (whole number)")->check(CLI::Range(1, 16))->capture_default_str();
  app.add_option("-m,--method", o->method,
                 "Method: " + pipeline::MethodRegistry::builtin().names())
      ->capture_default_str();
  app.add_option("--tile", o->tile, "Tile size in input pixels for learned methods (0 = automatic)")
      ->check(CLI::NonNegativeNumber);
  add_batch_options(app, o->batch, "{stem}_{method}_x{scale}.{ext}");
  return {&app, [o]() {
    apply_verbosity(o->batch.quiet, o->batch.verbose);
    std::unique_ptr<pipeline::Upscaler> upscaler;
    try {
      upscaler = pipeline::create_upscaler(o->method, o->scale, {o->tile});
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
    const pipeline::Upscaler& up = *upscaler;
    const nlohmann::json extra = {{"command", "upscale"}, {"method", o->method}, {"scale", o->scale}};
    // A model file is named in outputs by its stem: "my_model.safetensors" → "my_model".
    const std::string label = o->method.ends_with(".safetensors") ? std::filesystem::path(o->method).stem().string() : o->method;
    return run_batch_command(o->batch, label, o->scale,
                             [&up](const cv::Mat& image) { return pipeline::upscale_image(image, up); }, extra);
  }};
}

}  // namespace upsample::app
