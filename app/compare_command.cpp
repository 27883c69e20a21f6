// `upsample compare`: several methods on the same inputs, side by side — every output,
// its checkerboard heatmap, one montage per input, and a report (Markdown, JSON, CSV)
// with timings, checkerboard scores and, given a ground truth, PSNR and SSIM on Y. The
// work is done by analysis/compare.hpp; this file binds the options, checks the request
// as a whole and prints.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "analysis/compare.hpp"
#include "batch_options.hpp"
#include "checkerboard_options.hpp"
#include "commands.hpp"
#include "method_list.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

namespace {

namespace fs = std::filesystem;

struct CompareOptions {
  std::vector<std::string> inputs;
  std::vector<std::string> methods = {"all"};
  int scale = 2;
  std::string output;
  std::string reference;
  std::optional<std::string> degrade;  // "" for the plain shrink
  CheckerboardCliOptions checkerboard;
  int tile = 0;
  std::string denoise = "auto";
  bool overwrite = false;
  bool json = false;
  bool quiet = false;
  int verbose = 0;
};

constexpr const char* kFooter = R"(
For each input and each method, written to the -o folder:
  {stem}_{method}_x{scale}.png           the output (PNG, lossless)
  {stem}_{method}_x{scale}_heatmap.png   where it leaves checkerboard artifacts
  {stem}_montage_x{scale}.png            all methods side by side: output, heatmap, and a
                                         magnified crop where the networks' pattern is
                                         strongest (with a ground truth, it and the
                                         input come first)
and once: report.md (methods x metrics, best in bold), report.json, report.csv; the
Markdown table is also printed on stdout (--json: the JSON).

Checkerboard strength: in 8-bit levels of luma, per window of w*s x w*s pixels (see
`upsample artifacts --help`); mean and 99th percentile of the map, lower is better.
Spectral ratio: how much the grid frequencies stand out over the whole image.
)";

constexpr const char* kFooterRest = R"(

Ground truth, for PSNR and SSIM on Y (BT.601, scale pixels shaved, as the SR papers):
  --degrade [SPEC]   each input is the ground truth: it is cropped to a multiple of the
                     scale and shrunk with MATLAB's bicubic first (damaged as SPEC says:
                     jpeg:Q, noise:S, downscale:KERNEL, blur:S), then upscaled back.
  --reference HR     a file (one input) or a folder holding, for each input, the image
                     with the same name (any extension): pairing is by name, never by order.

Examples:
  upsample compare samples/zone_plate.png -m all -s 2 --degrade -o cmp/
  upsample compare samples/scene.png -m bicubic,fsrcnn -s 2 --degrade jpeg:40 -o cmp/   # a JPEG, cleaned
  upsample compare lr/ -m bicubic,fsrcnn,espcn -s 3 --reference hr/ -o cmp/
  upsample compare photo.png -m lanczos,my_model.safetensors -s 2 -o cmp/ --overwrite

Existing files in -o are never replaced unless you pass --overwrite.
Exit status: 0 everything done, 1 some inputs or methods failed (the rest are done), 2 bad usage.)";

analysis::CompareOptions library_options(const CompareOptions& o) {
  analysis::CompareOptions options;
  options.scale = o.scale;
  options.output_folder = o.output;
  if (o.degrade && !o.degrade->empty()) options.damage = imaging::parse_damage_specs({*o.degrade});
  options.ground_truth = o.degrade              ? analysis::GroundTruth::Degrade
                         : !o.reference.empty() ? analysis::GroundTruth::Reference
                                                : analysis::GroundTruth::None;
  options.reference = o.reference;
  options.checkerboard = checkerboard_options(o.checkerboard);
  options.max_level = o.checkerboard.max_level;
  options.overwrite = o.overwrite;
  return options;
}

// What the library found along the way, on stderr.
void log_problems(const analysis::InputResult& result) {
  for (const auto& warning : result.warnings) spdlog::warn("{}", warning);
  for (const auto& r : result.results)
    if (!r.error.empty()) spdlog::error("{}", r.error);
  if (!result.error.empty()) spdlog::error("{}", result.error);
}

int run_compare(const CompareOptions& o) {
  const analysis::CompareOptions options = library_options(o);
  const std::vector<fs::path> inputs = analysis::expand_image_inputs(
      o.inputs, [](const fs::path& folder) { spdlog::warn("{}: no images in this folder", folder.string()); });
  if (inputs.empty()) throw UsageError("no input given: name image files or folders");
  if (const auto same = analysis::inputs_with_same_stem(inputs))
    throw UsageError(same->first.string() + " and " + same->second.string() +
                     " have the same name: their outputs would collide in " + o.output);
  if (options.ground_truth == analysis::GroundTruth::Reference) {
    std::error_code ec;
    if (!fs::exists(o.reference, ec)) throw UsageError("--reference " + o.reference + ": no such file or folder");
    if (!fs::is_directory(o.reference, ec) && inputs.size() > 1)
      throw UsageError("--reference " + o.reference + " is one file, but there are " + std::to_string(inputs.size()) +
                       " inputs: give a folder of references (paired with the inputs by name)");
  }

  const analysis::NamedUpscalers methods = create_methods(o.methods, o.scale, {o.tile, pipeline::parse_denoise(o.denoise)});
  std::vector<std::string> labels;
  for (const auto& [label, upscaler] : methods) {
    if (std::find(labels.begin(), labels.end(), label) != labels.end())
      throw UsageError("method '" + label + "' is listed twice");
    labels.push_back(label);
  }

  // Refuse up front rather than stop half way through a comparison.
  if (!o.overwrite) {
    std::vector<fs::path> existing;
    for (const auto& p : analysis::files_compare_writes(inputs, labels, options)) {
      std::error_code ec;
      if (fs::exists(p, ec)) existing.push_back(p);
    }
    if (!existing.empty())
      throw UsageError(existing.front().string() + " already exists" +
                       (existing.size() > 1 ? " (and " + std::to_string(existing.size() - 1) + " more)" : "") +
                       ": pass --overwrite to replace, or choose another -o folder");
  }
  std::error_code ec;
  fs::create_directories(options.output_folder, ec);
  if (ec) throw Error(o.output + ": cannot create the folder: " + ec.message());

  std::vector<analysis::InputResult> results;
  bool any_failed = false;
  for (const auto& input : inputs) {
    spdlog::info("{}: {} method(s)", input.string(), methods.size());
    analysis::InputResult r = analysis::compare_input(input, methods, options);
    log_problems(r);
    any_failed = any_failed || analysis::has_failures(r);
    results.push_back(std::move(r));
  }

  const analysis::CompareReports reports = analysis::build_reports(results, labels, options);
  analysis::write_reports(reports, options);
  std::printf("%s\n", o.json ? reports.json.c_str() : reports.markdown.c_str());
  spdlog::info("report: {}", analysis::compare_report_paths(options).markdown.string());
  return any_failed ? 1 : 0;
}

}  // namespace

Command add_compare_command(CLI::App& app) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Run several methods on the same inputs: outputs, heatmaps, a montage and a report");
  cmd->add_option("inputs", o->inputs, "Image files and/or folders (their images, not sub-folders)")->required();
  cmd->add_option("-m,--method", o->methods,
                  "Methods, comma-separated: names, 'all' (every installed), PATH.safetensors, opencv:PATH.pb; a learned "
                  "one with '+' appended (fsrcnn+) is its self-ensemble: 8 orientations averaged")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("-s,--scale", o->scale, "Upscaling factor (whole number)")
      ->check(whole_scale_only("compare"))
      ->check(CLI::Range(2, 16))
      ->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Folder for everything written (created if missing)")->required();
  auto* reference = cmd->add_option("--reference", o->reference,
                                    "Ground truth: an HR file (one input) or a folder of them, paired by name");
  auto* degrade = cmd->add_option("--degrade", o->degrade,
                                  "Take each input as the ground truth: shrink it (MATLAB bicubic) first, then upscale; "
                                  "with SPEC also damage it as eval --degrade does (jpeg:50, noise:5, downscale:cubic, "
                                  "parts joined with '+')")
                      ->expected(0, 1)
                      ->default_str("");
  reference->excludes(degrade);
  add_checkerboard_options(*cmd, o->checkerboard);
  add_denoise_option(*cmd, o->denoise);
  add_tile_option(*cmd, o->tile, "Tile size in input pixels for learned methods");
  cmd->add_flag("--overwrite", o->overwrite, "Replace files that already exist in -o");
  cmd->add_flag("--json", o->json, "Print the JSON report on stdout instead of the Markdown table");
  cmd->add_flag("-q,--quiet", o->quiet, "Only print errors");
  cmd->add_flag("-v,--verbose", o->verbose, "Print more");
  cmd->footer(std::string(kFooter) + checkerboard_reading_help() + kFooterRest);
  return {cmd, [o]() {
    apply_verbosity(o->quiet, o->verbose);
    return run_compare(*o);
  }};
}

}  // namespace upsample::app
