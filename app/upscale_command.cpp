// The main job: upscale image files and folders with one method.
#include <algorithm>
#include <cmath>
#include <optional>
#include <memory>

#include <spdlog/spdlog.h>

#include "analysis/heatmap_render.hpp"
#include "batch_options.hpp"
#include "cli_tree.hpp"
#include "commands.hpp"
#include "deblur/deblurrer.hpp"
#include "imaging/jpeg_quality.hpp"
#include "pipeline/method_registry.hpp"
#include "pipeline/sized_upscaler.hpp"
#include "pipeline/target_size.hpp"
#include "pipeline/upscale_image.hpp"
#include "scale_option.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

namespace {
constexpr const char* kDefaultName = "{stem}_{method}_x{scale}.{ext}";
// With --width/--height {scale} is "w1920" or "1920x1080": the default name drops its "x".
constexpr const char* kDefaultSizeName = "{stem}_{method}_{scale}.{ext}";

struct UpscaleOptions {
  BatchCliOptions batch;
  std::string scale = "2";  // -s as typed: a whole number keeps the integer path
  int width = 0, height = 0;  // --width / --height; 0 = not asked
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
// What the input's file says beyond its pixels: the quality its JPEG tables were made for.
pipeline::ImageFacts file_facts(const pipeline::FileTask& task) {
  pipeline::ImageFacts facts;
  // Standard input has been read: there is no file to look at again.
  if (task.input != "-")
    if (const auto quality = imaging::jpeg_quality_of_file(task.input)) facts.jpeg_quality = quality->quality;
  return facts;
}

// What the method read and chose for the --denoise decision, for --json and -v.
void record_notes(const pipeline::UpscaleNotes& notes, pipeline::FileTask& task) {
  if (!notes.chosen.empty()) {
    nlohmann::json denoise = {{"chosen", notes.chosen}, {"jpeg_quality", nullptr}, {"noise_sigma", nullptr}};
    if (notes.jpeg_quality) denoise["jpeg_quality"] = *notes.jpeg_quality;
    if (notes.noise_sigma) denoise["noise_sigma"] = std::round(*notes.noise_sigma * 100) / 100;
    if (notes.aliasing) denoise["aliasing"] = std::round(*notes.aliasing * 100) / 100;
    task.extra["denoise"] = denoise;
    spdlog::debug("{}: {}{}", task.input.string(), notes.chosen,
                  notes.jpeg_quality ? fmt::format(" (JPEG quality {:.0f} read from its tables)", *notes.jpeg_quality) : "");
  }
}

cv::Mat upscale_file_image(const cv::Mat& image, const pipeline::Upscaler& up, const pipeline::Upscaler* deblurrer,
                           pipeline::FileTask& task) {
  const pipeline::ImageFacts facts = file_facts(task);
  pipeline::UpscaleNotes notes;
  cv::Mat result = deblurrer ? deblur::deblur_then_upscale(image, *deblurrer, up, facts, &notes)
                             : pipeline::upscale_image(image, up, facts, &notes);
  record_notes(notes, task);
  return result;
}

// What the shell completes after -m: every registered method, a learned one also with "+".
std::vector<std::string> registered_method_names() {
  std::vector<std::string> names;
  for (const pipeline::MethodInfo& method : pipeline::MethodRegistry::builtin().all()) {
    names.push_back(method.name);
    if (method.learned) names.push_back(method.name + "+");
  }
  return names;
}

}  // namespace

Command add_upscale_command(CLI::App& app, int argc, char** argv) {
  auto o = std::make_shared<UpscaleOptions>();
  auto* scale_option =
      app.add_option("-s,--scale", o->scale,
                     "Upscaling factor, 1 to 16: a whole number (2) or not (1.5: a learned method runs at its next "
                     "scale up, x2, then shrinks with MATLAB's antialiased bicubic)")
          ->check(scale_factor_check())
          ->type_name("NUMBER")
          ->capture_default_str();
  app.add_option("--width", o->width,
                 "Output width in pixels instead of -s; the height keeps the aspect ratio unless --height is "
                 "given too. --width 1920 names outputs {stem}_{method}_w1920.{ext} ({scale} is w1920)")
      ->check(CLI::Range(1, pipeline::kMaxSide));
  app.add_option("--height", o->height, "Output height in pixels instead of -s (see --width)")
      ->check(CLI::Range(1, pipeline::kMaxSide));
  app.add_option("-m,--method", o->method,
                 "Method: " + pipeline::MethodRegistry::builtin().names() +
                     "; or PATH.safetensors; '+' appended to a learned one (fsrcnn+) averages it over the 8 "
                     "flips and rotations: better, 8x slower")
      ->check(suggested_values(registered_method_names()))
      ->capture_default_str();
  add_tile_option(app, o->tile, "Tile size in input pixels for learned methods");
  app.add_flag("--heatmap", o->heatmap,
               "Also write {output stem}_heatmap.png beside each output: where the method leaves checkerboard "
               "artifacts, with their scores in --json");
  add_denoise_option(app, o->denoise);
  app.add_flag("--deblur", o->deblur, "Deblur each image with our network before upscaling (see 'upsample deblur')");
  add_batch_options(app, o->batch, kDefaultName);
  o->batch.command_line.assign(argv, argv + argc);
  return {&app, [o, scale_option]() {
    apply_verbosity(o->batch.quiet, o->batch.verbose);
    const bool by_side = o->width > 0 || o->height > 0;
    if (by_side && scale_option->count() > 0)
      throw UsageError("-s " + o->scale + " and --width/--height both ask for the output size: give one of them");
    const pipeline::TargetSize target = by_side ? pipeline::TargetSize{0, o->width, o->height}
                                                : pipeline::TargetSize{pipeline::parse_scale_factor(o->scale), 0, 0};
    const std::optional<int> whole = pipeline::whole_scale(target);
    const int scale = whole.value_or(0);
    if (o->heatmap && scale < 2)
      throw UsageError(whole ? "--heatmap needs a scale of 2 or more (-s)"
                             : "--heatmap measures the pattern of a whole scale: use -s 2, 3, ... (not " +
                                   pipeline::scale_text(target) + ")");
    if (o->method == "all")
      throw UsageError("-m all: the main job runs one method; `upsample compare IMAGE -m all -o DIR` runs them all");
    const pipeline::UpscalerOptions options{o->tile, pipeline::parse_denoise(o->denoise)};
    std::unique_ptr<pipeline::Upscaler> upscaler;
    const pipeline::SizedUpscaler* sized = nullptr;
    try {
      if (whole) {
        upscaler = pipeline::create_upscaler(o->method, scale, options);
      } else {
        auto made = std::make_unique<pipeline::SizedUpscaler>(o->method, target, options);
        sized = made.get();
        upscaler = std::move(made);
      }
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
    const pipeline::Upscaler& up = *upscaler;
    const std::unique_ptr<pipeline::Upscaler> deblurrer = o->deblur ? deblur::deblurring_network(o->tile) : nullptr;
    const nlohmann::json asked_scale = whole     ? nlohmann::json(scale)
                                       : by_side ? nlohmann::json(nullptr)
                                                 : nlohmann::json(target.factor);
    const nlohmann::json extra = {{"command", "upscale"},
                                  {"method", o->method},
                                  {"scale", asked_scale},
                                  {"width", o->width > 0 ? nlohmann::json(o->width) : nlohmann::json(nullptr)},
                                  {"height", o->height > 0 ? nlohmann::json(o->height) : nlohmann::json(nullptr)},
                                  {"denoise", o->denoise},
                                  {"deblur", o->deblur}};
    // A model file is named in outputs by its stem, never its path: "dir/my_model.safetensors"
    // → "my_model", "opencv:dir/FSRCNN_x2.pb" → "opencv-FSRCNN_x2".
    const std::string label = pipeline::method_label(o->method);
    const pipeline::MethodInfo* method = pipeline::MethodRegistry::builtin().find(o->method);
    const bool in_rows = !o->deblur && up.gives_rows();
    const bool classical = method && !method->learned && !o->deblur;
    const auto kind = classical ? (in_rows ? pipeline::MethodKind::classical_in_rows : pipeline::MethodKind::classical)
                                : (in_rows ? pipeline::MethodKind::learned_in_rows : pipeline::MethodKind::learned);
    const pipeline::ImageStep step = [&up, &deblurrer](const cv::Mat& image, pipeline::FileTask& task) {
      return upscale_file_image(image, up, deblurrer.get(), task);
    };
    // A method that gives its result in bands (bicubic, the learned ones) writes it band by band.
    const pipeline::RowsStep rows_step = [&up, &deblurrer](const cv::Mat& image, pipeline::FileTask& task) {
      if (deblurrer) return std::optional<io::ImageInRows>();
      pipeline::UpscaleNotes notes;
      std::optional<io::ImageInRows> rows = pipeline::upscale_image_in_rows(image, up, file_facts(task), &notes);
      if (rows) record_notes(notes, task);
      return rows;
    };
    if (whole)
      return run_batch_command(o->batch, label, scale, kind, step, extra,
                               o->heatmap ? heatmap_writer(scale, o->batch.overwrite) : pipeline::AfterSave{}, rows_step);
    // An asked size: {scale} and --report say what was asked ("1.5", "w1920"); the memory
    // estimate covers the learned method's larger image before its shrink.
    const std::string asked = pipeline::scale_text(target);
    if (by_side && o->batch.name_template == kDefaultName) o->batch.name_template = kDefaultSizeName;
    const BatchScale batch_scale{
        pipeline::ScaleText(asked), by_side ? nlohmann::json(asked) : asked_scale,
        [sized, kind](const io::ImageHeader& header, const std::string&) {
          // The header's size is before the EXIF orientation is applied: either way round.
          std::uint64_t need = 0;
          for (const cv::Size in : {cv::Size(header.width, header.height), cv::Size(header.height, header.width)}) {
            try {
              const cv::Size out = sized->output_size(in);
              need = std::max(need, pipeline::estimated_peak_bytes(header, out.width, out.height,
                                                                   std::max(1, sized->working_scale_for(in)), kind));
            } catch (const Error&) {
              // A size the method refuses fails the image once it is upright, with that reason.
            }
          }
          return need;
        },
        [words = (by_side ? " to " : " x") + asked](const io::ImageHeader& header) {
          return std::to_string(header.width) + "x" + std::to_string(header.height) + words;
        }};
    return run_batch_command(o->batch, label, batch_scale, step, extra);
  }};
}

}  // namespace upsample::app
