#pragma once
// Several upscaling methods on the same inputs, side by side (what `upsample compare`
// does): each method's output, timing, checkerboard map and scores and, given a ground
// truth, PSNR and SSIM on Y; the files (outputs, heatmaps, one montage per input); the
// rankings; and the reports (Markdown, JSON, CSV). Nothing here parses a command line:
// the app fills CompareOptions and prints what comes back.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "analysis/checkerboard.hpp"
#include "analysis/metrics.hpp"
#include "imaging/degradations.hpp"
#include "pipeline/method_registry.hpp"

namespace upsample::analysis {

// Where PSNR/SSIM's ground truth comes from.
enum class GroundTruth {
  None,       // no ground truth: no PSNR/SSIM
  Degrade,    // each input is its own ground truth: cropped to a multiple of the scale,
              // shrunk with MATLAB's bicubic, then upscaled back
  Reference,  // CompareOptions::reference: one HR file, or a folder paired with the inputs by name
};

struct CompareOptions {
  int scale = 2;
  std::filesystem::path output_folder;  // everything is written here
  GroundTruth ground_truth = GroundTruth::None;
  std::filesystem::path reference;      // with GroundTruth::Reference
  CheckerboardOptions checkerboard;
  double max_level = 4.0;               // top of the heatmaps' fixed colour scale, 8-bit levels
  bool overwrite = false;               // replace existing files (else writing one fails)
  // With GroundTruth::Degrade: the damage done after the shrink (JPEG, noise, another
  // downscale kernel…); none: MATLAB's bicubic alone.
  std::optional<imaging::DamageSpec> damage;
};

// Methods as (label, upscaler); labels name the files and the table rows.
using NamedUpscalers = std::vector<std::pair<std::string, std::unique_ptr<pipeline::Upscaler>>>;

// What one method did on one input.
struct MethodResult {
  std::string method;
  std::filesystem::path output, heatmap;  // the files written (empty when nothing was written)
  double seconds = 0.0;                   // the upscaling alone
  CheckerboardScore score;
  std::optional<PsnrSsim> quality;        // with a ground truth
  std::string error;                      // not empty: the method failed, the values mean nothing
  int checkerboard_rank = 0;              // 1 = weakest checkerboard (set by rank_results)
  int psnr_rank = 0;                      // 1 = highest PSNR; 0 = no PSNR
};

struct InputResult {
  std::filesystem::path input, reference, montage;
  std::vector<MethodResult> results;  // one per method, in the order given
  std::vector<std::string> warnings;  // worth telling, not failures
  std::string error;                  // not empty: the input failed as a whole (or its montage)
};

// ---- inputs, references, file names -------------------------------------------------------

// Image files named directly, and the images inside named folders (sorted, not recursive).
// `on_empty_folder` hears of every named folder that holds no image.
std::vector<std::filesystem::path> expand_image_inputs(
    const std::vector<std::string>& inputs,
    const std::function<void(const std::filesystem::path&)>& on_empty_folder = {});

// Two inputs with the same stem (their outputs would collide): (the later, the earlier).
std::optional<std::pair<std::filesystem::path, std::filesystem::path>> inputs_with_same_stem(
    const std::vector<std::filesystem::path>& inputs);

// The ground truth of `input`: `reference` itself when it is a file, else the one image in
// that folder with the input's stem (any image extension). Pairing is by name, never by
// order. Throws Error when there is none, or more than one.
std::filesystem::path reference_for(const std::filesystem::path& input, const std::filesystem::path& reference);

// {folder}/{stem}_{method}_x{scale}.png; its heatmap is heatmap_path_for() of it.
std::filesystem::path compare_output_path(const CompareOptions& options, const std::filesystem::path& input,
                                          const std::string& method);
// {folder}/{stem}_montage_x{scale}.png
std::filesystem::path compare_montage_path(const CompareOptions& options, const std::filesystem::path& input);
// report.md, report.json, report.csv in the output folder.
struct ReportPaths {
  std::filesystem::path markdown, json, csv;
};
ReportPaths compare_report_paths(const CompareOptions& options);

// Every file a comparison of `inputs` by `methods` (labels) writes, reports first: to
// refuse up front rather than stop half way through.
std::vector<std::filesystem::path> files_compare_writes(const std::vector<std::filesystem::path>& inputs,
                                                        const std::vector<std::string>& methods,
                                                        const CompareOptions& options);

// ---- running ---------------------------------------------------------------------------------

// One method on one image, in memory.
struct MethodRun {
  cv::Mat output;      // the upscaled image
  CheckerboardMap map; // its checkerboard map (the heatmap's data)
  MethodResult result; // method, seconds, score, quality; no files
};

// Upscales `low` with `upscaler`, timing it; `on_output` gets the output as soon as it
// exists (to save it even if measuring it fails); then measures it, and compares it with
// `truth` (8-bit, no alpha) unless that is empty; `facts` is what the input's file tells.
// Throws on failure.
MethodRun run_method(const std::string& label, const pipeline::Upscaler& upscaler, const cv::Mat& low,
                     const cv::Mat& truth, int scale, const CheckerboardOptions& checkerboard,
                     const std::function<void(const cv::Mat& output)>& on_output = {},
                     const pipeline::ImageFacts& facts = {});

// Every method on one input file: writes each output and its heatmap, then the montage,
// and ranks the methods. A failing method or input is recorded in the result, never thrown.
InputResult compare_input(const std::filesystem::path& input, const NamedUpscalers& methods,
                          const CompareOptions& options);

// Ranks 1..n, best first, among the methods that succeeded: by checkerboard mean
// (ascending) and, where measured, by PSNR (descending). Ties keep the given order.
void rank_results(InputResult& input);

// True when the input or any of its methods failed.
bool has_failures(const InputResult& input);

// ---- reports ---------------------------------------------------------------------------------

struct ReportColumn {
  std::string title;
  int decimals = 0;
  bool higher_is_better = false;
  bool ranked = true;  // its best value is shown in bold
};

// One row of a report table: a method and its values (nullopt = not measured).
struct ReportRow {
  std::string method;
  std::vector<std::optional<double>> values;
};

// PSNR (dB) and SSIM when `with_quality`, then checkerboard mean and p99, spectral ratio
// (not ranked: it tells coherence, not strength) and time (ms).
std::vector<ReportColumn> report_columns(bool with_quality);
ReportRow report_row(const MethodResult& result, bool with_quality);

// A Markdown table; with more than one row, the best value of each ranked column is in
// bold, and so is every value that ties with it at the shown precision.
std::string markdown_table(const std::vector<ReportRow>& rows, const std::vector<ReportColumn>& columns);

// `methods`: the labels in order (for the average over several inputs).
std::string markdown_report(const std::vector<InputResult>& inputs, const std::vector<std::string>& methods,
                            const CompareOptions& options);
// Indented by 2, without a final newline.
std::string json_report(const std::vector<InputResult>& inputs, const std::vector<std::string>& methods,
                        const CompareOptions& options);
std::string csv_report(const std::vector<InputResult>& inputs, const CompareOptions& options);

struct CompareReports {
  std::string markdown, json, csv;
};
CompareReports build_reports(const std::vector<InputResult>& inputs, const std::vector<std::string>& methods,
                             const CompareOptions& options);
// Writes them atomically to compare_report_paths() (the JSON with a final newline).
void write_reports(const CompareReports& reports, const CompareOptions& options);

}  // namespace upsample::analysis
