// `upsample artifacts`: how strongly, and where, an upsampler leaves checkerboard
// artifacts — measured on upscaled images (heatmaps and scores) or on the methods
// themselves (their response to a constant input).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "analysis/checkerboard.hpp"
#include "analysis/heatmap_render.hpp"
#include "batch_options.hpp"
#include "commands.hpp"
#include "io/image_io.hpp"
#include "method_list.hpp"
#include "models/model.hpp"
#include "pipeline/learned_methods.hpp"
#include "pipeline/method_registry.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

namespace {

namespace fs = std::filesystem;

struct ArtifactsOptions {
  std::vector<std::string> images;
  std::vector<std::string> methods;
  int scale = 2;
  std::string output;
  int window = 8;
  std::string window_shape = "hann";
  double max_level = 4.0;
  double level = 128.0;
  bool plain = false;
  bool overwrite = false;
  bool json = false;
  bool quiet = false;
  int verbose = 0;
};

constexpr const char* kFooter = R"(
Images: give images that were upscaled by -s. For each, the checkerboard map (DESIGN.md
section 5): the image's content is removed with a filter one period long, and in every
window of w*s x w*s pixels the s*s phase means of what remains are compared; their
standard deviation is the local strength, in 8-bit levels of luma (Y for colour). A
pattern whose phase offsets have standard deviation A reads A; bicubic on a photo reads
a few hundredths. Printed: mean and 99th percentile of the map, and the spectral ratio:
energy at the grid frequencies over their neighbours, about 1 or below when no pattern
repeats over the whole image; it tells how coherent a pattern is, not how strong.
Heatmap: {stem}_heatmap.png beside each image or in -o, colours on a fixed scale (0 to
--max-level) so heatmaps of different methods compare.

Methods (-m): each method upscales a constant grey image; the spread (max - min) of its
s*s phase means, in 8-bit levels, is its checkerboard amplitude: 0 for a perfect
upsampler. For a linear last layer (transposed conv, or conv + pixel shuffle) the DC
gain of each polyphase sub-kernel is printed too: equal gains = no checkerboard. The
magnified pattern is written to {method}_x{scale}_phase.png (in -o, default here).

Examples:
  upsample artifacts out_x2.png -s 2                  scores, out_x2_heatmap.png beside it
  upsample artifacts big/ -s 3 -o maps/ --json        a folder of x3 outputs, maps in maps/
  upsample artifacts -m fsrcnn,resizeconv -s 2        a 9x9 stride-2 deconv against resize-conv
  upsample artifacts -m all -s 2 -o patterns/         every installed method
  upsample artifacts -m my_model.safetensors -s 2     a model file

Exit status: 0 all measured, 1 some inputs failed (the rest are done), 2 bad usage.)";

analysis::CheckerboardOptions checkerboard_options(const ArtifactsOptions& o) {
  return {o.window, o.window_shape == "box" ? analysis::WindowShape::Box : analysis::WindowShape::Hann};
}

analysis::HeatmapStyle style_of(const ArtifactsOptions& o) {
  analysis::HeatmapStyle style;
  style.max_level = o.max_level;
  style.overlay = !o.plain;
  return style;
}

io::SaveOptions png_save(bool overwrite) {
  io::SaveOptions save;
  save.format = "png";
  save.existing = overwrite ? io::ExistingFile::Replace : io::ExistingFile::Refuse;
  return save;
}

fs::path output_folder(const ArtifactsOptions& o, const fs::path& fallback) {
  if (o.output.empty()) return fallback;
  std::error_code ec;
  fs::create_directories(o.output, ec);
  if (ec) throw Error(o.output + ": cannot create the folder: " + ec.message());
  return o.output;
}

// Image files named directly, and the images inside named folders (sorted).
std::vector<fs::path> expand_images(const std::vector<std::string>& inputs) {
  std::vector<fs::path> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (!fs::is_directory(input, ec)) {
      files.emplace_back(input);
      continue;
    }
    const std::vector<fs::path> inside = io::image_files_in(input);
    files.insert(files.end(), inside.begin(), inside.end());
  }
  return files;
}

int measure_images(const ArtifactsOptions& o) {
  const analysis::HeatmapStyle style = style_of(o);
  nlohmann::json rows = nlohmann::json::array();
  std::set<fs::path> written;
  int failed = 0;
  if (!o.json)
    std::printf("%-32s %9s %9s %9s  %s\n", "image", "mean", "p99", "spectral", "heatmap (strength in 8-bit levels)");
  for (const fs::path& input : expand_images(o.images)) {
    nlohmann::json row = {{"input", input.string()}};
    try {
      const cv::Mat image = io::load_image(input);
      const int s = o.scale;
      if (image.rows % s != 0 || image.cols % s != 0)
        spdlog::warn("{}: {}x{} is not a multiple of {}: was it really upscaled x{}?", input.string(), image.cols,
                     image.rows, s, s);
      analysis::CheckerboardAnalysis measured;
      try {
        measured = analysis::analyse_checkerboard(image, s, checkerboard_options(o));
      } catch (const Error& e) {
        throw Error(input.string() + ": " + e.what());
      }
      const fs::path heatmap = analysis::heatmap_path_for(output_folder(o, input.parent_path()) / input.filename());
      if (!written.insert(fs::weakly_canonical(heatmap)).second)
        throw Error(input.string() + ": its heatmap " + heatmap.string() + " is already the heatmap of another input");
      const std::string title = input.filename().string() + " (x" + std::to_string(s) + ")\n" +
                                analysis::describe_score(measured.score);
      io::save_image(heatmap, analysis::render_heatmap(measured.map, image, title, style), png_save(o.overwrite));
      row["heatmap"] = heatmap.string();
      row["mean"] = measured.score.mean;
      row["p99"] = measured.score.p99;
      row["spectral_ratio"] = measured.score.spectral_ratio;
      if (!o.json)
        std::printf("%-32s %9.3f %9.3f %9.1f  %s\n", input.string().c_str(), measured.score.mean, measured.score.p99,
                    measured.score.spectral_ratio, heatmap.string().c_str());
    } catch (const Error& e) {
      ++failed;
      row["error"] = e.what();
      spdlog::error("{}", e.what());
    }
    rows.push_back(std::move(row));
  }
  if (o.json) {
    const nlohmann::json doc = {{"command", "artifacts"}, {"scale", o.scale},         {"window", o.window},
                                {"window_shape", o.window_shape}, {"max_level", o.max_level}, {"images", rows}};
    std::printf("%s\n", doc.dump(2).c_str());
  }
  return failed > 0 ? 1 : 0;
}

// One method's constant-input diagnostic, and what to print about it.
struct MethodDiagnosis {
  std::string label;
  analysis::PhasePattern pattern;
  std::string last_layer;
  std::optional<analysis::PolyphaseGains> gains;
};

bool is_learned(const std::string& name) {
  for (const auto& arch : models::architectures())
    if (arch.name == name) return true;
  return false;
}

// Learned methods and model files are diagnosed on the model itself, in float, with their
// polyphase gains; anything else (interpolation, OpenCV models) through its upscaler.
MethodDiagnosis diagnose(const std::string& method, int scale, double level) {
  MethodDiagnosis d;
  d.label = method_label(method);
  if (method.ends_with(".safetensors") || is_learned(method)) {
    const fs::path file = is_learned(method) ? pipeline::find_weights(method, scale) : fs::path(method);
    const std::unique_ptr<models::Model> model = models::load_model(file);
    if (model->scale() != scale)
      throw UsageError(file.string() + ": this model upscales x" + std::to_string(model->scale()) + ", not x" +
                       std::to_string(scale) + " (pass -s " + std::to_string(model->scale()) + ")");
    analysis::ModelDiagnostic m = analysis::diagnose_model(*model, level);
    d.pattern = std::move(m.pattern);
    d.last_layer = m.last_layer;
    d.gains = std::move(m.gains);
  } else {
    d.pattern = analysis::constant_response(*pipeline::create_upscaler(method, scale), level);
    d.last_layer = "(not a network)";
  }
  return d;
}

// The methods to diagnose: "all" is every registered method that can run at this scale.
std::vector<std::string> expand_methods(const std::vector<std::string>& methods, int scale) {
  std::vector<std::string> out;
  for (const auto& m : methods) {
    if (m != "all") {
      out.push_back(m);
      continue;
    }
    for (const auto& info : pipeline::MethodRegistry::builtin().all()) {
      try {
        pipeline::create_upscaler(info.name, scale);  // weights installed, scale supported?
        out.push_back(info.name);
      } catch (const Error& e) {
        spdlog::info("{}: skipped ({})", info.name, e.what());
      }
    }
  }
  return out;
}

void print_diagnosis(const MethodDiagnosis& d, const fs::path& picture) {
  const int s = d.pattern.scale;
  std::printf("\n%s x%d: constant-input amplitude %.3f levels; last layer: %s\n", d.label.c_str(), s,
              d.pattern.amplitude, d.last_layer.c_str());
  std::printf("  phase offsets (8-bit levels, rows = y mod %d, columns = x mod %d):\n", s, s);
  for (int a = 0; a < s; ++a) {
    std::printf("   ");
    for (int b = 0; b < s; ++b) std::printf(" %+8.3f", d.pattern.at(a, b));
    std::printf("\n");
  }
  if (d.gains) {
    const analysis::PolyphaseGains& g = *d.gains;
    for (int out = 0; out < g.out_channels; ++out) {
      std::printf("  polyphase DC gains, output channel %d, summed over %d input channel(s):\n", out, g.in_channels);
      const std::vector<double> sum = g.summed_over_inputs(out);
      for (int a = 0; a < s; ++a) {
        std::printf("   ");
        for (int b = 0; b < s; ++b) std::printf(" %+9.5f", sum[static_cast<size_t>(a * s + b)]);
        std::printf("\n");
      }
    }
    std::printf("  equal-DC-gain condition: %s (largest spread of one channel pair %.3g, largest gain %.3g)\n",
                g.equal_dc_gains() ? "holds" : "violated", g.largest_spread(), g.largest_gain());
  }
  std::printf("  pattern: %s\n", picture.string().c_str());
}

int diagnose_methods(const ArtifactsOptions& o) {
  const std::vector<std::string> methods = expand_methods(o.methods, o.scale);
  if (methods.empty()) throw UsageError("no method to diagnose");
  const fs::path folder = output_folder(o, ".");
  nlohmann::json rows = nlohmann::json::array();
  std::vector<std::pair<MethodDiagnosis, fs::path>> done;
  int failed = 0;
  for (const auto& method : methods) {
    nlohmann::json row = {{"method", method_label(method)}};
    try {
      MethodDiagnosis d;
      try {
        d = diagnose(method, o.scale, o.level);
      } catch (const UsageError&) {
        throw;
      } catch (const Error& e) {  // an unknown name, missing weights, a bad model file: the request is wrong
        throw UsageError(e.what());
      }
      const fs::path picture = folder / (d.label + "_x" + std::to_string(o.scale) + "_phase.png");
      const std::string title = d.label + " x" + std::to_string(o.scale) + ", constant input " +
                                std::to_string(static_cast<int>(o.level)) + "\nlast layer: " + d.last_layer;
      io::save_image(picture, analysis::render_phase_pattern(d.pattern, title, o.max_level), png_save(o.overwrite));
      row["amplitude"] = d.pattern.amplitude;
      row["phase_offsets"] = d.pattern.offsets;
      row["last_layer"] = d.last_layer;
      row["pattern"] = picture.string();
      if (d.gains) {
        nlohmann::json summed = nlohmann::json::array();
        for (int out = 0; out < d.gains->out_channels; ++out) summed.push_back(d.gains->summed_over_inputs(out));
        row["dc_gains_summed_over_inputs"] = summed;
        row["equal_dc_gains"] = d.gains->equal_dc_gains();
        row["largest_gain_spread"] = d.gains->largest_spread();
      }
      done.emplace_back(std::move(d), picture);
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      ++failed;
      row["error"] = e.what();
      spdlog::error("{}: {}", method, e.what());
    }
    rows.push_back(std::move(row));
  }
  if (o.json) {
    const nlohmann::json doc = {{"command", "artifacts"}, {"scale", o.scale}, {"level", o.level}, {"methods", rows}};
    std::printf("%s\n", doc.dump(2).c_str());
  } else {
    std::printf("%-24s %22s  %s\n", "method", "amplitude (levels)", "equal DC gains");
    for (const auto& [d, picture] : done)
      std::printf("%-24s %22.3f  %s\n", d.label.c_str(), d.pattern.amplitude,
                  !d.gains ? "-" : d.gains->equal_dc_gains() ? "yes" : "no");
    for (const auto& [d, picture] : done) print_diagnosis(d, picture);
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
  cmd->add_option("-s,--scale", o->scale, "The factor the images were upscaled by / the methods upscale by")
      ->check(CLI::Range(2, 16))
      ->capture_default_str();
  cmd->add_option("-o,--output", o->output,
                  "Folder for the heatmaps / phase patterns (created if missing); default: beside each image / here");
  cmd->add_option("-w,--window", o->window, "Window side in periods (w*s pixels)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--window-shape", o->window_shape,
                  "hann: tapered window, no leakage from strong content; box: plain mean (DESIGN section 5)")
      ->check(CLI::IsMember({"hann", "box"}))
      ->capture_default_str();
  cmd->add_option("--max-level", o->max_level, "Top of the fixed colour scale, 8-bit levels")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--level", o->level, "Grey level of the constant input for -m, 8-bit levels")
      ->check(CLI::Range(0.0, 255.0))
      ->capture_default_str();
  cmd->add_flag("--plain", o->plain, "Heatmap colours alone, not blended over a grey copy of the image");
  cmd->add_flag("--overwrite", o->overwrite, "Replace heatmaps and patterns that already exist");
  cmd->add_flag("--json", o->json, "Print a machine-readable summary on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "Only print errors");
  cmd->add_flag("-v,--verbose", o->verbose, "Print more");
  cmd->footer(kFooter);
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
