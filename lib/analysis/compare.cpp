#include "analysis/compare.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <span>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "analysis/damaged_input.hpp"
#include "analysis/heatmap_render.hpp"
#include "imaging/matlab_imresize.hpp"
#include "io/atomic_file.hpp"
#include "io/image_io.hpp"
#include "io/json_path.hpp"
#include "pipeline/method_registry.hpp"
#include "pipeline/upscale_image.hpp"
#include "tensor/error.hpp"

namespace upsample::analysis {

namespace fs = std::filesystem;

namespace {

std::string fixed(double value, int decimals) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

io::ExistingFile existing_policy(bool overwrite) {
  return overwrite ? io::ExistingFile::Replace : io::ExistingFile::Refuse;
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

// The montage's label under each method's name.
std::vector<std::string> label_lines(const MethodResult& r) {
  std::vector<std::string> lines = {
      fixed(r.seconds * 1000.0, 1) + " ms",
      "checkerboard mean " + fixed(r.score.mean, 3) + ", p99 " + fixed(r.score.p99, 3),
      "spectral ratio " + fixed(r.score.spectral_ratio, 2),
  };
  if (r.quality) lines.push_back("PSNR " + fixed(r.quality->psnr, 2) + " dB, SSIM " + fixed(r.quality->ssim, 4));
  return lines;
}

// A network (built-in, a model file, an OpenCV model, a self-ensemble), as opposed to a
// classical resampler.
bool is_learned(const std::string& label) {
  const pipeline::MethodInfo* info = pipeline::MethodRegistry::builtin().find(label);
  return !info || info->learned;
}

// What the methods upscale, and the ground truth (empty without one).
struct InputPair {
  cv::Mat low, truth;
  pipeline::ImageFacts facts;  // what the low image's file would tell (damage made here)
};

InputPair prepare_input(const fs::path& input, const CompareOptions& o, InputResult& result) {
  const int s = o.scale;
  const cv::Mat loaded = io::load_image(input);
  InputPair pair;
  if (o.ground_truth == GroundTruth::Degrade) {
    cv::Mat eight = loaded;
    if (loaded.depth() != CV_8U) {
      result.warnings.push_back(input.string() +
                                ": compared in 8 bits (the MATLAB-style shrink works on 8-bit images)");
      loaded.convertTo(eight, CV_8U, 1.0 / 257.0);
    }
    cv::Mat high = imaging::crop_to_multiple_of(eight, s).clone();
    if (!o.damage) {
      pair.low = imaging::matlab_bicubic_downscale_u8(high, s);  // alpha included: it is shrunk and upscaled too
      pair.truth = for_metrics(high);
      return pair;
    }
    if (high.channels() == 4) {
      result.warnings.push_back(input.string() + ": compared without its alpha (the damage is done as to a JPEG)");
      cv::cvtColor(high, high, cv::COLOR_BGRA2BGR);
    }
    DamagedInput damaged = damaged_input(high, s, *o.damage);
    pair.low = damaged.lr;
    pair.facts = damaged.facts;
    pair.truth = for_metrics(high);
    return pair;
  }
  pair.low = loaded;
  if (o.ground_truth == GroundTruth::Reference) {
    result.reference = reference_for(input, o.reference);
    pair.truth = for_metrics(io::load_image(result.reference));
    const cv::Size wanted(pair.low.cols * s, pair.low.rows * s);
    if (imaging::crop_to_multiple_of(pair.truth, s).size() != wanted)
      throw Error(input.string() + ": its reference " + result.reference.string() + " is " +
                  std::to_string(pair.truth.cols) + "x" + std::to_string(pair.truth.rows) + ", but the input x" +
                  std::to_string(s) + " is " + std::to_string(wanted.width) + "x" + std::to_string(wanted.height));
  }
  return pair;
}

std::string montage_title(const InputResult& result, const CompareOptions& o) {
  std::string title = result.input.filename().string() + "  x" + std::to_string(o.scale);
  if (o.ground_truth == GroundTruth::Degrade && o.damage)
    title += "  (--degrade " + o.damage->text() + ": the input shrunk and damaged, then upscaled; it is the ground truth)";
  else if (o.ground_truth == GroundTruth::Degrade)
    title += "  (--degrade: the input shrunk with MATLAB bicubic, then upscaled; it is the ground truth)";
  if (o.ground_truth == GroundTruth::Reference) title += "  (reference " + result.reference.filename().string() + ")";
  return title;
}

// Per method, the mean of each value over the inputs where it succeeded.
std::vector<ReportRow> average_rows(const std::vector<InputResult>& inputs, const std::vector<std::string>& methods,
                                    bool with_quality) {
  std::vector<ReportRow> rows;
  for (const auto& method : methods) {
    ReportRow sum{method, {}};
    std::vector<int> counts;
    for (const auto& input : inputs)
      for (const auto& r : input.results) {
        if (r.method != method || !r.error.empty()) continue;
        const ReportRow one = report_row(r, with_quality);
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

std::string ground_truth_text(const CompareOptions& o) {
  switch (o.ground_truth) {
    case GroundTruth::Degrade:
      return "--degrade: each input is the ground truth, shrunk with MATLAB bicubic, then upscaled";
    case GroundTruth::Reference:
      return "--reference " + o.reference.string() + ": PSNR/SSIM against the image of the same name";
    case GroundTruth::None: break;
  }
  return "no ground truth (add --degrade or --reference for PSNR/SSIM)";
}

std::string ground_truth_name(GroundTruth g) {
  switch (g) {
    case GroundTruth::Degrade: return "degrade";
    case GroundTruth::Reference: return "reference";
    case GroundTruth::None: break;
  }
  return "none";
}

nlohmann::json finite_or_null(double value) {
  if (!std::isfinite(value)) return nullptr;  // JSON has no infinity (identical images)
  return value;
}


std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void write_text(const fs::path& path, const std::string& text, bool overwrite) {
  io::write_file_atomically(path, std::as_bytes(std::span(text.data(), text.size())), existing_policy(overwrite));
}

}  // namespace

// ---- inputs, references, file names -------------------------------------------------------

std::vector<fs::path> expand_image_inputs(const std::vector<std::string>& inputs,
                                          const std::function<void(const fs::path&)>& on_empty_folder) {
  std::vector<fs::path> files;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (!fs::is_directory(input, ec)) {
      files.emplace_back(input);
      continue;
    }
    const std::vector<fs::path> inside = io::image_files_in(input);
    if (inside.empty() && on_empty_folder) on_empty_folder(input);
    files.insert(files.end(), inside.begin(), inside.end());
  }
  return files;
}

std::optional<std::pair<fs::path, fs::path>> inputs_with_same_stem(const std::vector<fs::path>& inputs) {
  std::map<std::string, fs::path> seen;
  for (const auto& input : inputs) {
    const auto [it, fresh] = seen.emplace(input.stem().string(), input);
    if (!fresh) return std::pair(input, it->second);
  }
  return std::nullopt;
}

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

fs::path compare_output_path(const CompareOptions& o, const fs::path& input, const std::string& method) {
  return o.output_folder / (input.stem().string() + "_" + method + "_x" + std::to_string(o.scale) + ".png");
}

fs::path compare_montage_path(const CompareOptions& o, const fs::path& input) {
  return o.output_folder / (input.stem().string() + "_montage_x" + std::to_string(o.scale) + ".png");
}

ReportPaths compare_report_paths(const CompareOptions& o) {
  return {o.output_folder / "report.md", o.output_folder / "report.json", o.output_folder / "report.csv"};
}

std::vector<fs::path> files_compare_writes(const std::vector<fs::path>& inputs, const std::vector<std::string>& methods,
                                           const CompareOptions& o) {
  const ReportPaths reports = compare_report_paths(o);
  std::vector<fs::path> files = {reports.markdown, reports.json, reports.csv};
  for (const auto& input : inputs) {
    files.push_back(compare_montage_path(o, input));
    for (const auto& method : methods) {
      files.push_back(compare_output_path(o, input, method));
      files.push_back(heatmap_path_for(compare_output_path(o, input, method)));
    }
  }
  return files;
}

// ---- running ---------------------------------------------------------------------------------

MethodRun run_method(const std::string& label, const pipeline::Upscaler& upscaler, const cv::Mat& low,
                     const cv::Mat& truth, int scale, const CheckerboardOptions& checkerboard,
                     const std::function<void(const cv::Mat& output)>& on_output,
                     const pipeline::ImageFacts& facts) {
  MethodRun run;
  run.result.method = label;
  const auto start = std::chrono::steady_clock::now();
  run.output = pipeline::upscale_image(low, upscaler, facts);
  run.result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (on_output) on_output(run.output);
  CheckerboardAnalysis measured = analyse_checkerboard(run.output, scale, checkerboard);
  run.map = std::move(measured.map);
  run.result.score = measured.score;
  if (!truth.empty()) run.result.quality = evaluate_pair(for_metrics(run.output), truth, scale);
  return run;
}

InputResult compare_input(const fs::path& input, const NamedUpscalers& methods, const CompareOptions& o) {
  InputResult result;
  result.input = input;
  const io::SaveOptions save{"png", {}, existing_policy(o.overwrite)};
  try {
    const InputPair pair = prepare_input(input, o, result);
    HeatmapStyle style;
    style.max_level = o.max_level;
    std::vector<MontageColumn> columns;
    for (const auto& [label, upscaler] : methods) {
      MethodResult r;
      r.method = label;
      try {
        const fs::path output = compare_output_path(o, input, label);
        MethodRun run = run_method(label, *upscaler, pair.low, pair.truth, o.scale, o.checkerboard,
                                   [&](const cv::Mat& upscaled) { io::save_image(output, upscaled, save); },
                                   pair.facts);
        r = std::move(run.result);
        r.output = output;
        r.heatmap = heatmap_path_for(output);
        const std::string title = output.filename().string() + "\n" + describe_score(r.score);
        io::save_image(r.heatmap, render_heatmap(run.map, run.output, title, style), save);
        columns.push_back({label, label_lines(r), run.output, std::move(run.map), is_learned(label)});
      } catch (const std::exception& e) {
        r.error = input.string() + ": " + label + ": " + e.what();
      }
      result.results.push_back(std::move(r));
    }
    if (!columns.empty()) {
      if (!pair.truth.empty()) {
        const cv::Size size = columns.front().output.size();
        cv::Mat shown_input;  // pixel for pixel, so the crop shows what the methods were given
        cv::resize(pair.low, shown_input, size, 0, 0, cv::INTER_NEAREST);
        const std::string from = o.ground_truth == GroundTruth::Degrade ? "the input file" : result.reference.filename().string();
        columns.insert(columns.begin(),
                       {{"ground truth", {from}, pair.truth(cv::Rect({0, 0}, size)), {}, false},
                        {"input", {"x" + std::to_string(o.scale) + " smaller, shown pixel for pixel"}, shown_input, {}, false}});
      }
      result.montage = compare_montage_path(o, input);
      io::save_image(result.montage, render_montage(columns, montage_title(result, o), style), save);
    }
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  rank_results(result);
  return result;
}

void rank_results(InputResult& input) {
  std::vector<MethodResult*> ok;
  for (auto& r : input.results)
    if (r.error.empty()) ok.push_back(&r);
  std::stable_sort(ok.begin(), ok.end(),
                   [](const MethodResult* a, const MethodResult* b) { return a->score.mean < b->score.mean; });
  for (size_t i = 0; i < ok.size(); ++i) ok[i]->checkerboard_rank = static_cast<int>(i + 1);
  // Methods with a PSNR first, best first; those without keep rank 0.
  std::stable_sort(ok.begin(), ok.end(), [](const MethodResult* a, const MethodResult* b) {
    return a->quality && b->quality ? a->quality->psnr > b->quality->psnr : static_cast<bool>(a->quality);
  });
  for (size_t i = 0; i < ok.size(); ++i)
    if (ok[i]->quality) ok[i]->psnr_rank = static_cast<int>(i + 1);
}

bool has_failures(const InputResult& input) {
  return !input.error.empty() ||
         std::any_of(input.results.begin(), input.results.end(), [](const MethodResult& m) { return !m.error.empty(); });
}

// ---- reports ---------------------------------------------------------------------------------

std::vector<ReportColumn> report_columns(bool with_quality) {
  std::vector<ReportColumn> columns;
  if (with_quality) columns = {{"PSNR (dB)", 2, true}, {"SSIM", 4, true}};
  columns.insert(columns.end(), {{"checkerboard mean", 3, false},
                                 {"checkerboard p99", 3, false},
                                 {"spectral ratio", 2, false, false},
                                 {"time (ms)", 1, false}});
  return columns;
}

ReportRow report_row(const MethodResult& r, bool with_quality) {
  ReportRow row{r.method, {}};
  if (with_quality) {
    row.values.push_back(r.quality ? std::optional(r.quality->psnr) : std::nullopt);
    row.values.push_back(r.quality ? std::optional(r.quality->ssim) : std::nullopt);
  }
  row.values.insert(row.values.end(), {r.score.mean, r.score.p99, r.score.spectral_ratio, r.seconds * 1000.0});
  return row;
}

std::string markdown_table(const std::vector<ReportRow>& rows, const std::vector<ReportColumn>& columns) {
  std::string text = "| method |";
  std::string rule = "|---|";
  for (const auto& c : columns) {
    text += " " + c.title + " |";
    rule += "---:|";
  }
  text += "\n" + rule + "\n";
  // The best value of each ranked column as shown, so that ties at that precision are bold too.
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

std::string markdown_report(const std::vector<InputResult>& inputs, const std::vector<std::string>& methods,
                            const CompareOptions& o) {
  const bool with_quality = o.ground_truth != GroundTruth::None;
  const std::vector<ReportColumn> columns = report_columns(with_quality);
  const int window_px = o.checkerboard.window * o.scale;
  std::string text = "# upsample compare, x" + std::to_string(o.scale) + "\n\n" + ground_truth_text(o) + ".\n\n";
  text += std::string(kCheckerboardReading) + "\n\nCheckerboard strength in 8-bit levels of Y, " +
          window_shape_name(o.checkerboard.shape) + " windows of " + std::to_string(window_px) + "x" +
          std::to_string(window_px) +
          " px, lower is better. The spectral ratio tells how regular a pattern is, not how strong, so it is not "
          "ranked. Time: lower is better";
  text += with_quality ? "; PSNR and SSIM on Y with " + std::to_string(o.scale) + " px shaved, higher is better. "
                       : ". ";
  text += "Best of each ranked column in bold.\n";
  for (const auto& input : inputs) {
    text += "\n## " + input.input.string() + "\n\n";
    if (!input.error.empty()) {
      text += "Failed: " + input.error + "\n";
      continue;
    }
    std::vector<ReportRow> rows;
    for (const auto& r : input.results)
      if (r.error.empty()) rows.push_back(report_row(r, with_quality));
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

std::string json_report(const std::vector<InputResult>& inputs, const std::vector<std::string>& methods,
                        const CompareOptions& o) {
  nlohmann::json doc = {{"command", "compare"},
                        {"scale", o.scale},
                        {"mode", ground_truth_name(o.ground_truth)},
                        {"window", o.checkerboard.window},
                        {"window_shape", window_shape_name(o.checkerboard.shape)},
                        {"units", "checkerboard strength in 8-bit levels of Y; seconds"},
                        {"methods", methods}};
  nlohmann::json list = nlohmann::json::array();
  for (const auto& input : inputs) {
    nlohmann::json entry = nlohmann::json::object();
    io::put_path(entry, "input", input.input);
    io::put_path(entry, "reference", input.reference);
    io::put_path(entry, "montage", input.montage);
    entry["error"] = input.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(input.error);
    nlohmann::json results = nlohmann::json::array();
    std::map<int, std::string> by_checkerboard, by_psnr;
    for (const auto& r : input.results) {
      if (!r.error.empty()) {
        results.push_back({{"method", r.method}, {"error", r.error}});
        continue;
      }
      nlohmann::json result = {
          {"method", r.method},
           {"seconds", r.seconds},
           {"checkerboard", {{"mean", r.score.mean}, {"p99", r.score.p99}, {"spectral_ratio", r.score.spectral_ratio}}},
           {"psnr", r.quality ? finite_or_null(r.quality->psnr) : nlohmann::json(nullptr)},
           {"ssim", r.quality ? finite_or_null(r.quality->ssim) : nlohmann::json(nullptr)},
           {"rank",
            {{"checkerboard", r.checkerboard_rank},
             {"psnr", r.psnr_rank > 0 ? nlohmann::json(r.psnr_rank) : nlohmann::json(nullptr)}}},
           {"error", nullptr}};
      io::put_path(result, "output", r.output);
      io::put_path(result, "heatmap", r.heatmap);
      results.push_back(std::move(result));
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
  return io::json_text(doc);
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

CompareReports build_reports(const std::vector<InputResult>& inputs, const std::vector<std::string>& methods,
                             const CompareOptions& options) {
  return {markdown_report(inputs, methods, options), json_report(inputs, methods, options),
          csv_report(inputs, options)};
}

void write_reports(const CompareReports& reports, const CompareOptions& options) {
  const ReportPaths paths = compare_report_paths(options);
  write_text(paths.markdown, reports.markdown, options.overwrite);
  write_text(paths.json, reports.json + "\n", options.overwrite);
  write_text(paths.csv, reports.csv, options.overwrite);
}

}  // namespace upsample::analysis
