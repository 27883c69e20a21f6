// The main job: upscale image files and folders with one method.
#include <cmath>
#include <memory>

#include <spdlog/spdlog.h>

#include "analysis/heatmap_render.hpp"
#include "batch_options.hpp"
#include "commands.hpp"
#include "deblur/deblurrer.hpp"
#include "imaging/jpeg_quality.hpp"
#include "pipeline/method_registry.hpp"
#include "pipeline/upscale_image.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

namespace {
struct UpscaleOptions {
  BatchCliOptions batch;
  int scale = 2;
  std::string method = "fsrcnn";  // our trained weights (weights/fsrcnn_x{scale}.safetensors)
  int tile = 0;
  std::string denoise = "auto";
  bool deblur = false;
  bool heatmap = false;
};

// --heatmap: measures each output as computed (before any lossy encoding), writes
// {output stem}_heatmap.png beside it and adds the scores to its --json entry.
pipeline::AfterSave heatmap_writer(int scale, bool overwrite) {
  return [scale, overwrite](pipeline::FileTask& task, const cv::Mat& result) {
    analysis::CheckerboardAnalysis measured;
    try {
      measured = analysis::analyse_checkerboard(result, scale);
    } catch (const Error& e) {  // e.g. an image too small to hold a few periods: the output itself is fine
      task.warnings.push_back(task.output.string() + ": no heatmap: " + e.what());
      return;
    }
    const std::filesystem::path path = analysis::heatmap_path_for(task.output);
    const std::string title = task.output.filename().string() + "\n" + analysis::describe_score(measured.score);
    io::save_image(path, analysis::render_heatmap(measured.map, result, title),
                   {"png", {}, overwrite ? io::ExistingFile::Replace : io::ExistingFile::Refuse});
    task.extra["checkerboard"] = {{"heatmap", path.string()},
                                  {"mean", measured.score.mean},
                                  {"p99", measured.score.p99},
                                  {"spectral_ratio", measured.score.spectral_ratio}};
  };
}
// Upscales one loaded image (deblurred first with a `deblurrer`), telling the method what
// its file says (the JPEG quality its tables were made for) and reporting what it read and
// chose (-v, --json "denoise").
cv::Mat upscale_file_image(const cv::Mat& image, const pipeline::Upscaler& up, const pipeline::Upscaler* deblurrer,
                           pipeline::FileTask& task) {
  pipeline::ImageFacts facts;
  // Standard input has been read: there is no file to look at again.
  if (task.input != "-")
    if (const auto quality = imaging::jpeg_quality_of_file(task.input)) facts.jpeg_quality = quality->quality;
  pipeline::UpscaleNotes notes;
  cv::Mat result = deblurrer ? deblur::deblur_then_upscale(image, *deblurrer, up, facts, &notes)
                             : pipeline::upscale_image(image, up, facts, &notes);
  if (!notes.chosen.empty()) {
    nlohmann::json denoise = {{"chosen", notes.chosen}, {"jpeg_quality", nullptr}, {"noise_sigma", nullptr}};
    if (notes.jpeg_quality) denoise["jpeg_quality"] = *notes.jpeg_quality;
    if (notes.noise_sigma) denoise["noise_sigma"] = std::round(*notes.noise_sigma * 100) / 100;
    if (notes.aliasing) denoise["aliasing"] = std::round(*notes.aliasing * 100) / 100;
    task.extra["denoise"] = denoise;
    spdlog::debug("{}: {}{}", task.input.string(), notes.chosen,
                  notes.jpeg_quality ? fmt::format(" (JPEG quality {:.0f} read from its tables)", *notes.jpeg_quality) : "");
  }
  return result;
}

}  // namespace

Command add_upscale_command(CLI::App& app, int argc, char** argv) {
  auto o = std::make_shared<UpscaleOptions>();
  app.add_option("-s,--scale", o->scale, "Upscaling factor (whole number)")->check(CLI::Range(1, 16))->capture_default_str();
  app.add_option("-m,--method", o->method,
                 "Method: " + pipeline::MethodRegistry::builtin().names() +
                     "; or PATH.safetensors; '+' appended to a learned one (fsrcnn+) averages it over the 8 "
                     "flips and rotations: better, 8x slower")
      ->capture_default_str();
  add_tile_option(app, o->tile, "Tile size in input pixels for learned methods");
  app.add_flag("--heatmap", o->heatmap,
               "Also write {output stem}_heatmap.png beside each output: where the method leaves checkerboard "
               "artifacts, with their scores in --json");
  add_denoise_option(app, o->denoise);
  app.add_flag("--deblur", o->deblur, "Deblur each image with our network before upscaling (see 'upsample deblur')");
  add_batch_options(app, o->batch, "{stem}_{method}_x{scale}.{ext}");
  o->batch.command_line.assign(argv, argv + argc);
  return {&app, [o]() {
    apply_verbosity(o->batch.quiet, o->batch.verbose);
    if (o->heatmap && o->scale < 2) throw UsageError("--heatmap needs a scale of 2 or more (-s)");
    std::unique_ptr<pipeline::Upscaler> upscaler;
    try {
      upscaler = pipeline::create_upscaler(o->method, o->scale, {o->tile, pipeline::parse_denoise(o->denoise)});
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
    const pipeline::Upscaler& up = *upscaler;
    const std::unique_ptr<pipeline::Upscaler> deblurrer = o->deblur ? deblur::deblurring_network(o->tile) : nullptr;
    const nlohmann::json extra = {{"command", "upscale"}, {"method", o->method}, {"scale", o->scale},
                                  {"denoise", o->denoise}, {"deblur", o->deblur}};
    // A model file is named in outputs by its stem, never its path: "dir/my_model.safetensors"
    // → "my_model", "opencv:dir/FSRCNN_x2.pb" → "opencv-FSRCNN_x2".
    const std::string label = pipeline::method_label(o->method);
    const pipeline::MethodInfo* method = pipeline::MethodRegistry::builtin().find(o->method);
    const auto kind = method && !method->learned && !o->deblur ? pipeline::MethodKind::classical : pipeline::MethodKind::learned;
    return run_batch_command(o->batch, label, o->scale, kind,
                             [&up, &deblurrer](const cv::Mat& image, pipeline::FileTask& task) {
                               return upscale_file_image(image, up, deblurrer.get(), task);
                             },
                             extra,
                             o->heatmap ? heatmap_writer(o->scale, o->batch.overwrite) : pipeline::AfterSave{});
  }};
}

}  // namespace upsample::app
