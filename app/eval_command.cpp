// `upsample eval`: the standard SR evaluation of methods on folders of HR images.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "analysis/evaluation.hpp"
#include "batch_options.hpp"
#include "commands.hpp"
#include "deblur/deblurrer.hpp"
#include "deblur/evaluation.hpp"
#include "imaging/blur_kernels.hpp"
#include "imaging/degradations.hpp"
#include "method_list.hpp"
#include "pipeline/target_size.hpp"
#include "scale_option.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

namespace {

struct EvalOptions {
  std::vector<std::string> data;
  std::vector<std::string> scales = {"2"};  // as typed: a whole one takes the published protocol
  std::vector<std::string> methods = {"bicubic"};
  bool csv = false, json = false, per_image = false, quiet = false;
  std::string task = "sr";  // deblur: --blur, --noise, --nsr, --iterations below
  std::vector<std::string> blurs = {"gaussian:1.6"};
  std::vector<double> noises = {2.0}, nsrs = {0.005, 0.01, 0.02};  // Wiener: best of a small sweep
  std::vector<int> iterations = {30};
  std::vector<std::string> degrade;  // sr: one damaged condition each ("clean": the protocol)
  std::string denoise = "auto";
  std::string estimator;  // deblur: for networks told the blur
  bool tell = false;      // deblur: also run those told the true blur
  bool colour_noise = false;  // deblur: the noise per RGB channel, the colour image restored
  int verbose = 0;
};

struct Row {
  std::string data, method, image;
  double scale;
  analysis::ImageScore score;
};

// 2 → "2", 1.5 → "1.5"; and in JSON a whole scale stays an integer.
std::string scale_words(double scale) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", scale);
  return text;
}
nlohmann::json scale_json(double scale) {
  return scale == std::floor(scale) ? nlohmann::json(static_cast<int>(scale)) : nlohmann::json(scale);
}

void print_table(const std::vector<Row>& rows, const std::vector<std::string>& methods, bool per_image) {
  // One block per data set and scale: images down, methods across (PSNR / SSIM).
  std::string current;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    const std::string block = r.scale == 1 ? r.data : r.data + " ×" + scale_words(r.scale);
    if (block != current) {
      current = block;
      std::printf("\n%s (Y PSNR dB / SSIM)\n%-16s", block.c_str(), "image");
      for (const auto& m : methods) std::printf(" %22.22s", m.c_str());
      std::printf("\n");
    }
    if (r.method != methods.front()) continue;  // print each image's row once, at its first method
    if (!per_image && r.image != "average") continue;
    std::printf("%-16.16s", r.image.c_str());
    for (const auto& m : methods)
      for (const Row& other : rows)
        if (other.data == r.data && other.scale == r.scale && other.image == r.image && other.method == m)
          std::printf("       %7.2f / %.4f", other.score.psnr, other.score.ssim);
    std::printf("\n");
  }
}

// After several deblurring conditions: one row each (the average Y PSNR of every method),
// Wiener at its best NSR of the sweep as one more column, and their mean over the rows —
// the figures the deblurring targets are read from.
void print_deblur_summary(const std::vector<Row>& rows, const std::vector<std::string>& methods) {
  std::vector<std::string> conditions;
  for (const Row& r : rows)
    if (std::find(conditions.begin(), conditions.end(), r.data) == conditions.end()) conditions.push_back(r.data);
  if (conditions.size() < 2) return;
  const bool sweep = std::any_of(methods.begin(), methods.end(), [](const std::string& m) { return m.starts_with("wiener nsr="); });
  std::vector<std::string> columns = methods;
  if (sweep) columns.emplace_back("wiener best");
  std::printf("\nSummary (average Y PSNR dB)\n%-34s", "condition");
  for (const auto& c : columns) std::printf(" %16.16s", c.c_str());
  std::printf("\n");
  std::vector<double> sums(columns.size(), 0.0);
  for (const std::string& condition : conditions) {
    std::printf("%-34.34s", condition.c_str());
    for (size_t c = 0; c < columns.size(); ++c) {
      double value = -1;
      for (const Row& r : rows) {
        if (r.data != condition || r.image != "average") continue;
        const bool counts = columns[c] == "wiener best" ? r.method.starts_with("wiener nsr=") : r.method == columns[c];
        if (counts) value = std::max(value, r.score.psnr);
      }
      sums[c] += value;
      std::printf(" %16.2f", value);
    }
    std::printf("\n");
  }
  std::printf("%-34s", "mean");
  for (double sum : sums) std::printf(" %16.2f", sum / static_cast<double>(conditions.size()));
  std::printf("\n");
}

// --task deblur: every image of `folder` under each blur and noise level, restored by each
// method (wiener and richardson-lucy are told the blur); one table block per condition.
void evaluate_deblurring(const EvalOptions& o, const std::string& folder, std::vector<Row>& rows,
                         std::vector<std::string>& shown_methods) {
  const std::string data = std::filesystem::path(folder).filename().string();
  for (const auto& blur : o.blurs)
    for (double noise : o.noises) {
      const auto set = deblur::load_deblur_eval_set(folder, blur, noise, 1, o.colour_noise);
      char condition[160];
      std::snprintf(condition, sizeof condition, "%s %s noise %g%s", data.c_str(), blur.c_str(), noise,
                    o.colour_noise ? " colour" : "");
      for (const auto& [label, restorer] : deblur::create_deblurrers(o.methods, blur, o.nsrs, o.iterations, 0, o.estimator, o.tell)) {
        spdlog::info("{}: {} on {} images", condition, label, set.size());
        auto scores = deblur::evaluate_deblurrer(*restorer, set);
        scores.push_back(analysis::average(scores));
        for (const auto& s : scores) rows.push_back({condition, label, s.name, 1, s});
        if (std::find(shown_methods.begin(), shown_methods.end(), label) == shown_methods.end())
          shown_methods.push_back(label);
      }
    }
}

// --task sr: every image of `folder` at each scale and damage, upscaled by each method.
void evaluate_upscaling(const EvalOptions& o, const std::string& folder, std::vector<Row>& rows,
                        std::vector<std::string>& shown_methods) {
  const std::string data = std::filesystem::path(folder).filename().string();
  const pipeline::UpscalerOptions options{0, pipeline::parse_denoise(o.denoise)};
  const std::vector<std::string> conditions = o.degrade.empty() ? std::vector<std::string>{"clean"} : o.degrade;
  std::set<std::string> warned;  // one warning per image and scale, not one per condition
  for (const std::string& scale_text : o.scales) {
    const double factor = pipeline::parse_scale_factor(scale_text);
    if (factor != std::floor(factor)) {
      // Not whole: the clean protocol with the HR cropped so that the LR is whole.
      if (!o.degrade.empty()) throw UsageError("eval -s " + scale_text + ": --degrade needs a whole scale");
      std::vector<analysis::SkippedImage> skipped;
      std::vector<analysis::EvalImage> set;
      try {
        set = analysis::load_eval_set_at(folder, factor, &skipped);
      } catch (const Error& e) {
        if (std::string(e.what()).starts_with("eval -s")) throw UsageError(e.what());
        throw;
      }
      for (const auto& s : skipped) {
        const std::string line = s.file.string() + ": " + s.reason + ", skipped";
        if (warned.insert(line).second) spdlog::warn("{}", line);
      }
      for (const auto& [method, upscaler] : create_sized_methods(o.methods, factor, options)) {
        spdlog::info("{} ×{}: {} on {} images", data, scale_text, method, set.size());
        auto scores = analysis::evaluate_upscaler_at(*upscaler, set, factor);
        scores.push_back(analysis::average(scores));
        for (const auto& s : scores) rows.push_back({data, method, s.name, factor, s});
        if (std::find(shown_methods.begin(), shown_methods.end(), method) == shown_methods.end())
          shown_methods.push_back(method);
      }
      continue;
    }
    const int scale = static_cast<int>(factor);
    for (const auto& condition : conditions) {
      const bool clean = condition == "clean";
      const imaging::DamageSpec damage = clean ? imaging::DamageSpec{} : imaging::parse_damage_specs({condition});
      std::vector<analysis::SkippedImage> skipped;
      const auto set = analysis::load_eval_set(folder, scale, clean ? nullptr : &damage, &skipped);
      for (const auto& s : skipped) {
        const std::string line = s.file.string() + ": " + s.reason + ", skipped";
        if (warned.insert(line).second) spdlog::warn("{}", line);
      }
      const std::string label = clean ? data : data + " " + damage.text();
      for (const auto& [method, upscaler] : create_methods(o.methods, scale, options)) {
        spdlog::info("{} ×{}: {} on {} images", label, scale, method, set.size());
        auto scores = analysis::evaluate_upscaler(*upscaler, set, scale);
        scores.push_back(analysis::average(scores));
        for (const auto& s : scores) rows.push_back({label, method, s.name, static_cast<double>(scale), s});
        if (std::find(shown_methods.begin(), shown_methods.end(), method) == shown_methods.end())
          shown_methods.push_back(method);
      }
    }
  }
}

// A --data name that is not a folder here but one of the shared benchmark sets
// ($UPSAMPLE_DATA/sr-bench/NAME), as the examples write it.
std::string benchmark_folder(const std::string& name) {
  std::error_code ec;
  if (std::filesystem::is_directory(name, ec)) return name;
  const char* root = std::getenv("UPSAMPLE_DATA");
  if (root == nullptr || name.find('/') != std::string::npos) return name;
  const std::filesystem::path shared = std::filesystem::path(root) / "sr-bench" / name;
  return std::filesystem::is_directory(shared, ec) ? shared.string() : name;
}

}  // namespace

Command add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "Score methods by the standard SR protocol (Y PSNR / SSIM)");
  cmd->add_option("--data", o->data,
                  "Folder(s) of HR images, e.g. ../shared/data/sr-bench/Set5; a bare name not found here is "
                  "looked for in $UPSAMPLE_DATA/sr-bench (Set5, Set14, BSD100)")
      ->required();
  cmd->add_option("-s,--scale", o->scales,
                  "Scale(s) to evaluate, 1 to 16; one that is not whole (1.5) is the clean protocol with the HR "
                  "cropped so that the LR is whole (see below)")
      ->check(scale_factor_check())
      ->type_name("NUMBER")
      ->capture_default_str();
  cmd->add_option("-m,--method", o->methods,
                  "Methods, comma-separated: names, 'all' (every installed), PATH.safetensors, opencv:PATH.pb; a learned "
                  "one with '+' appended (fsrcnn+) is its self-ensemble: 8 orientations averaged")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--task", o->task, "sr (upscaling), or deblur (blur each image, then restore it)")
      ->check(CLI::IsMember({"sr", "deblur"}))
      ->capture_default_str();
  cmd->add_option("--degrade", o->degrade,
                  "sr: score on damaged LR instead (each value one condition, parts joined with '+'): jpeg:Q, "
                  "noise:S[,grey], downscale:bicubic|bilinear|area|cubic|nearest, blur:S; 'clean' for the protocol. "
                  "The colour HR is shrunk, damaged, upscaled in colour and scored on Y")
      ->check([](const std::string& spec) {
        if (spec == "clean") return std::string();
        try {
          imaging::parse_damage_specs({spec});
          return std::string();
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
      });
  add_denoise_option(*cmd, o->denoise);
  cmd->add_option("--blur", o->blurs, "deblur: blur kernel(s), " + imaging::blur_spec_forms())
      ->capture_default_str();
  cmd->add_option("--noise", o->noises, "deblur: Gaussian noise σ(s) in 8-bit levels, added after the blur")
      ->capture_default_str();
  cmd->add_flag("--colour-noise", o->colour_noise,
                "deblur: add the noise to each RGB channel of the blurred colour image (rounded to 8 bits, as a "
                "photo file) and restore that image in colour, as `upsample deblur` does; scored on Y. Default: "
                "the noise is added to Y and Y restored");
  cmd->add_option("--nsr", o->nsrs, "deblur: Wiener noise-to-signal ratio(s), each one a column")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--estimator", o->estimator,
                  "deblur: blur-estimator model for networks told the blur (default: our weights)");
  cmd->add_flag("--tell", o->tell,
                "deblur: also run networks told the blur with the true kernel (column 'NAME told'): what a perfect "
                "blur estimate would give");
  cmd->add_option("--iterations", o->iterations, "deblur: Richardson-Lucy iteration count(s)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_flag("--per-image", o->per_image, "Show every image, not only the averages");
  cmd->add_flag("--csv", o->csv, "Print CSV (one line per data set, scale, method and image) on stdout");
  cmd->add_flag("--json", o->json, "Print JSON on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "Only print errors");
  cmd->add_flag("-v,--verbose", o->verbose, "Print more");
  cmd->footer(R"(
Protocol (as the SRCNN/FSRCNN test code): Y of the HR image (BT.601, rounded), cropped to a
multiple of the scale, shrunk with MATLAB's bicubic in floating point, upscaled on Y,
rounded to 8 bits, PSNR and SSIM with `scale` pixels shaved. bicubic reproduces the
published baseline (Set5 33.66 / 30.39 / 28.42 dB at x2 / x3 / x4). A scale that is not
whole, p/q (1.5 = 3/2): the HR is cropped to a multiple of p, shrunk to exactly q/p of
it, each method upscales to the HR's size (a learned one at its next scale up, then
shrunk, as the main job does), ceil(scale) pixels shaved.

Examples:
  upsample eval --data ../shared/data/sr-bench/Set5 -s 2 -s 3 -s 4 -m bicubic,fsrcnn,espcn
  upsample eval --data ../shared/data/sr-bench/Set14 -s 3 -m all --per-image
  upsample eval --data ../shared/data/sr-bench/Set14 -s 1.5 -m bicubic,lanczos,fsrcnn
  upsample eval --data Set14 -s 2 -m bicubic,fsrcnn --degrade jpeg:50 --degrade noise:5 --degrade downscale:cubic
  upsample eval --data Set14 -s 2 -m fsrcnn --degrade jpeg:75 --denoise off    # the clean model on a JPEG
  upsample eval --data Set5 -s 2 -s 4 -m fsrcnn,opencv:../shared/data/anchors/opencv-dnn-superres/FSRCNN_x{scale}.pb
  upsample eval --task deblur --blur gaussian:1.6 --noise 2 --data Set14 -m deblur,wiener,none --nsr 0.002,0.005
  upsample eval --task deblur --blur shake:3 --blur disc:2 --blur line:15,30 --noise 2 --colour-noise --data Set14)");
  return {cmd, [o, cmd]() {
            apply_verbosity(o->quiet, o->verbose);
            std::vector<Row> rows;
            std::vector<std::string> shown_methods;
            if (o->task == "deblur" && cmd->count("--method") == 0) o->methods = {"deblur", "wiener", "none"};
            for (auto& folder : o->data) folder = benchmark_folder(folder);
            for (const auto& folder : o->data) {
              if (o->task == "deblur") {
                evaluate_deblurring(*o, folder, rows, shown_methods);
                continue;
              }
              evaluate_upscaling(*o, folder, rows, shown_methods);
            }
            if (o->json) {
              nlohmann::json doc = nlohmann::json::array();
              for (const Row& r : rows)
                doc.push_back({{"data", r.data}, {"scale", scale_json(r.scale)}, {"method", r.method}, {"image", r.image},
                               {"psnr", r.score.psnr}, {"ssim", r.score.ssim}, {"seconds", r.score.seconds}});
              std::printf("%s\n", doc.dump(2).c_str());
            } else if (o->csv) {
              std::printf("data,scale,method,image,psnr,ssim,seconds\n");
              for (const Row& r : rows)
                std::printf("%s,%s,%s,%s,%.4f,%.5f,%.4f\n", r.data.c_str(), scale_words(r.scale).c_str(), r.method.c_str(), r.image.c_str(),
                            r.score.psnr, r.score.ssim, r.score.seconds);
            } else {
              print_table(rows, shown_methods, o->per_image);
              if (o->task == "deblur") print_deblur_summary(rows, shown_methods);
            }
            return 0;
          }};
}

}  // namespace upsample::app
