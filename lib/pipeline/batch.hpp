#pragma once
// A batch of image files through one image-to-image step (upscale, deblur, ...): which
// files, where each result goes, what is refused before anything runs, and running the
// rest in parallel so that one bad file never stops the others.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "io/image_io.hpp"

namespace upsample::pipeline {

enum class ExistingOutput { Refuse, Overwrite, Skip };

// What {scale} prints: a whole scale as itself ("2"); an asked size as
// pipeline::scale_text says ("1.5", "w1920").
struct ScaleText {
  std::string text;
  ScaleText(int scale) : text(std::to_string(scale)) {}  // implicit: a whole scale is the common case
  explicit ScaleText(std::string asked) : text(std::move(asked)) {}
};

struct BatchOptions {
  std::vector<std::filesystem::path> inputs;   // files and folders, mixed
  bool recursive = false;                      // descend into sub-folders (mirrored in the output)
  std::optional<std::filesystem::path> output; // a file for one input file, else a folder; none = beside each input
  std::string name_template = "{stem}_{method}_x{scale}.{ext}";  // {dir} / {relpath} place outputs under -o
  std::string method_label;                    // fills {method}
  ScaleText scale = 2;                         // fills {scale}
  std::string format;                          // output extension; empty = from -o or the input
  ExistingOutput existing = ExistingOutput::Refuse;
};

enum class FileStatus { Pending, Written, Skipped, Failed };
const char* to_string(FileStatus status);

struct FileTask {
  std::filesystem::path input;
  std::filesystem::path output;  // empty when no output could be planned
  FileStatus status = FileStatus::Pending;
  std::string error;             // one line naming the file and the reason (Failed), or why Skipped
  std::vector<std::string> warnings;  // e.g. alpha flattened because the format has none
  double seconds = 0;
  std::uintmax_t input_bytes = 0, output_bytes = 0;
  cv::Size input_size, output_size;
  nlohmann::json extra = nlohmann::json::object();  // fields a command adds to the file's --json entry
};

struct BatchPlan {
  std::vector<FileTask> tasks;
  std::vector<std::string> notes;  // files passed over in folders, each naming the file and why
  std::vector<std::string> verbose_notes;  // the same, for what is only said with -v (the output folder)
  std::vector<std::string> warnings;  // folders given that hold no image: likely a mistake
};

// Expands folders, names outputs and refuses what must not happen (an output that
// another input also maps to, an output that is an input, an existing output without
// Overwrite). Throws UsageError when the options contradict each other. The tasks are
// sorted by the bytes of their input paths (LC_ALL=C sort order), whatever the order of
// the inputs given, so every worker of a shared batch sees the same list.
BatchPlan plan_batch(const BatchOptions& options);

// What a name template's {fields} stand for, for one input.
struct NameFields {
  std::string stem, method;
  ScaleText scale = 2;
  std::string ext;
  std::string dir = ".";  // the input's folder relative to its root (the folder given, or the current one)
  std::string relpath;    // the input's path relative to its root, without its extension
};

// Expands a name template; throws UsageError for unknown {fields}, or for folder
// separators in a template without {dir} or {relpath}.
std::string expand_name_template(const std::string& name_template, const NameFields& fields);
std::string expand_name_template(const std::string& name_template, const std::string& stem, const std::string& method,
                                 const ScaleText& scale, const std::string& ext);

// True when the template places outputs by the input's own folders ({dir} or {relpath}).
bool template_mirrors_folders(const std::string& name_template);

// It may add warnings and --json fields to the task.
using ImageStep = std::function<cv::Mat(const cv::Mat& image, FileTask& task)>;
// Runs once a task's output is written, with the image written (e.g. --heatmap); it may
// fill task.extra. An exception fails the task with its message.
using AfterSave = std::function<void(FileTask& task, const cv::Mat& result)>;
// A step that may give its result as bands made while it is written (io::ImageInRows),
// so that it is never whole in memory; nullopt when it cannot for this image.
using RowsStep = std::function<std::optional<io::ImageInRows>(const cv::Mat& image, FileTask& task)>;

struct RunOptions {
  int jobs = 1;                  // images processed at once
  std::optional<int> quality;    // of lossy formats; empty = what fits the input (output_quality.hpp)
  std::optional<int> png_level = std::nullopt;  // PNG zlib level 0..9; empty = OpenCV's fast default
  io::BackgroundColour background = {};  // what alpha is flattened onto in a format without alpha
  std::string format;            // output encoding; empty = from the output's extension
  ExistingOutput existing = ExistingOutput::Refuse;
  bool accept_damaged = false;   // process a truncated input (with a warning) instead of failing it
  // Optional: may refuse an input before it is decoded, told its header and the output path.
  std::function<void(const io::ImageHeader&, const std::filesystem::path& output)> check_size;
  bool keep_metadata = true;     // EXIF, XMP, IPTC and the ICC profile go from each input to its output
  AfterSave after_save;          // optional
  RowsStep rows_step;            // optional: tried before the step when there is no after_save
  // Claim each output before computing it (pipeline/claim.hpp), so workers sharing the
  // output folder never compute an image twice; an output claimed by another worker is
  // Skipped. Meant for ExistingOutput::Skip.
  bool claim_outputs = false;
  std::optional<double> claim_timeout_seconds;  // claims older than this are stale, whoever holds them
  // Polled between images: once it returns true, no new image is started.
  std::function<bool()> stop_requested;
  // Called as an image is started (a progress display names it), never concurrently with
  // itself or with on_done.
  std::function<void(const FileTask&)> on_start;
};

// Runs every Pending task: load, `step`, save atomically. `on_done` is called once per
// task (Pending ones after they finish), never concurrently. Under ExistingOutput::Skip
// an output that appears while the batch runs (another worker wrote it) is Skipped,
// never Failed. Tasks not started because of `stop_requested` stay Pending.
void run_batch(std::vector<FileTask>& tasks, const ImageStep& step, const RunOptions& options,
               const std::function<void(const FileTask&)>& on_done);

}  // namespace upsample::pipeline
