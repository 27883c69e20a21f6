#pragma once
// What `upsample artifacts` measures, as a library: the checkerboard scores and heatmaps
// of upscaled images, and the constant-input diagnostic of methods (DESIGN §5), with the
// text and JSON that report them. The app binds options and prints these strings.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analysis/checkerboard.hpp"
#include "analysis/heatmap_render.hpp"

namespace upsample::models {
class Model;
}

namespace upsample::analysis {

// ---- upscaled images ---------------------------------------------------------------------------

struct ImageScoreOptions {
  // The factor the images were upscaled by, as told (-s); without, each file's name says
  // it (scale_in_name), else 2 with a warning.
  std::optional<int> scale;
  CheckerboardOptions checkerboard;
  HeatmapStyle style;
  std::filesystem::path heatmap_folder;   // created when first needed; empty: beside each image
  bool overwrite = false;                 // replace existing heatmaps
};

// The whole scale this tool's own output names carry ("photo_fsrcnn_x4.png": 4), or none.
std::optional<int> scale_in_name(const std::filesystem::path& image);

struct ImageCheckerboard {
  std::filesystem::path input, heatmap;
  int scale = 0;  // the period measured
  CheckerboardScore score;
  // E.g. a size that is no multiple of the scale, a scale guessed, a JPEG's own blocks:
  // measured all the same.
  std::vector<std::string> warnings;
  std::string error;    // not empty: not measured
};

// Scores images one at a time, writing each heatmap ({stem}_heatmap.png), and refuses to
// give two inputs the same heatmap.
class ImageScorer {
 public:
  explicit ImageScorer(ImageScoreOptions options) : options_(std::move(options)) {}
  // A bad image fills `error` (starting with its path) rather than throwing.
  ImageCheckerboard score(const std::filesystem::path& image);
  const ImageScoreOptions& options() const { return options_; }

 private:
  ImageScoreOptions options_;
  std::set<std::filesystem::path> heatmaps_written_;
};

// The text table: header, then one line per measured image.
std::string image_table_header();
std::string image_table_row(const ImageCheckerboard& score);
// The JSON summary of a run, indented by 2, without a final newline.
std::string images_json(const std::vector<ImageCheckerboard>& scores, const ImageScoreOptions& options);

// ---- methods ------------------------------------------------------------------------------------

// One method's constant-input diagnostic.
struct MethodDiagnosis {
  std::string label;   // the method as named in files and tables
  int scale = 1;       // the method's own factor: 1 for a restoration (deblurring) model
  PhasePattern pattern;  // pattern.scale is the period measured: the scale, or for a scale-1
                         // model the period of the stride-2 steps inside it
  std::string last_layer;
  std::optional<PolyphaseGains> gains;  // when the upscaling end is linear
  std::string note;            // how to read a scale-1 diagnostic (empty otherwise)
  std::string not_applicable;  // not empty: no diagnostic, and why (pattern is empty)
};

// The methods to diagnose at `scale`: "all" is every registered method that can run at
// this scale, plus the restoration models (deblur) whose weights are installed; those it
// leaves out are listed in `skipped` as "name: skipped (reason)".
struct MethodSelection {
  std::vector<std::string> methods;
  std::vector<std::string> skipped;
};
MethodSelection methods_to_diagnose(const std::vector<std::string>& methods, int scale);

// The constant-input response of a scale-1 model (the deblurring U-Net): its output
// cannot have an upsampler's period-s pattern, but each stride-2 step inside it (down,
// then up by a transposed conv, pixel shuffle or resize-conv) works on a grid of period
// 2^k, so its response to a constant image is measured in phases of the largest such
// period (the network's tile alignment). Empty pattern and a reason in `not_applicable`
// when the network has no strided step.
MethodDiagnosis diagnose_scale_one_model(const models::Model& model, double level = 128.0);

// Learned methods and model files are diagnosed on the model itself, in float (with their
// polyphase gains when their last layer is linear); scale-1 models at their own scale
// whatever `scale` says; anything else (interpolation, OpenCV models) through its
// upscaler at `scale`. Throws UsageError when a model file's scale is not `scale`, Error
// for an unknown method, missing weights or a bad model file.
MethodDiagnosis diagnose_method(const std::string& method, const std::string& label, int scale, double level);

// {folder}/{label}_x{scale}_phase.png: the magnified phase pattern. Empty path (nothing
// written) for a diagnosis that does not apply.
std::filesystem::path save_phase_picture(const MethodDiagnosis& diagnosis, const std::filesystem::path& folder,
                                         double level, double max_level, bool overwrite);

// One method's outcome: its diagnosis and picture, or the error that stopped it.
struct DiagnosedMethod {
  std::string label;
  std::optional<MethodDiagnosis> diagnosis;
  std::filesystem::path picture;  // empty when nothing was written
  std::string error;
};

// The text report: a summary table of the diagnosed methods, then each one in detail.
std::string diagnosis_table(const std::vector<DiagnosedMethod>& methods);
std::string diagnosis_details(const MethodDiagnosis& diagnosis, const std::filesystem::path& picture);
// The JSON summary, indented by 2, without a final newline.
std::string diagnoses_json(const std::vector<DiagnosedMethod>& methods, int scale, double level);

}  // namespace upsample::analysis
