// `upsample artifacts`: how strongly, and where, an upsampler leaves checkerboard
// artifacts — measured on upscaled images (heatmaps and scores) or on the methods
// themselves (their response to a constant input). The measuring is done by
// analysis/artifacts_report.hpp; this file binds the options and prints.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "analysis/artifacts_report.hpp"
#include "analysis/compare.hpp"
#include "batch_options.hpp"
#include "checkerboard_options.hpp"
#include "commands.hpp"
#include "method_list.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

namespace {

namespace fs = std::filesystem;

struct ArtifactsOptions {
  std::vector<std::string> images;
  std::vector<std::string> methods;
  std::optional<int> scale;  // images: else from each name; methods: else 2
  std::string output;
  CheckerboardCliOptions checkerboard;
  double level = 128.0;
  bool plain = false;
  bool overwrite = false;
  bool json = false;
  bool quiet = false;
  int verbose = 0;
};

constexpr const char* kFooterImages = R"(
Images: give images that were upscaled, by -s, or by what their name says (as this tool
names outputs: photo_fsrcnn_x3.png is x3; a name that says nothing is taken as x2, with a
warning). For each, the checkerboard map (DESIGN.md section 5): the image's content is
removed with a filter one period long, and in every window of w*s x w*s pixels the s*s
phase means of what remains are compared; their standard deviation is the local
strength, in 8-bit levels of luma (Y for colour). Printed: mean and 99th percentile of
the map, and the spectral ratio: energy at the grid frequencies over their neighbours.
)";

constexpr const char* kFooterRest = R"(A JPEG upscaled by 2, 4 or 8 carries its own 8x8 coding blocks, which repeat with
that period and score as checkerboard (a warning says so): measure a lossless copy.
Heatmap: {stem}_heatmap.png beside each image or in -o, colours on a fixed scale (0 to
--max-level) so heatmaps of different methods compare.

Methods (-m): each method upscales a constant grey image; the spread (max - min) of its
s*s phase means, in 8-bit levels, is its checkerboard amplitude: 0 for a perfect
upsampler. For a linear last layer (transposed conv, or conv + pixel shuffle) the DC
gain of each polyphase sub-kernel is printed too: equal gains = no checkerboard. The
magnified pattern is written to {method}_x{scale}_phase.png, in -o (default
artifacts_x{scale}/).
A deblurring model (deblur, or a file whose metadata says task=deblur) works at scale 1
whatever -s says: its response is measured in phases of the period of the stride-2
steps inside it (its up-path), and its pattern goes to {method}_x1_phase.png.

Examples:
  upsample artifacts out_fsrcnn_x2.png                scores, out_fsrcnn_x2_heatmap.png beside it
  upsample artifacts big/ -s 3 -o maps/ --json        a folder of x3 outputs, maps in maps/
  upsample artifacts -m fsrcnn,resizeconv -s 2        a 9x9 stride-2 deconv against resize-conv
  upsample artifacts -m all -s 2                      every installed method, into artifacts_x2/
  upsample artifacts -m my_model.safetensors -s 2     a model file

Exit status: 0 all measured, 1 some inputs failed (the rest are done), 2 bad usage.)";

int measure_images(const ArtifactsOptions& o) {
  analysis::ImageScoreOptions options;
  options.scale = o.scale;
  options.checkerboard = checkerboard_options(o.checkerboard);
  options.style.max_level = o.checkerboard.max_level;
  options.style.overlay = !o.plain;
  options.heatmap_folder = o.output;
  options.overwrite = o.overwrite;
  analysis::ImageScorer scorer(options);
  std::vector<analysis::ImageCheckerboard> scores;
  int failed = 0;
  if (!o.json) std::printf("%s", analysis::image_table_header().c_str());
  for (const fs::path& input : analysis::expand_image_inputs(o.images)) {
    analysis::ImageCheckerboard score = scorer.score(input);
    for (const std::string& warning : score.warnings) spdlog::warn("{}", warning);
    if (!score.error.empty()) {
      ++failed;
      spdlog::error("{}", score.error);
    } else if (!o.json) {
      std::printf("%s", analysis::image_table_row(score).c_str());
    }
    scores.push_back(std::move(score));
  }
  if (o.json) std::printf("%s\n", analysis::images_json(scores, options).c_str());
  else if (failed < static_cast<int>(scores.size())) std::printf("\n%s", checkerboard_reading_help().c_str());
  return failed > 0 ? 1 : 0;
}

int diagnose_methods(const ArtifactsOptions& o) {
  const int scale = o.scale.value_or(2);
  const analysis::MethodSelection selection = analysis::methods_to_diagnose(o.methods, scale);
  for (const auto& skipped : selection.skipped) spdlog::info("{}", skipped);
  if (selection.methods.empty()) throw UsageError("no method to diagnose");
  // A folder named for the run by default: -m all writes a picture per method.
  const fs::path folder = o.output.empty() ? fs::path("artifacts_x" + std::to_string(scale)) : fs::path(o.output);
  std::vector<analysis::DiagnosedMethod> done;
  int failed = 0;
  for (const auto& method : selection.methods) {
    analysis::DiagnosedMethod entry;
    entry.label = pipeline::method_label(method);
    try {
      analysis::MethodDiagnosis d;
      try {
        d = analysis::diagnose_method(method, entry.label, scale, o.level);
      } catch (const UsageError&) {
        throw;
      } catch (const Error& e) {  // an unknown name, missing weights, a bad model file: the request is wrong
        throw UsageError(e.what());
      }
      std::error_code ec;
      fs::create_directories(folder, ec);
      if (ec) throw Error(folder.string() + ": cannot create the folder: " + ec.message());
      entry.picture = analysis::save_phase_picture(d, folder, o.level, o.checkerboard.max_level, o.overwrite);
      entry.diagnosis = std::move(d);
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      ++failed;
      entry.error = e.what();
      spdlog::error("{}: {}", method, e.what());
    }
    done.push_back(std::move(entry));
  }
  if (o.json) {
    std::printf("%s\n", analysis::diagnoses_json(done, scale, o.level).c_str());
  } else {
    std::printf("%s", analysis::diagnosis_table(done).c_str());
    for (const auto& entry : done)
      if (entry.diagnosis) std::printf("%s", analysis::diagnosis_details(*entry.diagnosis, entry.picture).c_str());
  }
  return failed > 0 ? 1 : 0;
}

}  // namespace

Command add_artifacts_command(CLI::App& app) {
  auto o = std::make_shared<ArtifactsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "artifacts", "Measure checkerboard artifacts: heatmaps and scores of upscaled images, or a method's own pattern");
  cmd->add_option("images", o->images, "Upscaled images and/or folders of them to measure");
  cmd->add_option("-m,--method", o->methods,
                  "Diagnose methods instead, comma-separated: names, 'all' (every installed), PATH.safetensors")
      ->delimiter(',');
  cmd->add_option("-s,--scale", o->scale,
                  "The factor the images were upscaled by (default: what each name says, as in photo_x3.png, else 2, "
                  "with a warning) / the methods upscale by (default 2)")
      ->check(CLI::Range(2, 16));
  cmd->add_option("-o,--output", o->output,
                  "Folder for the heatmaps / phase patterns (created if missing); default: beside each image / artifacts_x{scale}");
  add_checkerboard_options(*cmd, o->checkerboard);
  cmd->add_option("--level", o->level, "Grey level of the constant input for -m, 8-bit levels")
      ->check(CLI::Range(0.0, 255.0))
      ->capture_default_str();
  cmd->add_flag("--plain", o->plain, "Heatmap colours alone, not blended over a grey copy of the image");
  cmd->add_flag("--overwrite", o->overwrite, "Replace heatmaps and patterns that already exist");
  cmd->add_flag("--json", o->json, "Print a machine-readable summary on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "Only print errors");
  cmd->add_flag("-v,--verbose", o->verbose, "Print more");
  cmd->footer(std::string(kFooterImages) + checkerboard_reading_help() + kFooterRest);
  return {cmd, [o]() {
    apply_verbosity(o->quiet, o->verbose);
    if (!o->images.empty() && !o->methods.empty())
      throw UsageError("give either images to measure or -m methods to diagnose, not both");
    if (o->images.empty() && o->methods.empty())
      throw UsageError("nothing to do: give upscaled images to measure, or -m METHOD to diagnose a method");
    return o->images.empty() ? diagnose_methods(*o) : measure_images(*o);
  }};
}

}  // namespace upsample::app
