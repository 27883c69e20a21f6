// `upsample compare`: several methods on the same inputs, side by side — every output,
// its checkerboard heatmap, one montage per input, and a report (Markdown, JSON, CSV)
// with timings, checkerboard scores and, given a ground truth, PSNR and SSIM on Y.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "analysis/checkerboard.hpp"
#include "analysis/heatmap_render.hpp"
#include "analysis/matlab_imresize.hpp"
#include "analysis/metrics.hpp"
#include "batch_options.hpp"
#include "commands.hpp"
#include "io/atomic_file.hpp"
#include "io/image_io.hpp"
#include "method_list.hpp"
#include "pipeline/upscale_image.hpp"
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
  bool degrade = false;
  int window = 8;
  std::string window_shape = "hann";
  double max_level = 4.0;
  int tile = 0;
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
                                         magnified crop where the methods differ most
and once: report.md (methods x metrics, best in bold), report.json, report.csv; the
Markdown table is also printed on stdout (--json: the JSON).

Checkerboard strength: in 8-bit levels of luma, per window of w*s x w*s pixels (see
`upsample artifacts --help`); mean and 99th percentile of the map, lower is better.
Spectral ratio: how much the grid frequencies stand out over the whole image (about 1
or below: no coherent pattern; a transposed conv's uneven gains give hundreds), whatever
the pattern's strength.

Ground truth, for PSNR and SSIM on Y (BT.601, scale pixels shaved, as the SR papers):
  --degrade          each input is the ground truth: it is cropped to a multiple of the
                     scale and shrunk with MATLAB's bicubic first, then upscaled back.
  --reference HR     a file (one input) or a folder holding, for each input, the image
                     with the same name (any extension): pairing is by name, never by order.

Examples:
  upsample compare samples/zone_plate.png -m all -s 2 --degrade -o cmp/
  upsample compare lr/ -m bicubic,fsrcnn,espcn -s 3 --reference hr/ -o cmp/
  upsample compare photo.png -m lanczos,my_model.safetensors -s 2 -o cmp/ --overwrite

Existing files in -o are never replaced unless you pass --overwrite.
Exit status: 0 everything done, 1 some inputs or methods failed (the rest are done), 2 bad usage.)";

enum class Mode { None, Degrade, Reference };

struct MethodResult {
  std::string method;
  fs::path output, heatmap;
  double seconds = 0.0;
  analysis::CheckerboardScore score;
  std::optional<analysis::PsnrSsim> quality;
  std::string error;
  int checkerboard_rank = 0, psnr_rank = 0;
};

struct InputResult {
  fs::path input, reference, montage;
  std::vector<MethodResult> results;
  std::string error;
};

using Methods = std::vector<std::pair<std::string, std::unique_ptr<pipeline::Upscaler>>>;

analysis::CheckerboardOptions checkerboard_options(int window, const std::string& shape) {
  return {window, shape == "box" ? analysis::WindowShape::Box : analysis::WindowShape::Hann};
}

// ---- inputs and references ------------------------------------------------------------

std::vector<fs::path> expand_inputs(const std::vector<std::string>& inputs) {
  std::vector<fs::path> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (!fs::is_directory(input, ec)) {
      files.emplace_back(input);
      continue;
    }
    const std::vector<fs::path> inside = io::image_files_in(input);
    if (inside.empty()) spdlog::warn("{}: no images in this folder", input);
    files.insert(files.end(), inside.begin(), inside.end());
  }
  return files;
}

// The ground truth of `input`: --reference itself when it is a file, else the one image
// in that folder with the input's stem.
fs::path reference_for(const fs::path& input, const fs::path& reference) {
  std::error_code ec;
  if (!fs::is_directory(reference, ec)) return reference;
  std::vector<fs::path> matches;
  for (const auto& entry : fs::directory_iterator(reference, ec))
    if (entry.is_regular_file() && entry.path().stem() == input.stem() &&
        io::is_image_extension(io::extension_of(entry.path())))
      matches.push_back(entry.path());
  if (matches.empty())
    throw Error(input.string() + ": no reference named " + input.stem().string() + ".* in " + reference.string());
  if (matches.size() > 1) {
    std::sort(matches.begin(), matches.end());
    throw Error(input.string() + ": more than one reference named " + input.stem().string() + ".* in " +
                reference.string() + " (" + matches[0].filename().string() + ", " + matches[1].filename().string() +
                "): keep one");
  }
  return matches.front();
}

// Metrics are defined on 8-bit colour without alpha.
cv::Mat for_metrics(const cv::Mat& image) {
  cv::Mat eight = image;
  if (image.depth() == CV_16U) image.convertTo(eight, CV_8U, 1.0 / 257.0);
  if (eight.channels() == 4) {
    cv::Mat bgr;
    cv::cvtColor(eight, bgr, cv::COLOR_BGRA2BGR);
    return bgr;
  }
  return eight;
}

// ---- one input --------------------------------------------------------------------------

struct Names {
  fs::path folder;
  int scale;
  fs::path output(const fs::path& input, const std::string& method) const {
    return folder / (input.stem().string() + "_" + method + "_x" + std::to_string(scale) + ".png");
  }
  fs::path montage(const fs::path& input) const {
    return folder / (input.stem().string() + "_montage_x" + std::to_string(scale) + ".png");
  }
};

std::string fixed(double value, int decimals) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::vector<std::string> label_lines(const MethodResult& r) {
  std::vector<std::string> lines = {
      fixed(r.seconds * 1000.0, 1) + " ms",
      "checkerboard mean " + fixed(r.score.mean, 3) + ", p99 " + fixed(r.score.p99, 3),
      "spectral ratio " + fixed(r.score.spectral_ratio, 1),
  };
  if (r.quality) lines.push_back("PSNR " + fixed(r.quality->psnr, 2) + " dB, SSIM " + fixed(r.quality->ssim, 4));
  return lines;
}

InputResult compare_one(const fs::path& input, const Methods& methods, const CompareOptions& o, Mode mode,
                        const Names& names) {
  InputResult result;
  result.input = input;
  const int s = o.scale;
  const io::SaveOptions save{"png", {}, o.overwrite ? io::ExistingFile::Replace : io::ExistingFile::Refuse};
  try {
    const cv::Mat loaded = io::load_image(input);
    cv::Mat low, truth;  // what the methods upscale, and the ground truth if any
    if (mode == Mode::Degrade) {
      cv::Mat eight = loaded;
      if (loaded.depth() != CV_8U) {
        spdlog::warn("{}: compared in 8 bits (the MATLAB-style shrink works on 8-bit images)", input.string());
        loaded.convertTo(eight, CV_8U, 1.0 / 257.0);
      }
      const cv::Mat high = analysis::crop_to_multiple_of(eight, s).clone();
      low = analysis::matlab_bicubic_downscale_u8(high, s);  // alpha included: it is shrunk and upscaled too
      truth = for_metrics(high);
    } else {
      low = loaded;
      if (mode == Mode::Reference) {
        result.reference = reference_for(input, o.reference);
        truth = for_metrics(io::load_image(result.reference));
        const cv::Size wanted(low.cols * s, low.rows * s);
        if (analysis::crop_to_multiple_of(truth, s).size() != wanted)
          throw Error(input.string() + ": its reference " + result.reference.string() + " is " +
                      std::to_string(truth.cols) + "x" + std::to_string(truth.rows) + ", but the input x" +
                      std::to_string(s) + " is " + std::to_string(wanted.width) + "x" + std::to_string(wanted.height));
      }
    }

    analysis::HeatmapStyle style;
    style.max_level = o.max_level;
    std::vector<analysis::MontageColumn> columns;
    for (const auto& [label, upscaler] : methods) {
      MethodResult r;
      r.method = label;
      try {
        const auto start = std::chrono::steady_clock::now();
        const cv::Mat upscaled = pipeline::upscale_image(low, *upscaler);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        r.output = names.output(input, label);
        io::save_image(r.output, upscaled, save);
        analysis::CheckerboardAnalysis measured = analysis::analyse_checkerboard(upscaled, s, checkerboard_options(o.window, o.window_shape));
        r.score = measured.score;
        r.heatmap = analysis::heatmap_path_for(r.output);
        const std::string title = r.output.filename().string() + "\n" + analysis::describe_score(r.score);
        io::save_image(r.heatmap, analysis::render_heatmap(measured.map, upscaled, title, style), save);
        if (!truth.empty()) r.quality = analysis::evaluate_pair(for_metrics(upscaled), truth, s);
        columns.push_back({label, label_lines(r), upscaled, std::move(measured.map)});
      } catch (const std::exception& e) {
        r.error = input.string() + ": " + label + ": " + e.what();
        spdlog::error("{}", r.error);
      }
      result.results.push_back(std::move(r));
    }
    if (!columns.empty()) {
      std::string title = input.filename().string() + "  x" + std::to_string(s);
      if (mode == Mode::Degrade) title += "  (--degrade: the input shrunk with MATLAB bicubic, then upscaled; it is the ground truth)";
      if (mode == Mode::Reference) title += "  (reference " + result.reference.filename().string() + ")";
      result.montage = names.montage(input);
      io::save_image(result.montage, analysis::render_montage(columns, title, style), save);
    }
  } catch (const std::exception& e) {
    result.error = e.what();
    spdlog::error("{}", result.error);
  }
  return result;
}

// Ranks 1..n, best first, among the methods that produced a value.
void rank_results(InputResult& input) {
  std::vector<MethodResult*> ok;
  for (auto& r : input.results)
    if (r.error.empty()) ok.push_back(&r);
  std::stable_sort(ok.begin(), ok.end(), [](const MethodResult* a, const MethodResult* b) { return a->score.mean < b->score.mean; });
  for (size_t i = 0; i < ok.size(); ++i) ok[i]->checkerboard_rank = static_cast<int>(i + 1);
  std::stable_sort(ok.begin(), ok.end(), [](const MethodResult* a, const MethodResult* b) {
    return a->quality && b->quality ? a->quality->psnr > b->quality->psnr : static_cast<bool>(a->quality);
  });
  for (size_t i = 0; i < ok.size(); ++i)
    if (ok[i]->quality) ok[i]->psnr_rank = static_cast<int>(i + 1);
}

// ---- reports ---------------------------------------------------------------------------

// One row of a report table: a method and its values (missing = not measured).
struct Row {
  std::string method;
  std::vector<std::optional<double>> values;
};

struct Column {
  std::string title;
  int decimals;
  bool higher_is_better;
  bool ranked = true;  // best value in bold
};

std::vector<Column> report_columns(bool with_quality) {
  std::vector<Column> columns;
  if (with_quality) columns = {{"PSNR (dB)", 2, true}, {"SSIM", 4, true}};
  columns.insert(columns.end(), {{"checkerboard mean", 3, false},
                                 {"checkerboard p99", 3, false},
                                 {"spectral ratio", 1, false, false},
                                 {"time (ms)", 1, false}});
  return columns;
}

Row row_of(const MethodResult& r, bool with_quality) {
  Row row{r.method, {}};
  if (with_quality) {
    row.values.push_back(r.quality ? std::optional(r.quality->psnr) : std::nullopt);
    row.values.push_back(r.quality ? std::optional(r.quality->ssim) : std::nullopt);
  }
  row.values.insert(row.values.end(), {r.score.mean, r.score.p99, r.score.spectral_ratio, r.seconds * 1000.0});
  return row;
}

// A Markdown table, the best value of each column in bold (ties at the shown precision too).
std::string markdown_table(const std::vector<Row>& rows, const std::vector<Column>& columns) {
  std::string text = "| method |";
  std::string rule = "|---|";
  for (const auto& c : columns) {
    text += " " + c.title + " |";
    rule += "---:|";
  }
  text += "\n" + rule + "\n";
  std::vector<std::string> best(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    std::optional<double> top;
    for (const auto& r : rows)
      if (r.values[c] && (!top || (columns[c].higher_is_better ? *r.values[c] > *top : *r.values[c] < *top)))
        top = r.values[c];
    if (top && columns[c].ranked) best[c] = fixed(*top, columns[c].decimals);
  }
  for (const auto& r : rows) {
    text += "| " + r.method + " |";
    for (size_t c = 0; c < columns.size(); ++c) {
      if (!r.values[c]) {
        text += " – |";
        continue;
      }
      const std::string shown = fixed(*r.values[c], columns[c].decimals);
      text += rows.size() > 1 && !best[c].empty() && shown == best[c] ? " **" + shown + "** |" : " " + shown + " |";
    }
    text += "\n";
  }
  return text;
}

// Per method, the mean of each value over the inputs where it succeeded.
std::vector<Row> average_rows(const std::vector<InputResult>& inputs, const std::vector<std::string>& methods,
                              bool with_quality) {
  std::vector<Row> rows;
  for (const auto& method : methods) {
    Row sum{method, {}};
    std::vector<int> counts;
    for (const auto& input : inputs)
      for (const auto& r : input.results) {
        if (r.method != method || !r.error.empty()) continue;
        const Row one = row_of(r, with_quality);
        sum.values.resize(one.values.size());
        counts.resize(one.values.size(), 0);
        for (size_t c = 0; c < one.values.size(); ++c)
          if (one.values[c]) {
            sum.values[c] = sum.values[c].value_or(0.0) + *one.values[c];
            ++counts[c];
          }
      }
    for (size_t c = 0; c < sum.values.size(); ++c)
      if (sum.values[c]) *sum.values[c] /= counts[c];
    if (!sum.values.empty()) rows.push_back(std::move(sum));
  }
  return rows;
}

std::string mode_text(Mode mode, const CompareOptions& o) {
  switch (mode) {
    case Mode::Degrade: return "--degrade: each input is the ground truth, shrunk with MATLAB bicubic, then upscaled";
    case Mode::Reference: return "--reference " + o.reference + ": PSNR/SSIM against the image of the same name";
    case Mode::None: break;
  }
  return "no ground truth (add --degrade or --reference for PSNR/SSIM)";
}

std::string markdown_report(const std::vector<InputResult>& inputs, const std::vector<std::string>& methods,
                            Mode mode, const CompareOptions& o) {
  const bool with_quality = mode != Mode::None;
  const std::vector<Column> columns = report_columns(with_quality);
  const int window_px = o.window * o.scale;
  std::string text = "# upsample compare, x" + std::to_string(o.scale) + "\n\n" + mode_text(mode, o) + ".\n\n";
  text += "Checkerboard strength in 8-bit levels of Y, " + o.window_shape + " windows of " + std::to_string(window_px) +
          "x" + std::to_string(window_px) +
          " px, lower is better. Spectral ratio: energy at the grid frequencies over their neighbours, "
          "about 1 or below when no pattern repeats over the whole image; it tells how coherent a pattern is, "
          "not how strong, so it is not ranked. Time: lower is better";
  text += with_quality ? "; PSNR and SSIM on Y with " + std::to_string(o.scale) + " px shaved, higher is better. "
                       : ". ";
  text += "Best of each ranked column in bold.\n";
  for (const auto& input : inputs) {
    text += "\n## " + input.input.string() + "\n\n";
    if (!input.error.empty()) {
      text += "Failed: " + input.error + "\n";
      continue;
    }
    std::vector<Row> rows;
    for (const auto& r : input.results)
      if (r.error.empty()) rows.push_back(row_of(r, with_quality));
    text += markdown_table(rows, columns);
    for (const auto& r : input.results)
      if (!r.error.empty()) text += "\nFailed: " + r.error + "\n";
    if (!input.montage.empty()) text += "\nMontage: " + input.montage.filename().string() + "\n";
  }
  if (inputs.size() > 1) {
    text += "\n## Average over the inputs\n\n";
    text += markdown_table(average_rows(inputs, methods, with_quality), columns);
  }
  return text;
}

nlohmann::json optional_number(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return nullptr;  // JSON has no infinity (identical images)
  return *value;
}

nlohmann::json json_report(const std::vector<InputResult>& inputs, const std::vector<std::string>& methods, Mode mode,
                           const CompareOptions& o) {
  nlohmann::json doc = {{"command", "compare"},
                        {"scale", o.scale},
                        {"mode", mode == Mode::Degrade ? "degrade" : mode == Mode::Reference ? "reference" : "none"},
                        {"window", o.window},
                        {"window_shape", o.window_shape},
                        {"units", "checkerboard strength in 8-bit levels of Y; seconds"},
                        {"methods", methods}};
  nlohmann::json list = nlohmann::json::array();
  for (const auto& input : inputs) {
    nlohmann::json entry = {{"input", input.input.string()},
                            {"reference", input.reference.empty() ? nlohmann::json(nullptr) : nlohmann::json(input.reference.string())},
                            {"montage", input.montage.empty() ? nlohmann::json(nullptr) : nlohmann::json(input.montage.string())},
                            {"error", input.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(input.error)}};
    nlohmann::json results = nlohmann::json::array();
    std::map<int, std::string> by_checkerboard, by_psnr;
    for (const auto& r : input.results) {
      if (!r.error.empty()) {
        results.push_back({{"method", r.method}, {"error", r.error}});
        continue;
      }
      nlohmann::json j = {{"method", r.method},
                          {"output", r.output.string()},
                          {"heatmap", r.heatmap.string()},
                          {"seconds", r.seconds},
                          {"checkerboard", {{"mean", r.score.mean}, {"p99", r.score.p99}, {"spectral_ratio", r.score.spectral_ratio}}},
                          {"psnr", optional_number(r.quality ? std::optional(r.quality->psnr) : std::nullopt)},
                          {"ssim", optional_number(r.quality ? std::optional(r.quality->ssim) : std::nullopt)},
                          {"rank", {{"checkerboard", r.checkerboard_rank},
                                    {"psnr", r.psnr_rank > 0 ? nlohmann::json(r.psnr_rank) : nlohmann::json(nullptr)}}},
                          {"error", nullptr}};
      results.push_back(std::move(j));
      by_checkerboard[r.checkerboard_rank] = r.method;
      if (r.psnr_rank > 0) by_psnr[r.psnr_rank] = r.method;
    }
    entry["results"] = std::move(results);
    nlohmann::json ranking = {{"checkerboard", nlohmann::json::array()}, {"psnr", nlohmann::json::array()}};
    for (const auto& [rank, method] : by_checkerboard) ranking["checkerboard"].push_back(method);
    for (const auto& [rank, method] : by_psnr) ranking["psnr"].push_back(method);
    entry["ranking"] = std::move(ranking);  // best first
    list.push_back(std::move(entry));
  }
  doc["inputs"] = std::move(list);
  return doc;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string csv_report(const std::vector<InputResult>& inputs, const CompareOptions& o) {
  std::string text =
      "input,method,scale,seconds,checkerboard_mean,checkerboard_p99,spectral_ratio,psnr,ssim,output,heatmap,error\n";
  auto number = [](double v, int decimals) { return std::isfinite(v) ? fixed(v, decimals) : std::string("inf"); };
  for (const auto& input : inputs) {
    if (!input.error.empty()) {
      text += csv_field(input.input.string()) + ",,," + std::string(8, ',') + csv_field(input.error) + "\n";
      continue;
    }
    for (const auto& r : input.results) {
      text += csv_field(input.input.string()) + "," + csv_field(r.method) + "," + std::to_string(o.scale) + ",";
      if (!r.error.empty()) {
        text += std::string(8, ',') + csv_field(r.error) + "\n";
        continue;
      }
      text += number(r.seconds, 6) + "," + number(r.score.mean, 6) + "," + number(r.score.p99, 6) + "," +
              number(r.score.spectral_ratio, 4) + ",";
      text += (r.quality ? number(r.quality->psnr, 4) : "") + "," + (r.quality ? number(r.quality->ssim, 6) : "") + ",";
      text += csv_field(r.output.string()) + "," + csv_field(r.heatmap.string()) + ",\n";
    }
  }
  return text;
}

void write_text(const fs::path& path, const std::string& text, bool overwrite) {
  io::write_file_atomically(path, std::as_bytes(std::span(text.data(), text.size())),
                            overwrite ? io::ExistingFile::Replace : io::ExistingFile::Refuse);
}

// ---- the command -------------------------------------------------------------------------

int run_compare(const CompareOptions& o) {
  const Mode mode = o.degrade ? Mode::Degrade : !o.reference.empty() ? Mode::Reference : Mode::None;
  const std::vector<fs::path> inputs = expand_inputs(o.inputs);
  if (inputs.empty()) throw UsageError("no input given: name image files or folders");
  std::map<std::string, fs::path> stems;
  for (const auto& input : inputs) {
    const auto [it, fresh] = stems.emplace(input.stem().string(), input);
    if (!fresh)
      throw UsageError(input.string() + " and " + it->second.string() +
                       " have the same name: their outputs would collide in " + o.output);
  }
  if (mode == Mode::Reference) {
    std::error_code ec;
    if (!fs::exists(o.reference, ec)) throw UsageError("--reference " + o.reference + ": no such file or folder");
    if (!fs::is_directory(o.reference, ec) && inputs.size() > 1)
      throw UsageError("--reference " + o.reference + " is one file, but there are " + std::to_string(inputs.size()) +
                       " inputs: give a folder of references (paired with the inputs by name)");
  }

  const Methods methods = create_methods(o.methods, o.scale, {o.tile});
  std::vector<std::string> labels;
  for (const auto& [label, upscaler] : methods) {
    if (std::find(labels.begin(), labels.end(), label) != labels.end())
      throw UsageError("method '" + label + "' is listed twice");
    labels.push_back(label);
  }

  // Refuse up front rather than stop half way through a comparison.
  const Names names{o.output, o.scale};
  std::vector<fs::path> planned = {names.folder / "report.md", names.folder / "report.json", names.folder / "report.csv"};
  for (const auto& input : inputs) {
    planned.push_back(names.montage(input));
    for (const auto& label : labels) {
      planned.push_back(names.output(input, label));
      planned.push_back(analysis::heatmap_path_for(names.output(input, label)));
    }
  }
  if (!o.overwrite) {
    std::vector<fs::path> existing;
    for (const auto& p : planned) {
      std::error_code ec;
      if (fs::exists(p, ec)) existing.push_back(p);
    }
    if (!existing.empty())
      throw UsageError(existing.front().string() + " already exists" +
                       (existing.size() > 1 ? " (and " + std::to_string(existing.size() - 1) + " more)" : "") +
                       ": pass --overwrite to replace, or choose another -o folder");
  }
  std::error_code ec;
  fs::create_directories(names.folder, ec);
  if (ec) throw Error(o.output + ": cannot create the folder: " + ec.message());

  std::vector<InputResult> results;
  bool any_failed = false;
  for (const auto& input : inputs) {
    spdlog::info("{}: {} method(s)", input.string(), methods.size());
    InputResult r = compare_one(input, methods, o, mode, names);
    rank_results(r);
    any_failed = any_failed || !r.error.empty() ||
                 std::any_of(r.results.begin(), r.results.end(), [](const MethodResult& m) { return !m.error.empty(); });
    results.push_back(std::move(r));
  }

  const std::string markdown = markdown_report(results, labels, mode, o);
  const nlohmann::json json = json_report(results, labels, mode, o);
  write_text(names.folder / "report.md", markdown, o.overwrite);
  write_text(names.folder / "report.json", json.dump(2) + "\n", o.overwrite);
  write_text(names.folder / "report.csv", csv_report(results, o), o.overwrite);
  std::printf("%s\n", o.json ? json.dump(2).c_str() : markdown.c_str());
  spdlog::info("report: {}", (names.folder / "report.md").string());
  return any_failed ? 1 : 0;
}

}  // namespace

Command add_compare_command(CLI::App& app) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Run several methods on the same inputs: outputs, heatmaps, a montage and a report");
  cmd->add_option("inputs", o->inputs, "Image files and/or folders (their images, not sub-folders)")->required();
  cmd->add_option("-m,--method", o->methods,
                  "Methods, comma-separated: names, 'all' (every installed), PATH.safetensors, opencv:PATH.pb")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("-s,--scale", o->scale, "Upscaling factor")->check(CLI::Range(2, 16))->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Folder for everything written (created if missing)")->required();
  auto* reference = cmd->add_option("--reference", o->reference,
                                    "Ground truth: an HR file (one input) or a folder of them, paired by name");
  auto* degrade = cmd->add_flag("--degrade", o->degrade,
                                "Take each input as the ground truth: shrink it (MATLAB bicubic) first, then upscale");
  reference->excludes(degrade);
  cmd->add_option("-w,--window", o->window, "Checkerboard window side in periods (w*s pixels)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--window-shape", o->window_shape,
                  "hann: tapered window, no leakage from strong content; box: plain mean (DESIGN section 5)")
      ->check(CLI::IsMember({"hann", "box"}))
      ->capture_default_str();
  cmd->add_option("--max-level", o->max_level, "Top of the heatmaps' fixed colour scale, 8-bit levels")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--tile", o->tile, "Tile size in input pixels for learned methods (0 = automatic)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--overwrite", o->overwrite, "Replace files that already exist in -o");
  cmd->add_flag("--json", o->json, "Print the JSON report on stdout instead of the Markdown table");
  cmd->add_flag("-q,--quiet", o->quiet, "Only print errors");
  cmd->add_flag("-v,--verbose", o->verbose, "Print more");
  cmd->footer(kFooter);
  return {cmd, [o]() {
    apply_verbosity(o->quiet, o->verbose);
    return run_compare(*o);
  }};
}

}  // namespace upsample::app
