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

struct BatchOptions {
  std::vector<std::filesystem::path> inputs;   // files and folders, mixed
  bool recursive = false;                      // descend into sub-folders (mirrored in the output)
  std::optional<std::filesystem::path> output; // a file for one input file, else a folder; none = beside each input
  std::string name_template = "{stem}_{method}_x{scale}.{ext}";
  std::string method_label;                    // fills {method}
  int scale = 2;                               // fills {scale}
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
  std::vector<std::string> warnings;  // e.g. alpha dropped because the format has none
  double seconds = 0;
  std::uintmax_t input_bytes = 0, output_bytes = 0;
  cv::Size input_size, output_size;
  nlohmann::json extra = nlohmann::json::object();  // fields a command adds to the file's --json entry
};

struct BatchPlan {
  std::vector<FileTask> tasks;
  std::vector<std::string> notes;  // files passed over in folders, each naming the file and why
  std::vector<std::string> verbose_notes;  // the same, for what is only said with -v (the output folder)
};

// Expands folders, names outputs and refuses what must not happen (an output that
// another input also maps to, an output that is an input, an existing output without
// Overwrite). Throws UsageError when the options contradict each other.
BatchPlan plan_batch(const BatchOptions& options);

// Expands a name template; throws UsageError for unknown {fields} or path separators.
std::string expand_name_template(const std::string& name_template, const std::string& stem, const std::string& method,
                                 int scale, const std::string& ext);

// It may add warnings and --json fields to the task.
using ImageStep = std::function<cv::Mat(const cv::Mat& image, FileTask& task)>;
// Runs once a task's output is written, with the image written (e.g. --heatmap); it may
// fill task.extra. An exception fails the task with its message.
using AfterSave = std::function<void(FileTask& task, const cv::Mat& result)>;

struct RunOptions {
  int jobs = 1;                  // images processed at once
  std::optional<int> quality;    // JPEG/WebP quality
  std::string format;            // output encoding; empty = from the output's extension
  ExistingOutput existing = ExistingOutput::Refuse;
  bool accept_damaged = false;   // process a truncated input (with a warning) instead of failing it
  bool keep_metadata = true;     // EXIF, XMP, IPTC and the ICC profile go from each input to its output
  AfterSave after_save;          // optional
};

// Runs every Pending task: load, `step`, save atomically. `on_done` is called once per
// task (Pending ones after they finish), never concurrently.
void run_batch(std::vector<FileTask>& tasks, const ImageStep& step, const RunOptions& options,
               const std::function<void(const FileTask&)>& on_done);

}  // namespace upsample::pipeline
